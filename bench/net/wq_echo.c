// SPDX-License-Identifier: GPL-2.0
/*
 * wq_echo: echo server, one work item per connection.
 * A baseline of kasync's network benchmark (bench/net/run-net.sh); the
 * server itself is nb_core's (nb_core.h).
 */
#include "nb_module.h"

NB_SERVER_MODULE(NB_WORKQUEUE, nb_echo_serve, 9000,
		 "kasync network benchmark: echo server, one work item per connection");
