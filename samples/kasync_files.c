// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sample: a static-file HTTP server.
 *
 * GET and HEAD of the regular files under the directory given at load
 * (root=, an absolute path; required).  Each connection is a task: it
 * parses requests with the HTTP sample's parser (kasync_http.h), opens
 * the file on kasync's blocking pool (a path lookup and an open may
 * sleep), then reads it with the <kasync/file.h> awaits, a chunk at a
 * position at a time, and sends each chunk with the socket awaits.
 * HTTP/1.1 keep-alive and pipelining; every answer has a Content-Length.
 *
 *   200  a regular file (application/octet-stream)
 *   400  a request that does not parse, or a %00 in its path
 *   403  a directory, a file that is not regular (device, FIFO, socket),
 *        and every path that would leave the root: a "." or ".."
 *        segment, an empty one ("//etc/passwd"), before or after %XX
 *        decoding, and a symbolic link that points outside (absolute, or
 *        climbing above the root)
 *   404  no such file
 *   405  a method other than GET and HEAD
 *   408  a head that did not come in head_ms
 *   413, 431, 505  a request with a body, a head larger than 2 KiB, HTTP/2
 *   500  a file that could not be opened or read for another reason
 *
 * The path is checked twice: as text, and by the lookup itself, which
 * starts at the root with %LOOKUP_BENEATH (openat2()'s RESOLVE_BENEATH):
 * the walk fails with -EXDEV at any ".." or symbolic link that would take
 * it above the root, and any absolute symbolic link, and with -EAGAIN if
 * a rename or a mount raced with a "..", which is retried.  Magic links
 * (/proc/self/fd/...) are refused too.  Symbolic links that stay beneath
 * the root are followed.  Files are opened with the credentials of the
 * blocking pool's workers (the kernel's): serve a directory that holds
 * only what every client may read.
 *
 * Every wait that a client controls has a time limit (module parameters,
 * in milliseconds, 0 for none): idle_ms between requests, head_ms from a
 * request's first byte until its head is in (a 408 after it), and
 * send_ms for each chunk of an answer (at most 64 KiB; a client that
 * reads less than that in send_ms is dropped).  A file read that fails
 * or comes up short after the head was sent (the file shrank) closes the
 * connection: the Content-Length cannot be met.  After an error answer
 * that closes (400, 408, 413, 431, 505) the connection drains what the
 * client still sends for at most LINGER_MS, then closes.  Unloading
 * closes every connection and waits for the opens and reads in flight.
 *
 *	insmod kasync_files.ko root=/srv/www port=8090
 *	curl http://127.0.0.1:8090/index.html
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kasync.h>

#include "kasync_http.h"
#include "kasync_server.h"

#define FSRV_IN	2048		/* request bytes buffered per connection */
#define FSRV_BUF	(64 * 1024)	/* an answer's buffer: its head room... */
#define FSRV_ROOM	256		/* ... and the file data after this */
#define FSRV_CHUNK	(FSRV_BUF - FSRV_ROOM)
#define LINGER_MAX	(256 * 1024)	/* bytes drained after an error... */
#define LINGER_MS	1000		/* ... for at most this long */
/*
 * The lookup: beneath the root, no magic links, the last component's
 * symbolic link followed (beneath the root too).
 */
#define FSRV_LOOKUP	(LOOKUP_FOLLOW | LOOKUP_BENEATH | LOOKUP_NO_MAGICLINKS)
#define FSRV_RETRIES	3		/* lookups that raced with a rename */

/* port, max_conns, backlog, idle_ms, percpu; active, accepted, refused */
KSERVER_MODULE(fsrv, 8090);

