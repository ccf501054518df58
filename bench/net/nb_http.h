/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP of kasync's network benchmark, shared by the kernel baselines
 * (http.c) and the user-space ones (epoll_http.c, counter.c), so that every
 * server answers with the same bytes.
 *
 * A page view is "GET / HTTP/1.x" with no body.  The server registers the
 * visit with the counter service first ("POST /" with an empty body, one
 * request at a time on a keep-alive connection of its own), then answers
 * 200 "Welcome to my site!", or 500 "Error registering your visit" when the
 * counter failed.  Anything else (another method or path, a body, a header
 * block that does not fit the server's buffer) gets 400 and the connection
 * is closed.  Connections are always kept alive otherwise.
 */
#ifndef _NB_HTTP_H
#define _NB_HTTP_H

#ifdef __KERNEL__
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#endif

#define NB_HTTP_OK \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\n" \
	"Welcome to my site!"
#define NB_HTTP_ERROR \
	"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n" \
	"Content-Length: 28\r\n\r\nError registering your visit"
#define NB_HTTP_BAD \
	"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define NB_COUNTER_POST \
	"POST / HTTP/1.1\r\nHost: counter\r\nContent-Length: 0\r\n\r\n"

/* Size of a request or response head that every server must accept. */
#define NB_HTTP_HEAD_MAX	1024

/**
 * nb_http_head_len() - length of the head at the start of @buf
 * @buf: received bytes
 * @len: how many
 *
 * Return: the length of the head including its closing blank line, or 0 if
 * @buf does not hold a complete head yet.
 */
static inline size_t nb_http_head_len(const char *buf, size_t len)
{
	size_t i;

	for (i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' &&
		    buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/**
 * nb_http_content_length() - the Content-Length of a head
 * @head: a complete head (nb_http_head_len() bytes)
 * @len: its length
 *
 * Return: the value, 0 if the head has no Content-Length, -1 if it is not a
 * number.
 */
static inline long nb_http_content_length(const char *head, size_t len)
{
	static const char name[] = "\r\ncontent-length:";
	const size_t n = sizeof(name) - 1;
	size_t i, j;
	long v;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n; j++) {
			char c = head[i + j];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != name[j])
				break;
		}
		if (j < n)
			continue;
		for (i += n; i < len && head[i] == ' '; i++)
			;
		if (i >= len || head[i] < '0' || head[i] > '9')
			return -1;
		for (v = 0; i < len && head[i] >= '0' && head[i] <= '9'; i++) {
			v = v * 10 + (head[i] - '0');
			if (v > (1L << 30))
				return -1;
		}
		return v;
	}
	return 0;
}

/**
 * nb_http_is_page_view() - is @head a page view?
 * @head: a complete request head
 * @len: its length
 *
 * Return: true for "GET / HTTP/1.0" or "GET / HTTP/1.1" without a body.
 */
static inline bool nb_http_is_page_view(const char *head, size_t len)
{
	static const char get[] = "GET / HTTP/1.";
	const size_t n = sizeof(get) - 1;

	if (len < n + 3 || memcmp(head, get, n) ||
	    (head[n] != '0' && head[n] != '1') ||
	    head[n + 1] != '\r' || head[n + 2] != '\n')
		return false;
	return nb_http_content_length(head, len) == 0;
}

/**
 * nb_http_status() - the status code of a response head
 * @head: a complete response head
 * @len: its length
 *
 * Return: the three-digit code, or -1 if the status line is malformed.
 */
static inline int nb_http_status(const char *head, size_t len)
{
	static const char ver[] = "HTTP/1.";
	const size_t n = sizeof(ver) - 1;
	int i, code = 0;

	if (len < n + 6 || memcmp(head, ver, n) || head[n + 1] != ' ')
		return -1;
	for (i = 0; i < 3; i++) {
		char c = head[n + 2 + i];

		if (c < '0' || c > '9')
			return -1;
		code = code * 10 + (c - '0');
	}
	return code;
}

#endif /* _NB_HTTP_H */
