// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sample: the seed's download_pages, in the kernel.
 *
 * Given a list of addresses, spawn one fetch task per page, join them
 * all, and report the bytes of each.  The fetches run at the same time:
 * the whole takes about as long as the slowest page, not the sum.
 *
 * The peers may be hostile.  Every fetch shares one deadline, timeout_ms
 * from the start of the load, for all of it (connect, request and the
 * whole response): a server that trickles cannot extend it, so insmod
 * returns within about timeout_ms.  A body longer than max_bytes fails
 * its fetch with -EFBIG, as soon as the announced length or the bytes
 * received show it.  A fatal signal (insmod killed) aborts the fetches
 * still running and fails the load with -EINTR.
 * Addresses are numeric (the kernel has no resolver):
 *
 *	insmod kasync_download.ko urls=http://127.0.0.1:8080/,http://[::1]:8080/
 *	dmesg | grep kasync_download
 *	cat /sys/module/kasync_download/parameters/fetched
 *
 * Read-only results: fetched (pages with status 200), failed (pages that
 * ended with an error) and received (body bytes counted, all pages).
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <kasync.h>

#include "kasync_http.h"
#include <kasync/param.h>

#define MAX_PAGES	64
#define URL_MAX		128	/* bytes of one address, with its NUL */

static int urls_set(const char *val, const struct kernel_param *kp);

static const struct kernel_param_ops urls_param = {
	.set = urls_set,
	.get = param_get_charp,
	.free = param_free_charp,
};

/* The ranges are checked at load (urls_set(), <kasync/param.h>). */
static char *urls;
module_param_cb(urls, &urls_param, &urls, 0444);
MODULE_PARM_DESC(urls, "comma-separated list of 1-64 http://ADDR[:PORT][/PATH], numeric ADDR");
static unsigned int timeout_ms = 5000;
kasync_param(timeout_ms, uint, 1, 60 * 60 * MSEC_PER_SEC, 0444);
MODULE_PARM_DESC(timeout_ms, "deadline of the whole download, from load (connect, request, response; 1-3600000)");
static unsigned long max_bytes = 1 << 20;
kasync_param(max_bytes, ulong, 0, SZ_1G, 0444);
MODULE_PARM_DESC(max_bytes, "longest body of a page; a longer one fails with -EFBIG (0: no limit; up to 1073741824)");
static int fetched;
module_param(fetched, int, 0444);
MODULE_PARM_DESC(fetched, "pages fetched with status 200 (read-only)");
static int failed;
module_param(failed, int, 0444);
MODULE_PARM_DESC(failed, "pages that ended with an error (read-only)");
static unsigned long long received;
module_param(received, ullong, 0444);
MODULE_PARM_DESC(received, "body bytes counted, all pages (read-only)");

/* What one fetch found; written by its task, read after the join. */
struct page_result {
	char url[URL_MAX];
	int status;		/* HTTP status, 0 if none */
	u64 bytes;		/* body bytes, at most max_bytes */
};

static struct page_result results[MAX_PAGES];

/* --- fetch-begin --- */
struct fetch {
	struct kasync_co co;
	struct kasync_sock_connect conn;
	struct kasync_sock_op op;
	struct kasync_timer tm;		/* the deadline; armed once */
	ktime_t deadline;
	struct kasync_sock *ks;
	struct page_result *res;
	struct sockaddr_storage addr;
	int addrlen;
	long err;		/* the connect's result */
	long n;			/* the last receive's or send's */
	size_t len;		/* bytes in buf */
	size_t head;		/* head length, once parsed */
	long long cl;		/* announced body length, or -1 */
	size_t req_len;
	char req[192];
	char buf[1024];
};

/*
 * The deadline is armed once, when the fetch starts, and never moved: each
 * await below gives up when it fired, however much data came meanwhile.
 */
static bool fetch_late(const struct fetch *f)
{
	return kasync_timer_expired(&f->tm);
}

/* The fetch's deadline bounds the connect: it needs no limit of its own. */
static enum kasync_poll fetch_connect(struct kasync_task *t, struct fetch *f)
{
	if (kasync_sock_connect(t, f->ks, &f->conn, (struct sockaddr *)&f->addr,
				f->addrlen, KASYNC_NO_TIMEOUT,
				&f->err) == KASYNC_READY)
		return KASYNC_READY;
	if (!fetch_late(f))
		return KASYNC_PENDING;
	kasync_sock_connect_cancel(t, f->ks, &f->conn);
	f->err = -ETIMEDOUT;
	return KASYNC_READY;
}

/* @r, a socket await of @f->op, or -ETIMEDOUT in @f->n once too late. */
static enum kasync_poll fetch_bounded(struct kasync_task *t, struct fetch *f,
				      enum kasync_poll r)
{
	if (r == KASYNC_READY)
		return KASYNC_READY;
	if (!fetch_late(f))
		return KASYNC_PENDING;
	kasync_sock_cancel(t, &f->op);
	f->n = -ETIMEDOUT;
	return KASYNC_READY;
}

