// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icount-prof: a QEMU TCG plugin that counts the guest instructions
 * executed at each instruction address, kernel and user alike, inside
 * windows that the guest opens and closes itself, and writes one table per
 * window.  scripts/icount-profile builds it, runs it and reads the tables.
 *
 * Every translated instruction gets an inline "add 1" on the counter of its
 * address (no helper call per instruction); the counters run from boot.  A
 * window is the difference of two snapshots of all counters, taken by a
 * callback on the instructions that open and close it.  So the counts are
 * exact to the instruction, whatever the shape of the translation blocks,
 * when QEMU runs one TCG thread (-icount, or -accel tcg,thread=single): the
 * inline adds are not atomic.
 *
 * Arguments (-plugin icount-prof.so,ARG=VALUE,...; addresses in hex):
 *
 *   out=FILE       where the tables go (default icount-prof.out)
 *   mark=ADDR      every execution of the instruction at ADDR opens a
 *                  window when none is open and closes it otherwise
 *   start=ADDR[:N] the Nth execution of ADDR opens a window (every
 *                  execution when N is 0 or absent, if none is open)
 *   stop=ADDR[:N]  the Nth execution of ADDR closes the open window
 *
 * Output, one block per window, closed by "end"; a window still open at
 * exit is closed there and its end line says "open-at-exit":
 *
 *   window N
 *   ADDR COUNT          (hex address, decimal count; COUNT > 0 only)
 *   ...
 *   end N INSNS closed|open-at-exit
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* One guest instruction address: its counter since boot and at the open. */
struct insn_rec {
	uint64_t vaddr;
	uint64_t count;
	uint64_t base;
};

enum trig_kind { TRIG_MARK, TRIG_START, TRIG_STOP };

struct trigger {
	enum trig_kind kind;
	uint64_t vaddr;
	uint64_t nth;	/* 0: every hit */
	uint64_t hits;
	bool set;
};

static struct trigger trigs[3];
static GHashTable *recs;	/* vaddr -> struct insn_rec */
static GPtrArray *all;		/* every struct insn_rec, for the snapshots */
static GMutex lock;
static FILE *out;
static bool open_win;
static unsigned int windows;

static void win_open(void)
{
	guint i;

	if (open_win)
		return;
	g_mutex_lock(&lock);
	for (i = 0; i < all->len; i++) {
		struct insn_rec *r = g_ptr_array_index(all, i);

		r->base = r->count;
	}
	g_mutex_unlock(&lock);
	open_win = true;
	windows++;
}

static void win_close(const char *how)
{
	uint64_t total = 0;
	guint i;

	if (!open_win)
		return;
	open_win = false;
	fprintf(out, "window %u\n", windows);
	g_mutex_lock(&lock);
	for (i = 0; i < all->len; i++) {
		struct insn_rec *r = g_ptr_array_index(all, i);
		uint64_t d = r->count - r->base;

		if (!d)
			continue;
		fprintf(out, "%" PRIx64 " %" PRIu64 "\n", r->vaddr, d);
		total += d;
	}
	g_mutex_unlock(&lock);
	fprintf(out, "end %u %" PRIu64 " %s\n", windows, total, how);
	fflush(out);
}

static void trig_hit(unsigned int vcpu, void *udata)
{
	struct trigger *t = udata;

	t->hits++;
	if (t->nth && t->hits != t->nth)
		return;
	switch (t->kind) {
	case TRIG_MARK:
		if (open_win)
			win_close("closed");
		else
			win_open();
		break;
	case TRIG_START:
		win_open();
		break;
	case TRIG_STOP:
		win_close("closed");
		break;
	}
}

static struct insn_rec *rec_get(uint64_t vaddr)
{
	struct insn_rec *r;

	g_mutex_lock(&lock);
	r = g_hash_table_lookup(recs, &vaddr);
	if (!r) {
		r = g_new0(struct insn_rec, 1);
		r->vaddr = vaddr;
		g_hash_table_insert(recs, &r->vaddr, r);
		g_ptr_array_add(all, r);
	}
	g_mutex_unlock(&lock);
	return r;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, j, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		for (j = 0; j < G_N_ELEMENTS(trigs); j++)
			if (trigs[j].set && trigs[j].vaddr == va)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					trig_hit, QEMU_PLUGIN_CB_NO_REGS,
					&trigs[j]);
		qemu_plugin_register_vcpu_insn_exec_inline(insn,
			QEMU_PLUGIN_INLINE_ADD_U64, &rec_get(va)->count, 1);
	}
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	win_close("open-at-exit");
	fclose(out);
}

static int parse_trig(struct trigger *t, enum trig_kind kind, const char *v)
{
	char *end;

	t->kind = kind;
	t->vaddr = strtoull(v, &end, 16);
	t->nth = 0;
	if (*end == ':')
		t->nth = strtoull(end + 1, &end, 10);
	if (*end || !t->vaddr)
		return -1;
	t->set = true;
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = "icount-prof.out";
	int i, err = 0;

	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *v = eq ? eq + 1 : "";
		size_t klen = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);

		if (klen == 3 && !strncmp(argv[i], "out", 3))
			path = v;
		else if (klen == 4 && !strncmp(argv[i], "mark", 4))
			err = parse_trig(&trigs[0], TRIG_MARK, v);
		else if (klen == 5 && !strncmp(argv[i], "start", 5))
			err = parse_trig(&trigs[1], TRIG_START, v);
		else if (klen == 4 && !strncmp(argv[i], "stop", 4))
			err = parse_trig(&trigs[2], TRIG_STOP, v);
		else
			err = -1;
		if (err) {
			fprintf(stderr, "icount-prof: bad argument \"%s\"\n",
				argv[i]);
			return -1;
		}
	}
	out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "icount-prof: cannot write %s\n", path);
		return -1;
	}
	recs = g_hash_table_new(g_int64_hash, g_int64_equal);
	all = g_ptr_array_sized_new(1 << 20);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
