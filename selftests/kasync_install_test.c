// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: kasync as "make modules_install" installs it loads
 * with modprobe.
 *
 * The selftests' build (make selftests, make install-test-root) installs
 * into build/selftests/install-root, as INSTALL_MOD_PATH: first a module
 * that uses kasync (samples/kasync_demo.ko) into extra/, as that module's
 * own modules_install would, then kasync.ko by kasync's modules_install,
 * whose depmod must index both.  Here, on the kernel it was built for:
 * the tree holds kasync.ko alone in updates/, for the running kernel;
 * "modprobe -d ROOT kasync" finds it there, loads it and removes it; and
 * "modprobe -d ROOT kasync_demo" loads kasync first, from its dependency.
 *
 * kasync is unloaded for this (when nothing uses it) and loaded again as
 * it was, with the kernel command line's kasync.*, as scripts/vm-tests
 * does.  Skips (exit 4) without kasync or without the installed tree.
 */
#include <dirent.h>
#include <limits.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define ROOT		"build/selftests/install-root"
#define KASYNC_KO	"kasync/kasync.ko"
#define DEMO_PARAMS	"workers=4 yields=1"

static int loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* Runs @cmd through the shell: its exit status, its output in @out. */
static int run(const char *cmd, char *out, size_t len)
{
	size_t n = 0;
	FILE *p;
	int st;

	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n < len - 1 && fgets(out + n, len - n, p))
		n += strlen(out + n);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whether @name is a module file: NAME.ko, or compressed NAME.ko.xz... */
static int is_ko(const char *name)
{
	const char *ko = strstr(name, ".ko");

	return ko && (!ko[3] || ko[3] == '.');
}

/* The module files under @dir, recursively; the last one's path in @last. */
static int count_ko(const char *dir, char *last, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			n += count_ko(path, last, len);
		} else if (is_ko(e->d_name)) {
			snprintf(last, len, "%s", path);
			n++;
		}
	}
	closedir(d);
	return n;
}

FIXTURE(installed) {
	char root[PATH_MAX];	/* INSTALL_MOD_PATH, absolute */
	char moddir[PATH_MAX + 80];	/* ROOT/lib/modules/$(uname -r) */
	char params[1024];	/* kasync's, from the command line */
};

FIXTURE_SETUP(installed)
{
	struct utsname u;

	if (!realpath(ROOT, self->root))
		SKIP(return, "%s not found: make selftests installs it", ROOT);
	ASSERT_EQ(0, uname(&u));
	snprintf(self->moddir, sizeof(self->moddir), "%s/lib/modules/%s",
		 self->root, u.release);
	/* Installed for another kernel than the one kasync was built for. */
	ASSERT_EQ(0, access(self->moddir, F_OK))
		TH_LOG("no %s: installed for another kernel", self->moddir);
	ks_cmdline_params(self->params, sizeof(self->params));
}

/* kasync is loaded again as it was, whatever happened. */
FIXTURE_TEARDOWN(installed)
{
	if (loaded("kasync_demo"))
		EXPECT_EQ(0, ks_unload("kasync_demo"));
	if (self->root[0] && !loaded("kasync"))
		EXPECT_EQ(0, ks_load(KASYNC_KO, self->params));
}

/* kasync is unloaded first, for modprobe to load: 0 or -errno. */
static int unload_kasync(void)
{
	if (ks_kasync_refs() != 0)
		return -EBUSY;
	return ks_unload("kasync");
}

TEST_F(installed, kasync_alone_in_updates)
{
	char path[PATH_MAX + 96], last[PATH_MAX] = "";

	snprintf(path, sizeof(path), "%s/updates", self->moddir);
	ASSERT_EQ(1, count_ko(path, last, sizeof(last)));
	EXPECT_NE(NULL, strstr(last, "/kasync.ko")) TH_LOG("%s", last);
	/* The dependent module, as its own modules_install put it. */
	snprintf(path, sizeof(path), "%s/extra", self->moddir);
	EXPECT_EQ(1, count_ko(path, last, sizeof(last)));
}

TEST_F(installed, depmod_indexed_kasync_and_its_user)
{
	char cmd[PATH_MAX + 160], out[4096];

	snprintf(cmd, sizeof(cmd),
		 "modprobe -d %s --show-depends kasync_demo", self->root);
	ASSERT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	/* kasync first, from updates/, then the module that uses it. */
	snprintf(cmd, sizeof(cmd), "insmod %s/updates/", self->moddir);
	EXPECT_EQ(0, strncmp(out, cmd, strlen(cmd))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/kasync.ko")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "\ninsmod %s/extra/", self->moddir);
	EXPECT_NE(NULL, strstr(out, cmd)) TH_LOG("%s", out);
}

TEST_F(installed, modprobe_loads_and_removes_kasync)
{
	char cmd[PATH_MAX + 160], out[4096];
	int ret = unload_kasync();

	if (ret == -EBUSY)
		SKIP(return, "kasync is in use: it cannot be unloaded");
	ASSERT_EQ(0, ret);
	ASSERT_FALSE(loaded("kasync"));
	snprintf(cmd, sizeof(cmd), "modprobe -d %s kasync 2>&1", self->root);
	ASSERT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_TRUE(loaded("kasync"));
	snprintf(cmd, sizeof(cmd), "modprobe -d %s -r kasync 2>&1", self->root);
	EXPECT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_FALSE(loaded("kasync"));
}

TEST_F(installed, modprobe_of_a_user_loads_kasync_first)
{
	char cmd[PATH_MAX + 160], out[4096];
	int ret = unload_kasync();

	if (ret == -EBUSY)
		SKIP(return, "kasync is in use: it cannot be unloaded");
	ASSERT_EQ(0, ret);
	snprintf(cmd, sizeof(cmd), "modprobe -d %s kasync_demo " DEMO_PARAMS
		 " 2>&1", self->root);
	ASSERT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_TRUE(loaded("kasync_demo"));
	ASSERT_TRUE(loaded("kasync"));
	EXPECT_EQ(0, access("/sys/module/kasync/holders/kasync_demo", F_OK));
	EXPECT_EQ(1, ks_kasync_refs());
	snprintf(cmd, sizeof(cmd), "modprobe -d %s -r kasync_demo 2>&1",
		 self->root);
	EXPECT_EQ(0, run(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_FALSE(loaded("kasync_demo"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
