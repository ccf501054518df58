// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sample: a UDP echo server (RFC 862), a pool of tasks on one
 * socket.
 *
 * One UDP socket on port, IPv6 and IPv4 (dual stack; IPv4 alone on a
 * kernel without IPv6), shared by a few tasks (the tasks parameter), each
 * looping: receive a datagram and its sender, send the datagram back.  A
 * datagram longer than max_len is not echoed, as a truncated copy would
 * pass for the whole: each task's buffer is one byte longer than max_len,
 * so a receive that fills it was a longer datagram.  An empty datagram is
 * echoed as an empty datagram.  A send that finds the socket's send
 * buffer full waits for room.
 *
 * A flood is absorbed by the socket's receive buffer: what does not fit
 * is dropped by the kernel (counted in drops) while the tasks keep
 * serving.  Under a flood no receive waits, so a task's loop never
 * waits either: kasync's cooperative budget ends its poll after
 * KASYNC_COOP_BUDGET awaits and polls it again after the others, so the
 * loop needs no yield of its own.  The socket is
 * not connected and has no IP_RECVERR, so UDP ignores an ICMP error for
 * an echo (its sender closed its port); an error that a receive or send
 * does report is counted and the task goes on.  Unloading destroys the
 * runtime, which cancels every task, flood or not, and runs its drop
 * callback; then the socket is closed.
 *
 *	insmod kasync_udp.ko port=7007 tasks=4 max_len=2048
 *	echo hello | socat - UDP:127.0.0.1:7007
 *	cat /sys/module/kasync_udp/parameters/echoed
 */
#include <linux/err.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <kasync.h>

#include <kasync/param.h>

#define UDP_MAX_PAYLOAD	65507	/* the largest UDP payload over IPv4 */

/* Each parameter's range is checked at load (<kasync/param.h>). */
static int port = 7007;
kasync_param(port, int, 1, 65535, 0444);
MODULE_PARM_DESC(port, "UDP port (IPv6 and IPv4; 1-65535)");
static unsigned int tasks = 4;
kasync_param(tasks, uint, 1, 1024, 0444);
MODULE_PARM_DESC(tasks, "tasks receiving on the socket (1-1024)");
static unsigned int max_len = 2048;
kasync_param(max_len, uint, 1, UDP_MAX_PAYLOAD, 0444);
MODULE_PARM_DESC(max_len, "longest datagram echoed; longer ones are dropped (1-65507)");

/* The counters, read-only parameters of the same names. */
enum udp_counter {
	UDP_RECEIVED,		/* datagrams received, of any length */
	UDP_ECHOED,		/* sent back whole */
	UDP_OVERSIZED,		/* longer than max_len: not echoed */
	UDP_SEND_ERRORS,	/* the echo's send failed */
	UDP_RECV_ERRORS,	/* a receive reported an error */
	UDP_COUNTERS
};

static atomic_long_t udp_count[UDP_COUNTERS];

static int udp_get_count(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops udp_count_param = {
	.get = udp_get_count,
};

module_param_cb(received, &udp_count_param, &udp_count[UDP_RECEIVED], 0444);
MODULE_PARM_DESC(received, "datagrams received (read-only)");
module_param_cb(echoed, &udp_count_param, &udp_count[UDP_ECHOED], 0444);
MODULE_PARM_DESC(echoed, "datagrams sent back (read-only)");
module_param_cb(oversized, &udp_count_param, &udp_count[UDP_OVERSIZED], 0444);
MODULE_PARM_DESC(oversized, "datagrams longer than max_len, not echoed (read-only)");
module_param_cb(send_errors, &udp_count_param, &udp_count[UDP_SEND_ERRORS], 0444);
MODULE_PARM_DESC(send_errors, "echoes whose send failed (read-only)");
module_param_cb(recv_errors, &udp_count_param, &udp_count[UDP_RECV_ERRORS], 0444);
MODULE_PARM_DESC(recv_errors, "receives that reported an error (read-only)");

static struct kasync_rt *udp_rt;
/* The socket; set and cleared under kernel_param_lock() for udp_get_drops(). */
static struct kasync_sock *udp_ks;

/*
 * Datagrams the kernel dropped before a task saw them (SO_RXQ_OVFL's
 * count): a full receive buffer, mostly, or a bad checksum.
 */
static int udp_get_drops(char *buf, const struct kernel_param *kp)
{
	/* Called under kernel_param_lock(THIS_MODULE). */
	struct socket *sock = udp_ks ? kasync_sock_socket(udp_ks) : NULL;

	return sysfs_emit(buf, "%d\n", sock ? atomic_read(&sock->sk->sk_drops) : 0);
}

static const struct kernel_param_ops udp_drops_param = {
	.get = udp_get_drops,
};

module_param_cb(drops, &udp_drops_param, NULL, 0444);
MODULE_PARM_DESC(drops, "datagrams the kernel dropped, the receive buffer being full (read-only)");

/* --- udp-echo-begin --- */
struct udp_echo {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;		/* shared by the tasks; the module's */
	struct sockaddr_storage from;
	char *buf;			/* max_len + 1 bytes; owned */
	size_t max;			/* max_len */
	long len;			/* the datagram's length, or -errno */
	long sent;
};

static int udp_addrlen(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					  sizeof(struct sockaddr_in);
}

static enum kasync_poll udp_echo_poll(struct kasync_task *t, void *p)
{
	struct udp_echo *s = p;

	KASYNC_BEGIN(&s->co);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_sock_recvfrom(t, s->ks, &s->op, s->buf,
							  s->max + 1, &s->from,
							  &s->len));
		if (s->len < 0) {
			atomic_long_inc(&udp_count[UDP_RECV_ERRORS]);
			continue;
		}
		atomic_long_inc(&udp_count[UDP_RECEIVED]);
		if ((size_t)s->len > s->max) {	/* filled the extra byte */
			atomic_long_inc(&udp_count[UDP_OVERSIZED]);
			continue;
		}
		KASYNC_AWAIT(&s->co, kasync_sock_sendto(t, s->ks, &s->op, s->buf,
							s->len,
							(struct sockaddr *)&s->from,
							udp_addrlen(&s->from),
							&s->sent));
		atomic_long_inc(&udp_count[s->sent < 0 ? UDP_SEND_ERRORS :
					   UDP_ECHOED]);
	}
	KASYNC_END(&s->co);
}

