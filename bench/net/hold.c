// SPDX-License-Identifier: GPL-2.0
/*
 * hold: accepts connections and keeps them, serving nothing.  The floor of
 * the network benchmark's conn_mem (bench/net/run-net.sh): what an
 * accepted TCP socket alone costs an in-kernel server, before the server's
 * own thread, work item or task.  The server itself is nb_core's
 * (nb_core.h, %NB_HOLD).
 */
#include "nb_module.h"

NB_SERVER_MODULE(NB_HOLD, NULL, 9000,
		 "kasync network benchmark: accepts connections and keeps them (the memory floor)");
