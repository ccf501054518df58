/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small HTTP/1.1 request parser and response writer for kasync's
 * samples (the HTTP server and the counter service).  Strict on purpose:
 * anything it does not understand is malformed (400), and requests are
 * bounded by the caller's buffer.
 */
#ifndef _KASYNC_SAMPLE_HTTP_H
#define _KASYNC_SAMPLE_HTTP_H

#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/socket.h>
#include <linux/string.h>

/**
 * struct khttp_req - a parsed request head
 * @method: "GET", "POST", ... (NUL-terminated)
 * @path: the request target, NUL-terminated
 * @close: the client asked to close after this request (or is HTTP/1.0
 *	without keep-alive)
 * @content_length: bytes of body following the head
 * @len: bytes of head and body, to consume once answered
 */
struct khttp_req {
	char method[8];
	char path[64];
	bool close;
	size_t content_length;
	size_t len;
};

/* The end of the head ("\r\n\r\n") in @buf, or NULL. */
static inline const char *khttp_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && !memcmp(buf + i, "\r\n\r\n", 4))
			return buf + i;
	return NULL;
}

static inline bool khttp_token(const char *s, size_t n, const char *tok)
{
	return strlen(tok) == n && !strncasecmp(s, tok, n);
}

/* One "Name: value" line of @n bytes; -EINVAL if it is not one. */
static inline int khttp_header(struct khttp_req *r, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t vn, i;

	if (!colon || colon == s)
		return -EINVAL;
	for (i = 0; s + i < colon; i++)
		if (!isgraph(s[i]))
			return -EINVAL;
	v = colon + 1;
	vn = s + n - v;
	while (vn && (*v == ' ' || *v == '\t')) {
		v++;
		vn--;
	}
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (khttp_token(s, colon - s, "Connection")) {
		if (khttp_token(v, vn, "close"))
			r->close = true;
		else if (khttp_token(v, vn, "keep-alive"))
			r->close = false;
	} else if (khttp_token(s, colon - s, "Content-Length")) {
		char num[12];
		unsigned long long cl;

		if (!vn || vn >= sizeof(num))
			return -EINVAL;
		memcpy(num, v, vn);
		num[vn] = '\0';
		if (kstrtoull(num, 10, &cl))
			return -EINVAL;
		r->content_length = cl;
	} else if (khttp_token(s, colon - s, "Transfer-Encoding")) {
		return -EINVAL;	/* no chunked bodies here */
	}
	return 0;
}

/**
 * khttp_parse - parse the request at the start of @buf
 * @buf: bytes received
 * @len: how many
 * @max: the buffer's size: a request that cannot fit is refused
 * @r: the result
 *
 * Return: 1 when a whole request (head and body) is in @buf; 0 when more
 * bytes are needed; -EINVAL when it is malformed; -E2BIG when it cannot
 * fit in @max bytes.
 */
static inline int khttp_parse(const char *buf, size_t len, size_t max,
			      struct khttp_req *r)
{
	const char *end = khttp_head_end(buf, len), *p, *sp1, *sp2, *eol;
	size_t i;

	/* Check the method as soon as it arrives: garbage fails early. */
	for (i = 0; i < len && buf[i] != ' '; i++)
		if (!isupper(buf[i]) || i >= sizeof(r->method) - 1)
			return -EINVAL;
	if (!end)
		return len >= max ? -E2BIG : 0;

	memset(r, 0, sizeof(*r));
	eol = strnstr(buf, "\r\n", end + 2 - buf);
	sp1 = memchr(buf, ' ', eol - buf);
	if (!sp1 || sp1 == buf)
		return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', eol - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1 || sp2 - sp1 - 1 >= (long)sizeof(r->path))
		return -EINVAL;
	memcpy(r->method, buf, sp1 - buf);
	memcpy(r->path, sp1 + 1, sp2 - sp1 - 1);
	if (r->path[0] != '/')
		return -EINVAL;
	if (khttp_token(sp2 + 1, eol - sp2 - 1, "HTTP/1.0"))
		r->close = true;
	else if (!khttp_token(sp2 + 1, eol - sp2 - 1, "HTTP/1.1"))
		return -EINVAL;

