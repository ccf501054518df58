/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small HTTP/1.1 request parser and response writer for kasync's
 * samples (the HTTP server, the counter service, download_pages).
 * Strict on purpose (RFC 9110, RFC 9112): anything it does not
 * understand is malformed (400), and requests are bounded by the
 * caller's buffer (431 for a head, 413 for a body).
 */
#ifndef _KASYNC_SAMPLE_HTTP_H
#define _KASYNC_SAMPLE_HTTP_H

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
 * @has_length: a Content-Length field was there
 * @content_length: bytes of body following the head
 * @len: once the head is in, its length; once the whole request is in,
 *	the bytes of head and body, to consume once answered
 */
struct khttp_req {
	char method[8];
	char path[64];
	bool close;
	bool has_length;
	size_t content_length;
	size_t len;
};

/*
 * The character classes of the grammar (RFC 9110 5.5 and 5.6.2, RFC 3986
 * 3.3), tested on the byte's value: the kernel's ctype classifies
 * Latin-1, so isupper() and isgraph() let bytes >= 0x80 through.  One
 * table lookup per byte: a request is parsed on every page view, and a
 * call and a strchr() per byte cost more than the socket calls around it.
 *
 *   KHTTP_TCHAR   what a token (a method, a field name) is made of
 *   KHTTP_TARGET  pchar, "/" and "?" less pct-encoded: the rest of an
 *                 origin-form target
 *   KHTTP_TEXT    field-vchar, SP and HTAB: what a field value or a reason
 *                 phrase is made of (obs-text, the bytes >= 0x80,
 *                 included); no NUL, CR, LF, DEL or other control
 *   KHTTP_EOL     NUL, CR and LF: what khttp_head_scan() stops at
 */
#define KHTTP_TCHAR	0x1
#define KHTTP_TARGET	0x2
#define KHTTP_TEXT	0x4
#define KHTTP_EOL	0x8

static const u8 khttp_class[256] = {
	[0x00] = KHTTP_EOL,
	['\t'] = KHTTP_TEXT,
	['\n'] = KHTTP_EOL,
	['\r'] = KHTTP_EOL,
	[' '] = KHTTP_TEXT,
	['!'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['"'] = KHTTP_TEXT,
	['#'] = KHTTP_TCHAR | KHTTP_TEXT,
	['$'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['%'] = KHTTP_TCHAR | KHTTP_TEXT,
	['&' ... '\''] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['(' ... ')'] = KHTTP_TARGET | KHTTP_TEXT,
	['*' ... '+'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	[','] = KHTTP_TARGET | KHTTP_TEXT,
	['-' ... '.'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['/'] = KHTTP_TARGET | KHTTP_TEXT,
	['0' ... '9'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	[':' ... ';'] = KHTTP_TARGET | KHTTP_TEXT,
	['<'] = KHTTP_TEXT,
	['='] = KHTTP_TARGET | KHTTP_TEXT,
	['>'] = KHTTP_TEXT,
	['?' ... '@'] = KHTTP_TARGET | KHTTP_TEXT,
	['A' ... 'Z'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['[' ... ']'] = KHTTP_TEXT,
	['^'] = KHTTP_TCHAR | KHTTP_TEXT,
	['_'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['`'] = KHTTP_TCHAR | KHTTP_TEXT,
	['a' ... 'z'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	['{'] = KHTTP_TEXT,
	['|'] = KHTTP_TCHAR | KHTTP_TEXT,
	['}'] = KHTTP_TEXT,
	['~'] = KHTTP_TCHAR | KHTTP_TARGET | KHTTP_TEXT,
	[0x80 ... 0xff] = KHTTP_TEXT,
};

static __always_inline bool khttp_is(char c, u8 class)
{
	return khttp_class[(u8)c] & class;
}

/* tchar: what a token (a method, a field name) is made of. */
static __always_inline bool khttp_tchar(char c)
{
	return khttp_is(c, KHTTP_TCHAR);
}

/* 1*tchar */
static inline bool khttp_is_token(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!khttp_tchar(s[i]))
			return false;
	return n;
}

/*
 * field-vchar, SP and HTAB: what a field value or a reason phrase is made
 * of (obs-text, the bytes >= 0x80, included); no NUL, CR, LF, DEL or
 * other control character.
 */
static inline bool khttp_is_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!khttp_is(s[i], KHTTP_TEXT))
			return false;
	return true;
}

/*
 * An origin-form request target (RFC 9112 3.2.1): "/" then the characters
 * of a path and query, each "%" followed by two hex digits.  No control
 * character, SP, DEL, byte >= 0x80, "#" or other character a URI cannot
 * hold.
 */
static inline bool khttp_is_target(const char *s, size_t n)
{
	size_t i;

	if (!n || s[0] != '/')
		return false;
	for (i = 1; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || hex_to_bin(s[i + 1]) < 0 ||
			    hex_to_bin(s[i + 2]) < 0)
				return false;
			i += 2;
		} else if (!khttp_is(s[i], KHTTP_TARGET)) {
			return false;
		}
	}
	return true;
}

/*
 * 1*DIGIT (RFC 9110 8.6) into *@val, saturating at U64_MAX (a length
 * that large is too large for anybody); -EINVAL for anything else: "",
 * "+5", "5 5", "0x5", "5\n".
 */
static inline int khttp_digits(const char *s, size_t n, u64 *val)
{
	size_t i;

	*val = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (*val > (U64_MAX - 9) / 10)
			*val = U64_MAX;
		else
			*val = *val * 10 + (s[i] - '0');
	}
	return n ? 0 : -EINVAL;
}

/*
 * The HTTP-version in the @n bytes at @s, case-sensitive ("http/1.1" is
 * not one, RFC 9112 2.3): 0 with *@minor set for HTTP/1.x;
 * -EPROTONOSUPPORT for another major version ("HTTP/2.0"); -EINVAL if it
 * is not an HTTP-version at all.
 */
static inline int khttp_version(const char *s, size_t n, int *minor)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) || s[6] != '.' ||
	    s[5] < '0' || s[5] > '9' || s[7] < '0' || s[7] > '9')
		return -EINVAL;
	if (s[5] != '1')
		return -EPROTONOSUPPORT;
	*minor = s[7] - '0';
	return 0;
}