static enum kasync_poll fetch_send(struct kasync_task *t, struct fetch *f)
{
	return fetch_bounded(t, f, kasync_sock_send_all(t, f->ks, &f->op, f->req,
							f->req_len, &f->n));
}

/* Receive @len bytes at @buf; the deadline first, as data may never stop. */
static enum kasync_poll fetch_recv(struct kasync_task *t, struct fetch *f,
				   char *buf, size_t len)
{
	return fetch_bounded(t, f, fetch_late(f) ? KASYNC_PENDING :
			     kasync_sock_recv(t, f->ks, &f->op, buf, len, &f->n));
}

/* Count @n more body bytes: -EFBIG once they pass max_bytes. */
static int fetch_count(struct fetch *f, u64 n)
{
	u64 *bytes = &f->res->bytes;

	if (f->cl >= 0)		/* what follows the announced body is not ours */
		n = min_t(u64, n, f->cl - *bytes);
	if (max_bytes && n > max_bytes - *bytes) {
		*bytes = max_bytes;
		return -EFBIG;
	}
	*bytes += n;
	return 0;
}

/* How much the next receive of the body may take. */
static size_t fetch_room(const struct fetch *f)
{
	u64 room = sizeof(f->buf);

	if (f->cl >= 0)
		room = min_t(u64, room, f->cl - f->res->bytes);
	if (max_bytes)		/* one byte more tells a body that is too long */
		room = min_t(u64, room, max_bytes - f->res->bytes + 1);
	return room;
}

static enum kasync_poll fetch_poll(struct kasync_task *t, void *p)
{
	struct fetch *f = p;
	struct kasync_sock *ks;
	int ret;

	KASYNC_BEGIN(&f->co);
	/* Ends with the task: the timer's cleanup hook cancels it. */
	kasync_timer_start(t, &f->tm, f->deadline, 0);
	ks = kasync_sock_create(&init_net, f->addr.ss_family, SOCK_STREAM,
				IPPROTO_TCP);
	if (IS_ERR(ks))
		KASYNC_RETURN(&f->co, t, PTR_ERR(ks));
	f->ks = ks;
	KASYNC_AWAIT(&f->co, fetch_connect(t, f));
	if (f->err)
		KASYNC_RETURN(&f->co, t, f->err);
	KASYNC_AWAIT(&f->co, fetch_send(t, f));
	if (f->n < 0)
		KASYNC_RETURN(&f->co, t, f->n);
	/* The head, which must fit the buffer ... */
	for (;;) {
		KASYNC_AWAIT(&f->co, fetch_recv(t, f, f->buf + f->len,
						sizeof(f->buf) - f->len));
		if (f->n <= 0)
			KASYNC_RETURN(&f->co, t, f->n ?: -EPROTO);
		f->len += f->n;
		ret = khttp_parse_response(f->buf, f->len, &f->res->status,
					   &f->head, &f->cl);
		if (ret < 0 || (!ret && f->len == sizeof(f->buf)))
			KASYNC_RETURN(&f->co, t, -EPROTO);
		if (ret)
			break;
	}
	if (max_bytes && f->cl >= 0 && (u64)f->cl > max_bytes)
		KASYNC_RETURN(&f->co, t, -EFBIG);
	ret = fetch_count(f, f->len - f->head);
	if (ret)
		KASYNC_RETURN(&f->co, t, ret);
	/* ... then the body, to its announced length or to the close. */
	while (f->cl < 0 || f->res->bytes < (u64)f->cl) {
		KASYNC_AWAIT(&f->co, fetch_recv(t, f, f->buf, fetch_room(f)));
		if (f->n < 0)
			KASYNC_RETURN(&f->co, t, f->n);
		if (!f->n && f->cl >= 0)	/* closed before the end */
			KASYNC_RETURN(&f->co, t, -EPROTO);
		if (!f->n)
			break;
		ret = fetch_count(f, f->n);
		if (ret)
			KASYNC_RETURN(&f->co, t, ret);
	}
	KASYNC_RETURN(&f->co, t, 0);
	KASYNC_END(&f->co);
}

static void fetch_drop(void *p)
{
	struct fetch *f = p;

	if (f->ks)
		kasync_sock_close(f->ks);
}

static const struct kasync_task_ops fetch_ops = {
	.poll = fetch_poll,
	.drop = fetch_drop,
};

/* --- fetch-end --- */

/*
 * Parse the @n bytes of "http://ADDR[:PORT][/PATH]" at @url: the address
 * into @ss and @len, and where the path starts (@url + @n if it has none)
 * into @path.  ADDR is numeric, PATH a request target (no space, no
 * control character, "%" followed by two hex digits).  Return: 0 or -EINVAL.
 */
