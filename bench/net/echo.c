// SPDX-License-Identifier: GPL-2.0
/*
 * The echo protocol of nb_core's servers: send back whatever arrives,
 * with a blocking receive and a blocking send per message.
 */
#include <linux/slab.h>

#include "nb_internal.h"

#define NB_ECHO_BUF	2048

/**
 * nb_echo_serve() - echo on @c until the peer closes
 * @c: the connection
 *
 * Context: the connection's kthread or work item; sleeps.
 * Return: 0 when the peer closed, -ENOMEM, or the errno of a receive or
 * send.
 */
int nb_echo_serve(struct nb_conn *c)
{
	char *buf;
	int n;

	buf = kmalloc(NB_ECHO_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = nb_recv(c->sock, buf, NB_ECHO_BUF);
		if (n <= 0)
			break;
		n = nb_send(c->sock, buf, n);
		if (n)
			break;
	}
	kfree(buf);
	return n;
}
EXPORT_SYMBOL_GPL(nb_echo_serve);
