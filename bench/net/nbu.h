/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the user-space programs of kasync's network benchmark
 * (servers, counter, load generators); see run-net.sh.
 */
#ifndef _NBU_H
#define _NBU_H

#include <netinet/in.h>
#include <stdint.h>
#include <stddef.h>

void nbu_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
uint64_t nbu_now_ns(void);
void nbu_nofile(unsigned long n);
void nbu_nonblock(int fd);
int nbu_addr(const char *s, struct sockaddr_in *sin);
int nbu_listen(const struct sockaddr_in *sin, int reuseport, int backlog);
int nbu_connect(const struct sockaddr_in *dst, unsigned int src, int timeout_s);
void nbu_abort_close(int fd);
int nbu_cpus(void);
void nbu_run_workers(void *(*worker)(void *), int threads);
long nbu_tcp_alloc(void);
int nbu_tcp_settle(long limit, int timeout_ms);

#endif /* _NBU_H */
