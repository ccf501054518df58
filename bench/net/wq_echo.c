// SPDX-License-Identifier: GPL-2.0
/*
 * wq_echo: echo server, one work item per connection.
 * A baseline of kasync's network benchmark (bench/net/run-net.sh); the
 * server itself is nb_core's (nb_core.h).
 */
#include <linux/err.h>
#include <linux/module.h>

#include "nb_core.h"

static ushort port = 9000;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on (default 9000)");

static uint max_conns = 20000;
module_param(max_conns, uint, 0444);
MODULE_PARM_DESC(max_conns, "connections beyond this many are closed (default 20000)");

static struct nb_server *wq_echo_srv;

static int __init wq_echo_init(void)
{
	struct nb_server_cfg cfg = {
		.name = KBUILD_MODNAME,
		.shape = NB_WORKQUEUE,
		.port = port,
		.max_conns = max_conns,
		.serve = nb_echo_serve,
	};

	wq_echo_srv = nb_server_start(&cfg);
	return PTR_ERR_OR_ZERO(wq_echo_srv);
}
module_init(wq_echo_init);

static void __exit wq_echo_exit(void)
{
	nb_server_stop(wq_echo_srv);
}
module_exit(wq_echo_exit);

MODULE_DESCRIPTION("kasync network benchmark: echo server, one work item per connection");
MODULE_LICENSE("GPL");