	for (p = eol + 2; p < end + 2; p = eol + 2) {
		eol = strnstr(p, "\r\n", end + 2 - p);
		if (khttp_header(r, p, eol - p))
			return -EINVAL;
	}
	r->len = end + 4 - buf;
	if (r->content_length > max - r->len)
		return -E2BIG;
	if (len < r->len + r->content_length)
		return 0;
	r->len += r->content_length;
	return 1;
}

/**
 * khttp_parse_response - parse the head of a response at the start of @buf
 * @buf: bytes received
 * @len: how many
 * @status: the status code
 * @head_len: bytes of the head, "\r\n\r\n" included
 * @content_length: the body's announced length, or -1 if not announced
 *
 * Return: 1 when the head is complete; 0 when more bytes are needed;
 * -EINVAL when it is malformed.
 */
static inline int khttp_parse_response(const char *buf, size_t len,
				       int *status, size_t *head_len,
				       long long *content_length)
{
	const char *end = khttp_head_end(buf, len), *p, *eol;
	struct khttp_req r = {};
	char code[4];

	if (!end)
		return 0;
	if (end - buf < 12 || strncmp(buf, "HTTP/1.", 7) || buf[8] != ' ')
		return -EINVAL;
	memcpy(code, buf + 9, 3);
	code[3] = '\0';
	if (kstrtoint(code, 10, status))
		return -EINVAL;
	eol = strnstr(buf, "\r\n", end + 2 - buf);
	r.content_length = (size_t)-1;
	for (p = eol + 2; p < end + 2; p = eol + 2) {
		eol = strnstr(p, "\r\n", end + 2 - p);
		if (khttp_header(&r, p, eol - p))
			return -EINVAL;
	}
	*head_len = end + 4 - buf;
	*content_length = r.content_length == (size_t)-1 ? -1 :
			  (long long)r.content_length;
	return 1;
}

/**
 * khttp_response - write a response with a plain-text body into @buf
 * @buf: where
 * @size: its size
 * @status: the status code
 * @reason: its reason phrase
 * @close: announce "Connection: close"
 * @body: the body
 *
 * Return: bytes written (truncated to @size - 1 at worst).
 */
static inline size_t khttp_response(char *buf, size_t size, int status,
				    const char *reason, bool close,
				    const char *body)
{
	return scnprintf(buf, size,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\n%s\r\n%s",
			 status, reason, strlen(body),
			 close ? "Connection: close\r\n" : "", body);
}

/* Drop the request of @n bytes from the front of @buf holding @len. */
static inline size_t khttp_consume(char *buf, size_t len, size_t n)
{
	memmove(buf, buf + n, len - n);
	return len - n;
}

/**
 * khttp_addr - parse "1.2.3.4:port" or "[::1]:port" (no names: no DNS)
 * @s: the text
 * @n: its length
 * @def_port: port when none is given
 * @ss: the address
 * @len: its length, for connect()
 *
 * Return: 0 or -EINVAL.
 */
static inline int khttp_addr(const char *s, size_t n, int def_port,
			     struct sockaddr_storage *ss, int *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	const char *host = s, *end, *colon;
	unsigned int port = def_port;
	char num[8];
	bool v6 = n && s[0] == '[';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		host = s + 1;
		end = memchr(s, ']', n);
		if (!end)
			return -EINVAL;
		colon = end + 1 < s + n ? end + 1 : NULL;
		if (colon && *colon != ':')
			return -EINVAL;
	} else {
		colon = memchr(s, ':', n);
		end = colon ? colon : s + n;
	}
	if (colon) {
		size_t pn = s + n - colon - 1;

		if (!pn || pn >= sizeof(num))
			return -EINVAL;
		memcpy(num, colon + 1, pn);
		num[pn] = '\0';
		if (kstrtouint(num, 10, &port) || !port || port > 65535)
			return -EINVAL;
	}
	if (v6) {
		if (!in6_pton(host, end - host, a6->sin6_addr.s6_addr, -1, NULL))
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
	} else {
		if (!in4_pton(host, end - host, (u8 *)&a4->sin_addr.s_addr, -1, NULL))
			return -EINVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
	}
	return 0;
}

#endif /* _KASYNC_SAMPLE_HTTP_H */
