/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The whole of a baseline server module of kasync's network benchmark:
 * its parameters and an init/exit pair that start and stop one nb_core
 * server.  kthread_echo.c, wq_echo.c, kthread_http.c and wq_http.c are
 * one line of it each.
 */
#ifndef _NB_MODULE_H
#define _NB_MODULE_H

#include <linux/err.h>
#include <linux/module.h>

#include "nb_core.h"

/**
 * NB_SERVER_MODULE - define a module that runs one nb_core server
 * @kind: %NB_KTHREAD or %NB_WORKQUEUE (the shape)
 * @serve_fn: nb_echo_serve or nb_http_serve
 * @def_port: the port parameter's default
 * @desc: the module's description
 */
#define NB_SERVER_MODULE(kind, serve_fn, def_port, desc)		\
static ushort port = (def_port);					\
module_param(port, ushort, 0444);					\
MODULE_PARM_DESC(port, "TCP port to listen on");			\
static uint max_conns = 20000;						\
module_param(max_conns, uint, 0444);					\
MODULE_PARM_DESC(max_conns, "connections beyond this many are closed (default 20000)"); \
static char *counter = "127.0.0.1:8081";				\
module_param(counter, charp, 0444);					\
MODULE_PARM_DESC(counter, "HTTP only: address:port of the counter service"); \
static struct nb_server *nb_srv;					\
static int __init nb_module_init(void)					\
{									\
	struct nb_server_cfg cfg = {					\
		.name = KBUILD_MODNAME,					\
		.shape = (kind),					\
		.port = port,						\
		.max_conns = max_conns,					\
		.serve = (serve_fn),					\
		.counter = counter,					\
	};								\
									\
	nb_srv = nb_server_start(&cfg);					\
	return PTR_ERR_OR_ZERO(nb_srv);					\
}									\
module_init(nb_module_init);						\
static void __exit nb_module_exit(void)					\
{									\
	nb_server_stop(nb_srv);						\
}									\
module_exit(nb_module_exit);						\
MODULE_DESCRIPTION(desc);						\
MODULE_LICENSE("GPL")

#endif /* _NB_MODULE_H */