static char *root;
module_param(root, charp, 0444);
MODULE_PARM_DESC(root, "the directory served, an absolute path (required)");
static unsigned int head_ms = 10000;
kasync_param(head_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(head_ms, "time limit of a request head, from its first byte (0: none; up to 3600000)");
static unsigned int send_ms = 10000;
kasync_param(send_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(send_ms, "time limit of sending each chunk (64 KiB) of an answer (0: none; up to 3600000)");
static atomic_t requests = ATOMIC_INIT(0);
module_param_cb(requests, &kserver_atomic_param, &requests, 0444);
MODULE_PARM_DESC(requests, "requests answered (read-only)");
static atomic_t forbidden = ATOMIC_INIT(0);
module_param_cb(forbidden, &kserver_atomic_param, &forbidden, 0444);
MODULE_PARM_DESC(forbidden, "requests answered 403 (read-only)");

/* I: the root, held from load to unload. */
static struct path fsrv_root;

/*
 * An open, handed to the blocking pool: it lives outside the task's state,
 * and belongs to the job while the await runs (kasync_blocking_owned()).
 */
struct fsrv_open {
	struct file *file;		/* the result, when the job returns 0 */
	char name[sizeof_field(struct khttp_req, path)];
};

/* On the pool: look @o->name up beneath the root, open it if regular. */
static long fsrv_open_fn(void *arg)
{
	struct fsrv_open *o = arg;
	struct path path;
	int err, i;

	for (i = 0; i < FSRV_RETRIES; i++) {
		err = vfs_path_lookup(fsrv_root.dentry, fsrv_root.mnt,
				      o->name, FSRV_LOOKUP, &path);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		return err;
	if (d_is_dir(path.dentry)) {
		err = -EISDIR;
	} else if (!d_is_reg(path.dentry)) {
		err = -EACCES;		/* never open a FIFO or a device */
	} else {
		o->file = dentry_open(&path, O_RDONLY | O_LARGEFILE,
				      current_cred());
		if (IS_ERR(o->file)) {
			err = PTR_ERR(o->file);
			o->file = NULL;
		}
	}
	path_put(&path);
	return err;
}

/* An abandoned open (the task ended): the job's result is released here. */
static void fsrv_open_discard(void *arg, long res)
{
	struct fsrv_open *o = arg;

	if (o->file)
		fput(o->file);
	kfree(o);
}

/* The status that answers an open's error. */
static int fsrv_open_status(long err)
{
	switch (err) {
	case 0:
		return 200;
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
		return 404;
	case -EISDIR:
	case -EXDEV:		/* LOOKUP_BENEATH: it would leave the root */
	case -ELOOP:
	case -EACCES:
	case -EPERM:
		return 403;
	default:
		return 500;
	}
}

/*
 * The request target @target as a name relative to the root, into @name
 * (of @size bytes, no shorter than @target): the query dropped, each %XX
 * decoded.  Return: 0, or the status to answer: 400 for a NUL, 403 for a
 * name that is empty (the root itself) or has an empty, "." or ".."
 * segment.  khttp_parse() checked that @target starts with "/" and that
 * each "%" is followed by two hex digits.
 */
static int fsrv_name(const char *target, char *name, size_t size)
{
	const char *seg, *end;
	size_t n = 0, len;
	char c;

	for (target++; *target && *target != '?'; target++) {
		c = *target;
		if (c == '%') {
			c = hex_to_bin(target[1]) << 4 | hex_to_bin(target[2]);
			target += 2;
			if (!c)
				return 400;
		}
		if (WARN_ON_ONCE(n + 1 >= size))
			return 400;
		name[n++] = c;
	}
	name[n] = '\0';
	if (!n)
		return 403;
	/* Every segment: not empty, not "." and not ".."; "dir/" is one. */
	for (seg = name; *seg; seg = *end ? end + 1 : end) {
		end = strchrnul(seg, '/');
		len = end - seg;
		if (!len || (seg[0] == '.' && (len == 1 ||
					       (len == 2 && seg[1] == '.'))))
			return 403;
	}
	return 0;
}

/*
 * An answer's head, into @buf: Content-Length @len, "Connection: close"
 * if @close.  Return: bytes written (at most @size - 1).
 */
static size_t fsrv_head(char *buf, size_t size, int status, bool close,
			loff_t len)
{
	return scnprintf(buf, size,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %lld\r\n%s%s\r\n",
			 status, khttp_reason(status),
			 status == 200 ? "application/octet-stream" : "text/plain",
			 (long long)len,
			 status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 close ? "Connection: close\r\n" : "");
}

struct fsrv_conn {
	struct kserver_conn c;		/* first */
	struct kasync_co co;
	long err;			/* the time limits' */
	struct kasync_sock_op op;
	struct kasync_timer tm;		/* the limit of the await that waits */
	struct kasync_blocking b;	/* the open */
	struct kasync_file_io io;	/* the reads */
	ktime_t due;			/* the head's deadline */
	struct khttp_req req;
	struct fsrv_open *open;	/* the pool's, while the open is awaited */
	struct file *file;		/* the file being sent */
	loff_t size;			/* its Content-Length */
	loff_t pos;			/* the next byte to read */
	long n;				/* the socket awaits' result */
	long res;			/* the open's and the reads' */
	size_t len;
	size_t hlen;			/* the head's bytes in the next send */
	size_t got;			/* the file's bytes in the next send */
	const char *out;		/* the next send */
	char *in;			/* FSRV_IN bytes, while a request is in */
	char *buf;			/* FSRV_BUF bytes, while a file is sent */
	int parsed;
	int status;
	bool more;			/* keep the connection after the answer */
	bool head_only;			/* a HEAD: no body */
	bool failed;			/* the answer could not be sent whole */
	char head[FSRV_ROOM];		/* an error answer */
};

/* The file is sent, or given up: its reference and its buffer go. */
static void fsrv_put(struct fsrv_conn *s)
{
	if (s->file)
		fput(s->file);
	s->file = NULL;
	kvfree(s->buf);
	s->buf = NULL;
}

/* Take the open's result back from the pool's request. */
static void fsrv_opened(struct fsrv_conn *s)
{
	s->status = fsrv_open_status(s->res);
	s->file = s->open->file;
	kfree(s->open);
	s->open = NULL;
	if (s->status != 200)
		return;
	s->size = i_size_read(file_inode(s->file));
	s->pos = 0;
	s->buf = kvmalloc(FSRV_BUF, GFP_KERNEL);
	if (!s->buf) {
		fsrv_put(s);
		s->status = 500;
	}
}

/* The status of a parsed request, or 0: its file is to be opened. */
static int fsrv_route(struct fsrv_conn *s)
{
	if (s->parsed < 0)
		return khttp_error_status(s->parsed);
	if (strcmp(s->req.method, "GET") && strcmp(s->req.method, "HEAD"))
		return 405;
	s->open = kzalloc(sizeof(*s->open), GFP_KERNEL);
	if (!s->open)
		return 500;
	s->status = fsrv_name(s->req.path, s->open->name,
			      sizeof(s->open->name));
	if (s->status) {
		kfree(s->open);
		s->open = NULL;
	}
	return s->status;
}

/*
 * The head of the answer (and an error answer's text) into s->head, and
 * where the first send starts: s->head, or, when a chunk of the file was
 * read, the head copied in front of it.  Sets s->hlen.
 */
static const char *fsrv_answer(struct fsrv_conn *s)
{
	const char *reason = khttp_reason(s->status);
	loff_t len = s->status == 200 ? s->size : strlen(reason) + 1;
	char *out;

	s->hlen = fsrv_head(s->head, sizeof(s->head), s->status, !s->more,
			    len);
	if (s->status != 200 && !s->head_only)
		s->hlen += scnprintf(s->head + s->hlen,
				     sizeof(s->head) - s->hlen, "%s\n", reason);
	WARN_ON_ONCE(s->hlen >= sizeof(s->head) - 1);
	if (!s->got)
		return s->head;
	out = s->buf + FSRV_ROOM - s->hlen;
	memcpy(out, s->head, s->hlen);
	return out;
}

/* Bytes of the next chunk: what is left of the file, at most a buffer. */
static size_t fsrv_chunk(struct fsrv_conn *s)
{
	return min_t(loff_t, s->size - s->pos, FSRV_CHUNK);
}

/* --- files-conn-begin --- */
static enum kasync_poll fsrv_conn_poll(struct kasync_task *t, void *p)
{
	struct fsrv_conn *s = p;

	KASYNC_BEGIN(&s->co);
	for (;;) {
		if (!s->len) {
			/* Between requests: no buffer until the next one. */
			kfree(s->in);
			s->in = NULL;
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm,
					     kserver_idle_ns(idle_ms),
					     kasync_sock_readable(t, s->c.ks, &s->op,
								  &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			if (s->err || s->n)	/* idle too long, or misuse */
				break;
			s->in = kmalloc(FSRV_IN, GFP_KERNEL);
			if (!s->in)
				break;
			s->due = kserver_due(head_ms);
		}
		s->parsed = khttp_parse(s->in, s->len, FSRV_IN, 0, &s->req);
		if (!s->parsed) {		/* need more bytes */
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_left(s->due),
					     kasync_sock_recv(t, s->c.ks, &s->op,
							      s->in + s->len,
							      FSRV_IN - s->len,
							      &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			if (!s->err && s->n <= 0)
				break;
			if (!s->err) {
				s->len += s->n;
				continue;
			}
			s->parsed = -ETIMEDOUT;		/* a 408 */
		}
		s->more = s->parsed > 0 && !s->req.close;
		s->head_only = s->parsed > 0 && !strcmp(s->req.method, "HEAD");
		s->status = fsrv_route(s);
		if (!s->status) {
			/* Lookup and open may sleep: on the blocking pool. */
			KASYNC_AWAIT(&s->co, kasync_blocking_owned(t, &s->b,
								   fsrv_open_fn,
								   s->open,
								   fsrv_open_discard,
								   &s->res));
			fsrv_opened(s);
		}
		s->got = 0;
		if (s->status == 200 && !s->head_only && s->size) {
			/* The first chunk, before the head: it may fail. */
			KASYNC_AWAIT(&s->co, kasync_file_read(t, &s->io, s->file,
							      s->buf + FSRV_ROOM,
							      fsrv_chunk(s),
							      s->pos, &s->res));
			if (s->res > 0) {
				s->got = s->res;
			} else {
				fsrv_put(s);
				s->status = 500;
			}
		}
		if (s->status == 403)
			atomic_inc(&forbidden);
		s->out = fsrv_answer(s);
		/* Each chunk: sent within send_ms, then the next one read. */
		for (;;) {
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm,
					     kserver_idle_ns(send_ms),
					     kasync_sock_send_all(t, s->c.ks, &s->op,
								  s->out,
								  s->hlen + s->got,
								  &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			s->failed = s->err || s->n < 0;
			if (s->failed)		/* not read in time, or gone */
				break;
			s->pos += s->got;
			if (!s->got || s->pos >= s->size)
				break;
			s->hlen = 0;
			s->out = s->buf + FSRV_ROOM;
			KASYNC_AWAIT(&s->co, kasync_file_read(t, &s->io, s->file,
							      s->buf + FSRV_ROOM,
							      fsrv_chunk(s),
							      s->pos, &s->res));
			/* An error, or the file shrank: the length is a lie. */
			s->failed = s->res <= 0;
			if (s->failed)
				break;
			s->got = s->res;
		}
		fsrv_put(s);
		if (s->failed)
			break;
		atomic_inc(&requests);
		if (!s->more)
			break;
		s->len = khttp_consume(s->in, s->len, s->req.len);
		if (s->len)			/* pipelined: the next one is in */
			s->due = kserver_due(head_ms);
	}
	if (s->parsed < 0 && s->in && !s->failed) {
		/*
		 * Lingering close after an error answer that was sent: send
		 * our FIN first and drain what the client is still sending,
		 * for LINGER_MS at most, so that closing with unread bytes
		 * (a reset) cannot destroy the answer before the client read
		 * it.
		 */
		kasync_sock_shutdown(s->c.ks, SHUT_WR);
		s->due = kserver_due(LINGER_MS);
		s->len = 0;
		do {
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_left(s->due),
					     kasync_sock_recv(t, s->c.ks, &s->op, s->in,
							      FSRV_IN, &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			s->len += s->n > 0 ? s->n : 0;
		} while (!s->err && s->n > 0 && s->len < LINGER_MAX);
	}
	KASYNC_END(&s->co);
}

/* --- files-conn-end --- */

static void fsrv_conn_drop(void *p)
{
	struct fsrv_conn *s = p;

	/* s->open, if set, is the blocking job's: its discard frees it. */
	kfree(s->in);
	fsrv_put(s);
	kserver_conn_end(&s->c);
}

static const struct kasync_task_ops fsrv_conn_ops = {
	.poll = fsrv_conn_poll,
	.drop = fsrv_conn_drop,
};

/* The root: an absolute path to a directory, held until unload. */
static int fsrv_root_get(void)
{
	int err;

	if (!root || !*root) {
		pr_err("kasync_files: root= is required: the directory to serve\n");
		return -EINVAL;
	}
	if (root[0] != '/') {
		pr_err("kasync_files: root=%s: not an absolute path\n", root);
		return -EINVAL;
	}
	err = kern_path(root, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &fsrv_root);
	if (err == -ENOTDIR)
		pr_err("kasync_files: root=%s: not a directory\n", root);
	else if (err)
		pr_err("kasync_files: root=%s: %d\n", root, err);
	return err;
}

static int __init fsrv_init(void)
{
	int err;

	err = fsrv_root_get();
	if (err)
		return err;
	err = fsrv_start("files", &fsrv_conn_ops, sizeof(struct fsrv_conn),
			 NULL);
	if (err) {
		path_put(&fsrv_root);
		return err;
	}
	pr_info("kasync_files: serving %s on port %d (%zu bytes of task state per connection)\n",
		root, port, sizeof(struct fsrv_conn));
	return 0;
}

static void __exit fsrv_exit(void)
{
	kserver_stop(&fsrv);
	/* Abandoned opens use the root, abandoned reads their files. */
	kasync_blocking_drain();
	kasync_file_drain();
	path_put(&fsrv_root);
}

module_init(fsrv_init);
module_exit(fsrv_exit);

MODULE_DESCRIPTION("kasync sample: a static-file HTTP server");
MODULE_LICENSE("GPL");