static void udp_echo_drop(void *p)
{
	struct udp_echo *s = p;

	kfree(s->buf);
}

static const struct kasync_task_ops udp_echo_ops = {
	.poll = udp_echo_poll,
	.drop = udp_echo_drop,
};

/* --- udp-echo-end --- */

/*
 * A UDP socket on @port: IPv6 and IPv4 (dual stack), else IPv4.
 * Return: the socket, or an ERR_PTR().
 */
static struct kasync_sock *udp_bind(int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct kasync_sock *ks;
	int err;

	ks = kasync_sock_create(&init_net, AF_INET6, SOCK_DGRAM, 0);
	if (!IS_ERR(ks)) {
		err = kasync_sock_bind(ks, (struct sockaddr *)&a6, sizeof(a6));
	} else if (PTR_ERR(ks) == -EAFNOSUPPORT) {
		ks = kasync_sock_create(&init_net, AF_INET, SOCK_DGRAM, 0);
		if (IS_ERR(ks))
			return ks;
		err = kasync_sock_bind(ks, (struct sockaddr *)&a4, sizeof(a4));
	} else {
		return ks;
	}
	if (err) {
		kasync_sock_close(ks);
		return ERR_PTR(err);
	}
	return ks;
}

static void udp_close(void)
{
	struct kasync_sock *ks;

	kernel_param_lock(THIS_MODULE);
	ks = udp_ks;
	udp_ks = NULL;
	kernel_param_unlock(THIS_MODULE);
	kasync_sock_close(ks);
}

static int __init udp_init(void)
{
	struct udp_echo tmpl = { .max = max_len };
	struct kasync_sock *ks;
	struct kasync_task *h;
	unsigned int i;
	int err;

	udp_rt = kasync_rt_create("udp", 0);
	if (IS_ERR(udp_rt))
		return PTR_ERR(udp_rt);
	ks = udp_bind(port);
	if (IS_ERR(ks)) {
		err = PTR_ERR(ks);
		goto destroy_rt;
	}
	kernel_param_lock(THIS_MODULE);
	udp_ks = ks;
	kernel_param_unlock(THIS_MODULE);
	tmpl.ks = ks;
	for (i = 0; i < tasks; i++) {
		tmpl.buf = kmalloc(max_len + 1, GFP_KERNEL);
		if (!tmpl.buf) {
			err = -ENOMEM;
			goto stop;
		}
		h = kasync_spawn(udp_rt, &udp_echo_ops, &tmpl, sizeof(tmpl),
				 GFP_KERNEL);
		if (IS_ERR(h)) {
			kfree(tmpl.buf);
			err = PTR_ERR(h);
			goto stop;
		}
		kasync_detach(&h);
	}
	pr_info("kasync_udp: echoing on UDP port %d, %u tasks, datagrams up to %u bytes\n",
		port, tasks, max_len);
	return 0;

stop:
	kasync_rt_destroy(udp_rt);	/* the tasks' drops free their buffers */
	udp_close();
	return err;
destroy_rt:
	kasync_rt_destroy(udp_rt);
	return err;
}

static void __exit udp_exit(void)
{
	/* Cancels every task (waits for its drop); then nobody awaits udp_ks. */
	kasync_rt_destroy(udp_rt);
	udp_close();
}

module_init(udp_init);
module_exit(udp_exit);

MODULE_DESCRIPTION("kasync sample: UDP echo server, a pool of tasks on one socket");
MODULE_LICENSE("GPL");