/*
 * Does the word @w (eight bytes of a head) hold a NUL, CR or LF?  The
 * classic test for a zero byte, on @w and on @w with each byte XORed
 * with CR and with LF: a byte below 0x80 that is zero after the XOR sets
 * its top bit in (x - 0x01..01) & ~x; any other byte never does, but the
 * borrow of a zero byte may set the bit of the byte above it, so a hit is
 * only a hint, which the caller checks byte by byte.
 */
static __always_inline bool khttp_word_has_eol(u64 w)
{
	const u64 ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	u64 cr = w ^ (ones * '\r'), lf = w ^ (ones * '\n');

	return (((w - ones) & ~w) | ((cr - ones) & ~cr) |
		((lf - ones) & ~lf)) & highs;
}

/*
 * Find the end of the head ("\r\n\r\n") in @buf: 1 with *@end pointing at
 * it; 0 if it is not there yet; -EINVAL as soon as the head holds a NUL,
 * or a CR or LF that is not part of a CRLF.  RFC 9112 2.2 lets a
 * recipient reject those; a bare LF taken as a line end here but not by a
 * proxy in front is how requests get smuggled.
 */
static inline int khttp_head_scan(const char *buf, size_t len,
				  const char **end)
{
	size_t i = 0, stop;
	u64 w;

	while (i < len) {
		/* Eight bytes at a time past those that are not NUL, CR or LF. */
		if (i + 8 <= len) {
			memcpy(&w, buf + i, sizeof(w));	/* one unaligned load */
			if (!khttp_word_has_eol(w)) {
				i += 8;
				continue;
			}
		}
		for (stop = min(i + 8, len); i < stop; i++) {
			if (likely(!khttp_is(buf[i], KHTTP_EOL)))
				continue;
			if (!buf[i] ||
			    (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n'))
				return -EINVAL;
			if (buf[i] != '\n')
				continue;
			if (!i || buf[i - 1] != '\r')
				return -EINVAL;
			if (i >= 3 && buf[i - 2] == '\n') {
				*end = buf + i - 3;
				return 1;
			}
		}
	}
	return 0;
}

/*
 * The end of the line at @p in a head that khttp_head_scan() accepted,
 * where every LF follows a CR and every CR precedes an LF: the CR before
 * the first LF from @p (which is at most @n bytes on).
 */
static inline const char *khttp_eol(const char *p, size_t n)
{
	return (const char *)memchr(p, '\n', n) - 1;
}

/* Inlined, so that strlen() of a literal @tok is a constant. */
static __always_inline bool khttp_token(const char *s, size_t n,
					const char *tok)
{
	return strlen(tok) == n && !strncasecmp(s, tok, n);
}

/*
 * One "Name: value" field line starting at @s, into @r, in a head that
 * khttp_head_scan() accepted (so the line ends in a CR before the end of
 * the head); *@next gets the start of the next line.  -EINVAL if it is
 * not one (RFC 9112 5: the name is a token with no space before the
 * colon, which also rejects obsolete line folding; the value has no
 * control character), if it is a Content-Length that is not 1*DIGIT or
 * that contradicts an earlier one (RFC 9112 6.3: an identical repeat is
 * accepted), or if it is a Transfer-Encoding (no chunked bodies here).
 * One pass over the line: the name's and the value's characters are
 * checked where their ends are found.
 */
static inline int khttp_header(struct khttp_req *r, const char *s,
			       const char **next)
{
	const char *colon = s, *v, *eol;
	size_t nn, vn;
	u64 cl;

	while (khttp_tchar(*colon))
		colon++;
	if (colon == s || *colon != ':')
		return -EINVAL;
	nn = colon - s;
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	/* CR is not text: the scan stops at the line's end, or before. */
	for (eol = v; khttp_is(*eol, KHTTP_TEXT); eol++)
		;
	if (*eol != '\r')
		return -EINVAL;
	*next = eol + 2;
	vn = eol - v;
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (khttp_token(s, nn, "Connection")) {
		if (khttp_token(v, vn, "close"))
			r->close = true;
		else if (khttp_token(v, vn, "keep-alive"))
			r->close = false;
	} else if (khttp_token(s, nn, "Content-Length")) {
		if (khttp_digits(v, vn, &cl) ||
		    (r->has_length && cl != r->content_length))
			return -EINVAL;
		r->has_length = true;
		r->content_length = cl;
	} else if (khttp_token(s, nn, "Transfer-Encoding")) {
		return -EINVAL;
	}
	return 0;
}

/* The field lines from @p up to the end of the head at @end, into @r. */
static inline int khttp_fields(struct khttp_req *r, const char *p,
			       const char *end)
{
	while (p < end + 2)
		if (khttp_header(r, p, &p))
			return -EINVAL;
	return 0;
}

/* "method SP request-target SP HTTP-version" in the @n bytes at @s. */
static inline int khttp_request_line(struct khttp_req *r, const char *s,
				     size_t n)
{
	const char *sp1 = memchr(s, ' ', n), *sp2;
	int minor, ret;

	if (!sp1 || sp1 - s >= (long)sizeof(r->method) ||
	    !khttp_is_token(s, sp1 - s))
		return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', s + n - sp1 - 1);
	if (!sp2 || sp2 - sp1 - 1 >= (long)sizeof(r->path) ||
	    !khttp_is_target(sp1 + 1, sp2 - sp1 - 1))
		return -EINVAL;
	ret = khttp_version(sp2 + 1, s + n - sp2 - 1, &minor);
	if (ret)
		return ret;
	memcpy(r->method, s, sp1 - s);
	memcpy(r->path, sp1 + 1, sp2 - sp1 - 1);
	/* 1.0 closes unless asked not to; 1.2 and up are 1.1 (RFC 9110 2.5) */
	r->close = !minor;
	return 0;
}

/**
 * khttp_parse - parse the request at the start of @buf
 * @buf: bytes received
 * @len: how many
 * @max: the buffer's size: a head that cannot fit is refused
 * @max_body: the largest body accepted (it must also fit in @max bytes
 *	after its head)
 * @r: the result
 *
 * Strict: the method and the field names are tokens, the target is an
 * origin-form path (and query) of ASCII characters a URI may hold, the
 * version is "HTTP/1.0" or "HTTP/1.1" (case-sensitive; a later HTTP/1.x
 * is taken as 1.1), every line ends in CRLF, there is no NUL or other
 * control character, a Content-Length is digits and contradicts no other
 * one, and there is no Transfer-Encoding.
 *
 * Return: 1 when a whole request (head and body) is in @buf; 0 when more
 * bytes are needed (@r->len is then 0 while the head is incomplete, and
 * the head's length once it is in); -EINVAL when it is malformed (400);
 * -EPROTONOSUPPORT for an HTTP major version other than 1 (505); -E2BIG
 * when the head cannot fit in @max bytes (431); -EFBIG when the body is
 * larger than @max_body or cannot fit after the head (413).
 */
static inline int khttp_parse(const char *buf, size_t len, size_t max,
			      size_t max_body, struct khttp_req *r)
{
	const char *end, *eol;
	size_t i;
	int ret;

	r->len = 0;
	/* Check the method as soon as it arrives: garbage fails early. */
	for (i = 0; i < len && buf[i] != ' '; i++)
		if (!khttp_tchar(buf[i]) || i >= sizeof(r->method) - 1)
			return -EINVAL;
	ret = khttp_head_scan(buf, len, &end);
	if (ret < 0)
		return ret;
	if (!ret)
		return len >= max ? -E2BIG : 0;

	memset(r, 0, sizeof(*r));
	eol = khttp_eol(buf, end + 2 - buf);
	ret = khttp_request_line(r, buf, eol - buf);
	if (ret)
		return ret;
	if (khttp_fields(r, eol + 2, end))
		return -EINVAL;
	r->len = end + 4 - buf;
	if (r->content_length > max_body || r->content_length > max - r->len)
		return -EFBIG;
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
 * As strict as khttp_parse(): the status line is "HTTP/1.x", SP, three
 * digits (100 to 599), SP and a reason phrase without control
 * characters ("HTTP/1.1 2000 OK" is not 200), and the field lines follow
 * the same rules as a request's.
 *
 * Return: 1 when the head is complete; 0 when more bytes are needed;
 * -EINVAL when it is malformed.
 */
static inline int khttp_parse_response(const char *buf, size_t len,
				       int *status, size_t *head_len,
				       long long *content_length)
{
	const char *end, *eol;
	struct khttp_req r = {};
	int minor, ret;

	ret = khttp_head_scan(buf, len, &end);
	if (ret <= 0)
		return ret;
	eol = khttp_eol(buf, end + 2 - buf);
	/* status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ] */
	if (eol - buf < 13 || khttp_version(buf, 8, &minor) || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9' || buf[12] != ' ' ||
	    !khttp_is_text(buf + 13, eol - buf - 13))
		return -EINVAL;
	if (khttp_fields(&r, eol + 2, end))
		return -EINVAL;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + buf[11] - '0';
	*head_len = end + 4 - buf;
	*content_length = !r.has_length ? -1 :
			  (long long)min_t(u64, r.content_length, LLONG_MAX);
	return 1;
}

/**
 * khttp_error_status - the status code that answers a khttp_parse() error
 * @err: the error, or -ETIMEDOUT for a request that did not come in time
 *
 * Return: 400, 408, 413, 431 or 505.
 */
static inline int khttp_error_status(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return 408;
	case -EFBIG:
		return 413;
	case -E2BIG:
		return 431;
	case -EPROTONOSUPPORT:
		return 505;
	default:
		return 400;
	}
}

/**
 * khttp_reason - the reason phrase of a status code (RFC 9110 15)
 * @status: a status code the samples send
 *
 * Return: the phrase; "Unknown" for a code they do not send.
 */
static inline const char *khttp_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
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
 * The whole of @s must be the address: in4_pton() and in6_pton() without
 * a delimiter stop at the first character they do not know, and would
 * take "1.2.3.4x" for 1.2.3.4, so where they stopped is checked.
 *
 * Return: 0 or -EINVAL.
 */
static inline int khttp_addr(const char *s, size_t n, int def_port,
			     struct sockaddr_storage *ss, int *len)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	const char *host = s, *end, *colon, *stop;
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
		if (!in6_pton(host, end - host, a6->sin6_addr.s6_addr, -1,
			      &stop) || stop != end)
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
	} else {
		if (!in4_pton(host, end - host, (u8 *)&a4->sin_addr.s_addr, -1,
			      &stop) || stop != end)
			return -EINVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
	}
	return 0;
}

#endif /* _KASYNC_SAMPLE_HTTP_H */