static int url_parse(const char *url, size_t n, struct sockaddr_storage *ss,
		     int *len, const char **path)
{
	const char *host = url + 7, *end = url + n;

	if (n < 8 || n >= URL_MAX || strncmp(url, "http://", 7))
		return -EINVAL;
	*path = memchr(host, '/', end - host) ?: end;
	if (khttp_addr(host, *path - host, 80, ss, len))
		return -EINVAL;
	if (*path < end && !khttp_is_target(*path, end - *path))
		return -EINVAL;
	return 0;
}

/*
 * The list, checked whole when the load parses it: 1 to MAX_PAGES
 * addresses, each one that url_parse() takes, no empty one.  So that a
 * typo fails the load before any fetch starts, rather than after the
 * pages before it were fetched, or a 65th page is silently dropped.
 */
static int urls_set(const char *val, const struct kernel_param *kp)
{
	struct sockaddr_storage ss;
	const char *u = val, *end, *path;
	int n = 0, len;

	if (strlen(val) > 1024) {	/* what param_set_charp() takes */
		pr_err("kasync_download: urls must be at most 1024 bytes\n");
		return -EINVAL;
	}
	do {
		end = strchrnul(u, ',');
		if (++n > MAX_PAGES || url_parse(u, end - u, &ss, &len, &path)) {
			pr_err("kasync_download: urls must be 1-%d comma-separated http://ADDR[:PORT][/PATH], each under %d bytes: not \"%.*s\"\n",
			       MAX_PAGES, URL_MAX, (int)min_t(size_t, end - u, URL_MAX), u);
			return -EINVAL;
		}
		u = end + 1;
	} while (*end);
	return param_set_charp(val, kp);
}

/* Fill @f from "http://ADDR[:PORT][/PATH]"; -EINVAL if it is not one. */
static int fetch_prepare(struct fetch *f, const char *url, size_t n)
{
	const char *host = url + 7, *path;
	size_t hn;

	if (url_parse(url, n, &f->addr, &f->addrlen, &path))
		return -EINVAL;
	memcpy(f->res->url, url, n);
	f->res->url[n] = '\0';
	hn = path - host;
	f->req_len = scnprintf(f->req, sizeof(f->req),
			       "GET %.*s HTTP/1.1\r\nHost: %.*s\r\nConnection: close\r\n\r\n",
			       (int)(url + n - path) ?: 1,
			       path < url + n ? path : "/", (int)hn, host);
	return 0;
}

/* --- download-pages-begin --- */
static int __init download_init(void)
{
	struct kasync_task *h[MAX_PAGES], *t;
	struct fetch *f;
	const char *u, *end;
	long res[MAX_PAGES];
	ktime_t deadline;
	int i, n = 0, err = 0;

	if (!urls) {
		pr_err("kasync_download: urls must be given: 1-%d comma-separated http://ADDR[:PORT][/PATH]\n",
		       MAX_PAGES);
		return -EINVAL;
	}
	/* One deadline for every fetch: the load takes about timeout_ms. */
	deadline = kasync_deadline_ns((u64)timeout_ms * NSEC_PER_MSEC);
	/* Spawn one fetch task per page, its state built where it runs ... */
	for (u = urls; *u && n < MAX_PAGES; u = *end ? end + 1 : end) {
		end = strchrnul(u, ',');
		t = kasync_task_alloc(NULL, &fetch_ops, sizeof(*f), GFP_KERNEL);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		f = kasync_task_state(t);	/* zeroed */
		f->res = &results[n];
		f->deadline = deadline;
		err = fetch_prepare(f, u, end - u);
		if (err) {
			kasync_task_discard(t);	/* nothing of it ran */
			break;
		}
		h[n++] = kasync_task_start(t);
	}
	if (err)
		pr_err("kasync_download: bad list at \"%s\"\n", u);
	/* ... and join them all; a fatal signal (insmod killed) stops waiting. */
	for (i = 0; i < n && !err; i++) {
		res[i] = kasync_join_killable(&h[i]);
		if (h[i])		/* not joined: interrupted */
			err = res[i];
	}
	if (err) {
		/* Abort the rest and wait for them: none outlives the module. */
		for (i = 0; i < n; i++)
			if (h[i])
				kasync_abort(h[i]);
		for (i = 0; i < n; i++)
			if (h[i])
				kasync_join(&h[i]);
		return err;
	}
	for (i = 0; i < n; i++) {
		if (res[i])
			pr_info("kasync_download: %s: error %ld after %llu bytes\n",
				results[i].url, res[i], results[i].bytes);
		else if (results[i].status != 200)
			pr_info("kasync_download: %s: HTTP %d\n", results[i].url,
				results[i].status);
		else
			pr_info("kasync_download: %s: %llu bytes\n", results[i].url,
				results[i].bytes);
		fetched += !res[i] && results[i].status == 200;
		failed += !!res[i];
		received += results[i].bytes;
	}
	return 0;
}

/* --- download-pages-end --- */

static void __exit download_exit(void)
{
}

module_init(download_init);
module_exit(download_exit);

MODULE_DESCRIPTION("kasync sample: download_pages, one task per page");
MODULE_LICENSE("GPL");
