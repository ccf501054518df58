// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP protocol of nb_core's servers (see nb_http.h): each page view
 * is registered with the counter service by a blocking request on the
 * connection's own keep-alive connection to it, then answered.
 */
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "nb_http.h"
#include "nb_internal.h"

#define NB_COUNTER_BUF	256

/**
 * struct nb_http - one HTTP connection's state
 * @req: received request bytes not answered yet
 * @len: how many
 * @resp: the counter's response being received
 */
struct nb_http {
	char req[NB_HTTP_HEAD_MAX];
	size_t len;
	char resp[NB_COUNTER_BUF];
};

/* Connect @c to the counter service, unless it is connected already. */
static int nb_counter_connect(struct nb_conn *c)
{
	struct sockaddr_in *sin = &c->srv->counter;
	struct socket *sock;
	int err;

	if (c->peer)
		return 0;
	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	err = kernel_connect(sock, (struct sockaddr *)sin, sizeof(*sin), 0);
	if (!err)
		err = nb_conn_set_peer(c, sock);
	if (err)
		sock_release(sock);
	return err;
}

/* One POST to the counter; 0 if it answered 200. */
static int nb_counter_post(struct nb_conn *c, struct nb_http *h)
{
	size_t len = 0, head = 0;
	long body = 0;
	int n;

	n = nb_counter_connect(c);
	if (n)
		return n;
	n = nb_send(c->peer, NB_COUNTER_POST, sizeof(NB_COUNTER_POST) - 1);
	if (n)
		return n;
	while (!head || len < head + body) {
		if (len == sizeof(h->resp))
			return -EMSGSIZE;
		n = nb_recv(c->peer, h->resp + len, sizeof(h->resp) - len);
		if (n <= 0)
			return n ? n : -ECONNRESET;
		len += n;
		if (!head) {
			head = nb_http_head_len(h->resp, len);
			if (head)
				body = nb_http_content_length(h->resp, head);
			if (body < 0)
				return -EPROTO;
		}
	}
	if (len != head + body || nb_http_status(h->resp, head) != 200)
		return -EPROTO;
	return 0;
}

/* Answer the complete requests at the start of h->req; false to close. */
static bool nb_http_answer(struct nb_conn *c, struct nb_http *h)
{
	size_t head;

	while ((head = nb_http_head_len(h->req, h->len))) {
		if (!nb_http_is_page_view(h->req, head)) {
			nb_send(c->sock, NB_HTTP_BAD, sizeof(NB_HTTP_BAD) - 1);
			return false;
		}
		if (nb_counter_post(c, h)) {
			/* reconnect for the next page view */
			nb_conn_drop_peer(c);
			if (nb_send(c->sock, NB_HTTP_ERROR,
				    sizeof(NB_HTTP_ERROR) - 1))
				return false;
		} else if (nb_send(c->sock, NB_HTTP_OK, sizeof(NB_HTTP_OK) - 1)) {
			return false;
		}
		h->len -= head;
		memmove(h->req, h->req + head, h->len);
	}
	if (h->len == sizeof(h->req)) {	/* a head too large for us */
		nb_send(c->sock, NB_HTTP_BAD, sizeof(NB_HTTP_BAD) - 1);
		return false;
	}
	return true;
}

/**
 * nb_http_serve() - serve page views on @c until the peer closes
 * @c: the connection
 *
 * Context: the connection's kthread or work item; sleeps.
 * Return: 0 when the peer closed or the request was bad, -ENOMEM, or the
 * errno of a receive.
 */
int nb_http_serve(struct nb_conn *c)
{
	struct nb_http *h;
	int n;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->len = 0;
	do {
		n = nb_recv(c->sock, h->req + h->len, sizeof(h->req) - h->len);
		if (n <= 0)
			break;
		h->len += n;
	} while (nb_http_answer(c, h));
	kfree(h);
	return n < 0 ? n : 0;
}
EXPORT_SYMBOL_GPL(nb_http_serve);
