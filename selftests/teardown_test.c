// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown: every frame goes back to the host and every domain disappears
 * when a guest's memory is gone, whether its VMM exits cleanly or is killed.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/pvhv_test.h"
#include "lib/guest_cmd.h"

static void guest_main(uint64_t arg)
{
	guest_cmd_loop(arg);
}

/* Poll a global counter until it equals @want (up to 10 s). */
static long wait_for(const char *attr, long want)
{
	long v = -1;
	int i;

	for (i = 0; i < 200; i++) {
		v = pvhv_sysfs_long("%s", attr);
		if (v == want)
			break;
		usleep(50000);
	}
	return v;
}

TEST(clean_exit_frees_everything)
{
	long frames = pvhv_sysfs_long("frames");
	long domains = pvhv_sysfs_long("domains_active");
	struct minivm_opts opts = { 0 };
	struct minivm *vm;

	NEED_PVHV();
	vm = minivm_create(&opts, guest_main, GCMD_GPA);
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(0, gdo(vm, G_FILL, GPAGE(0), 7, 256));
	EXPECT_LE(frames + 256, pvhv_sysfs_long("frames"));
	EXPECT_EQ(domains + 1, pvhv_sysfs_long("domains_active"));
	minivm_destroy(vm);
	EXPECT_EQ(frames, wait_for("frames", frames));
	EXPECT_EQ(domains, wait_for("domains_active", domains));
}

/*
 * The child runs a guest on an unlinked file (as QEMU does with a mem-path
 * directory) or on a named one (as libvirt does), and is SIGKILLed while
 * the guest spins.
 */
static void run_and_get_killed(struct __test_metadata *_metadata,
			       bool unlink_early, const char *domain)
{
	long frames = pvhv_sysfs_long("frames");
	long domains = pvhv_sysfs_long("domains_active");
	struct minivm_opts opts = { .domain = domain };
	char dir[300], path[320];
	int pfd[2], status;
	pid_t pid;
	char c;

	snprintf(dir, sizeof(dir), "%s/%s", minivm_pvhv_mnt(), domain);
	snprintf(path, sizeof(path), "%s/ram", dir);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct minivm *vm = minivm_create(&opts, guest_main, GCMD_GPA);

		if (!vm || gdo(vm, G_FILL, GPAGE(0), 1, 300))
			_exit(1);
		if (unlink_early)
			unlink(vm->path);
		write(pfd[1], "r", 1);
		gdo(vm, G_SPIN, 0, 0, 0);
		_exit(2);
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	close(pfd[0]);
	EXPECT_LE(frames + 300, pvhv_sysfs_long("frames"));
	usleep(100000);		/* let the guest spin inside KVM_RUN */
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	if (!unlink_early) {
		/* The named file still holds the guest's memory... */
		usleep(200000);
		EXPECT_LE(frames + 300, pvhv_sysfs_long("frames"));
		EXPECT_EQ(domains + 1, pvhv_sysfs_long("domains_active"));
		/* ...until the management stack removes it. */
		EXPECT_EQ(0, unlink(path));
	}
	rmdir(dir);
	EXPECT_EQ(frames, wait_for("frames", frames));
	EXPECT_EQ(domains, wait_for("domains_active", domains));
}

TEST(sigkill_with_unlinked_memory)
{
	NEED_PVHV();
	run_and_get_killed(_metadata, true, "killed-unlinked");
}

TEST(sigkill_with_named_memory)
{
	NEED_PVHV();
	run_and_get_killed(_metadata, false, "killed-named");
}

TEST_HARNESS_MAIN
