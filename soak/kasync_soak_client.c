// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_soak_client - a kasync user that comes and goes during the soak.
 *
 * scripts/soak loads and unloads it over and over while kasync_soak runs.
 * Its init spawns @tasks tasks on the default runtime and its exit leaves
 * them running: kasync must cancel them at the unload, wherever they wait.
 * A quarter sleep for an hour, a quarter tick (sleep, yield), a quarter
 * wait on a notify nobody fires, and a quarter talk to kasync_soak's echo
 * server on 127.0.0.1:@port, checking every byte that comes back.  A
 * wrong echo, a failed connect or a drop on a corrupted state prints a
 * "kasync_soak_client: error:" line, which fails the soak.
 */
#include <linux/err.h>
#include <linux/in.h>
#include <linux/module.h>
#include <linux/random.h>
#include <net/net_namespace.h>
#include <kasync.h>

static unsigned int tasks = 32;
module_param(tasks, uint, 0444);
MODULE_PARM_DESC(tasks, "tasks left running at unload (1..10000)");

static int port = 7411;
module_param(port, int, 0444);
MODULE_PARM_DESC(port, "kasync_soak's echo server port on 127.0.0.1");

#define KSC_MAGIC	0x6b736363u
#define KSC_BUF		256

enum { KSC_SLEEPER, KSC_TICKER, KSC_WAITER, KSC_TALKER, KSC_KINDS };

static DEFINE_KASYNC_NOTIFY(ksc_never);
static struct sockaddr_in ksc_addr;

struct ksc_state {
	struct kasync_co co;
	struct kasync_timer tm;
	struct kasync_sync_wait sw;
	struct kasync_sock_connect conn;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	long res;
	u32 magic;
	u32 x;
	u32 i;
	u32 got;
	u8 kind;
	u8 buf[KSC_BUF];
};

static u8 ksc_pattern(u32 x, u32 i)
{
	return x * 13 + i;
}

static enum kasync_poll ksc_poll(struct kasync_task *t, struct ksc_state *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->kind == KSC_SLEEPER)
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, 3600 * NSEC_PER_SEC));
	if (s->kind == KSC_WAITER)
		KASYNC_AWAIT(&s->co, kasync_notified(t, &ksc_never, &s->sw,
						     &s->res));
	while (s->kind == KSC_TICKER) {
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm,
						  (s->x++ % 2000) * NSEC_PER_USEC));
		KASYNC_YIELD(&s->co);
	}
	if (s->kind != KSC_TALKER)
		KASYNC_RETURN(&s->co, t, 0);
	s->ks = kasync_sock_create(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (IS_ERR(s->ks)) {
		s->res = PTR_ERR(s->ks);
		s->ks = NULL;
		if (s->res != -ENOMEM)
			pr_err("kasync_soak_client: error: socket: %ld\n",
			       s->res);
		KASYNC_RETURN(&s->co, t, s->res);
	}
	KASYNC_AWAIT(&s->co, kasync_sock_connect(t, s->ks, &s->conn,
						 (struct sockaddr *)&ksc_addr,
						 sizeof(ksc_addr),
						 30 * NSEC_PER_SEC, &s->res));
	if (s->res) {
		pr_err("kasync_soak_client: error: connect: %ld\n", s->res);
		KASYNC_RETURN(&s->co, t, s->res);
	}
	/* Until the unload: one byte pattern after another, echoed. */
	for (;; s->x++) {
		for (s->i = 0; s->i < KSC_BUF; s->i++)
			s->buf[s->i] = ksc_pattern(s->x, s->i);
		KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op,
							  s->buf, KSC_BUF,
							  &s->res));
		if (s->res != KSC_BUF)
			break;
		for (s->got = 0; s->got < KSC_BUF; s->got += s->res) {
			KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op,
							      s->buf + s->got,
							      KSC_BUF - s->got,
							      &s->res));
			if (s->res <= 0)
				break;
		}
		if (s->got < KSC_BUF)
			break;
		for (s->i = 0; s->i < KSC_BUF; s->i++)
			if (s->buf[s->i] != ksc_pattern(s->x, s->i))
				break;
		if (s->i < KSC_BUF) {
			pr_err("kasync_soak_client: error: echo byte %u differs\n",
			       s->i);
			KASYNC_RETURN(&s->co, t, -EIO);
		}
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, NSEC_PER_MSEC));
	}
	pr_err("kasync_soak_client: error: echo ended: %ld\n", s->res);
	KASYNC_RETURN(&s->co, t, -EIO);
	KASYNC_END(&s->co);
}

static void ksc_drop(struct ksc_state *s)
{
	if (s->magic != KSC_MAGIC)
		pr_err("kasync_soak_client: error: drop of a state that is not ours\n");
	s->magic = 0;
	if (s->ks)
		kasync_sock_close(s->ks);
}

KASYNC_TASK_OPS(ksc_ops, struct ksc_state, ksc_poll, ksc_drop);

static int __init kasync_soak_client_init(void)
{
	struct kasync_task *t;
	struct ksc_state *s;
	unsigned int i;

	if (!tasks || tasks > 10000 || port <= 0 || port > 65535)
		return -EINVAL;
	ksc_addr.sin_family = AF_INET;
	ksc_addr.sin_port = htons(port);
	ksc_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < tasks; i++) {
		t = kasync_task_alloc_typed(NULL, &ksc_ops, GFP_KERNEL);
		if (IS_ERR(t))
			return PTR_ERR(t);	/* kasync ends those spawned */
		s = kasync_task_state(t);
		s->magic = KSC_MAGIC;
		s->kind = i % KSC_KINDS;
		s->x = get_random_u32();
		t = kasync_task_start(t);
		kasync_detach(&t);
	}
	return 0;
}

static void __exit kasync_soak_client_exit(void)
{
	/* Deliberately leaves its tasks to kasync. */
}

module_init(kasync_soak_client_init);
module_exit(kasync_soak_client_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync soak test: a module unloaded with tasks at work");
