// SPDX-License-Identifier: GPL-2.0
/*
 * pvhv hypercall table: base hypercalls from a PV mini-guest, and the calls
 * pvhv must leave to KVM (CPL 3, non-pvhv VMs, KVM's own numbers).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm_para.h>
#include <pvhv/pvhv.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/pvhv_test.h"

#define RESULT_GPA	MINIVM_DATA_GPA
#define TEXT_GPA	(MINIVM_DATA_GPA + 0x10000)

/* Guest: run the hypercall table in results[0..] and report each result. */
struct hc_case {
	uint64_t nr, a0, a1;
};

static const char guest_text[] = "hello from a pvhv mini-guest\n";

static void guest_calls(uint64_t cases_gpa)
{
	struct hc_case *c = (struct hc_case *)cases_gpa;

	for (; c->nr; c++)
		GUEST_SYNC(guest_hypercall(c->nr, c->a0, c->a1, 0, 0));
	GUEST_DONE();
}

/* Run @cases (terminated by nr 0) and store the results in @ret. */
static int run_calls(struct __test_metadata *_metadata,
		     const struct minivm_opts *opts,
		     const struct hc_case *cases, long *ret, int n)
{
	struct minivm *vm;
	int i;

	vm = minivm_create(opts, guest_calls, RESULT_GPA);
	if (!vm)
		return -1;
	memcpy(minivm_hva(vm, RESULT_GPA), cases, (n + 1) * sizeof(*cases));
	memcpy(minivm_hva(vm, TEXT_GPA), guest_text, sizeof(guest_text));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(UCALL_SYNC, minivm_run(vm));
		ret[i] = vm->uc.args[0];
	}
	EXPECT_EQ(UCALL_DONE, minivm_run(vm));
	minivm_destroy(vm);
	return 0;
}

TEST(null_version_features)
{
	const struct hc_case cases[] = {
		{ PVHV_HC_NULL }, { PVHV_HC_VERSION }, { PVHV_HC_FEATURES },
		{ 0 },
	};
	struct minivm_opts opts = { 0 };
	long ret[3];

	NEED_PVHV();
	ASSERT_EQ(0, run_calls(_metadata, &opts, cases, ret, 3));
	EXPECT_EQ(0, ret[0]);
	EXPECT_EQ(PVHV_VERSION, ret[1]);
	EXPECT_EQ(PVHV_F_CONSOLE | PVHV_F_EVTCHN | PVHV_F_GNTTAB | PVHV_F_VBD |
		  PVHV_F_SOFT_RESET | PVHV_F_BALLOON | PVHV_F_PVMMU |
		  PVHV_F_TRAPS | PVHV_F_VIF, ret[2]);
}

TEST(unknown_number_in_range)
{
	const struct hc_case cases[] = {
		{ PVHV_HC(50) }, { PVHV_HC(PVHV_HC_COUNT - 1) }, { 0 },
	};
	struct minivm_opts opts = { 0 };
	long ret[2];

	NEED_PVHV();
	ASSERT_EQ(0, run_calls(_metadata, &opts, cases, ret, 2));
	EXPECT_EQ(-PVHV_ENOSYS, ret[0]);
	EXPECT_EQ(-PVHV_ENOSYS, ret[1]);
}

/* A user-mode caller gets KVM's answer, not pvhv's. */
TEST(cpl3_caller_gets_kvm_eperm)
{
	const struct hc_case cases[] = {
		{ PVHV_HC_NULL }, { PVHV_HC_VERSION }, { 0 },
	};
	struct minivm_opts opts = { .user = true };
	long ret[2];

	NEED_PVHV();
	ASSERT_EQ(0, run_calls(_metadata, &opts, cases, ret, 2));
	EXPECT_EQ(-KVM_EPERM, ret[0]);
	EXPECT_EQ(-KVM_EPERM, ret[1]);
}

/* A VM whose RAM is not on pvhvfs is not a pvhv domain. */
TEST(non_pvhv_vm_gets_kvm_enosys)
{
	const struct hc_case cases[] = {
		{ PVHV_HC_NULL }, { PVHV_HC_VERSION }, { 0 },
	};
	struct minivm_opts opts = { .anon = true };
	long ret[2];

	ASSERT_EQ(0, run_calls(_metadata, &opts, cases, ret, 2));
	EXPECT_EQ(-KVM_ENOSYS, ret[0]);
	EXPECT_EQ(-KVM_ENOSYS, ret[1]);
}

/* KVM's own numbers answer the same in a pvhv domain as in a plain VM. */
TEST(kvm_hypercalls_unchanged)
{
	const struct hc_case cases[] = {
		{ KVM_HC_VAPIC_POLL_IRQ }, { 99 }, { KVM_HC_SCHED_YIELD, 4096 },
		{ KVM_HC_KICK_CPU, 0, 4096 }, { 0 },
	};
	struct minivm_opts pv = { 0 }, plain = { .anon = true };
	long ret_pv[4], ret_plain[4];
	int i;

	NEED_PVHV();
	ASSERT_EQ(0, run_calls(_metadata, &pv, cases, ret_pv, 4));
	ASSERT_EQ(0, run_calls(_metadata, &plain, cases, ret_plain, 4));
	EXPECT_EQ(0, ret_plain[0]);
	EXPECT_EQ(-KVM_ENOSYS, ret_plain[1]);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(ret_plain[i], ret_pv[i]);
}

TEST(console_write)
{
	const struct hc_case cases[] = {
		{ PVHV_HC_CONSOLE_WRITE, TEXT_GPA, sizeof(guest_text) - 1 },
		{ PVHV_HC_CONSOLE_WRITE, TEXT_GPA, 0 },
		{ PVHV_HC_CONSOLE_WRITE, TEXT_GPA, PVHV_CONSOLE_MAX + 1 },
		{ PVHV_HC_CONSOLE_WRITE, TEXT_GPA + 0xff0, 32 },
		{ PVHV_HC_CONSOLE_WRITE, MINIVM_MEM_SIZE + 0x1000, 8 },
		{ PVHV_HC_CONSOLE_WRITE, -4096UL, 8 },
		{ 0 },
	};
	struct minivm_opts opts = { .domain = "console-test" };
	struct hc_case *c = NULL;
	struct minivm *vm;
	char buf[8192];
	long ret[6];
	int i;

	NEED_PVHV();
	/* Keep the domain alive after the run to read its console. */
	vm = minivm_create(&opts, guest_calls, RESULT_GPA);
	ASSERT_NE(NULL, vm);
	c = minivm_hva(vm, RESULT_GPA);
	memcpy(c, cases, sizeof(cases));
	memcpy(minivm_hva(vm, TEXT_GPA), guest_text, sizeof(guest_text));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
		ret[i] = vm->uc.args[0];
	}
	EXPECT_EQ(sizeof(guest_text) - 1, ret[0]);
	EXPECT_EQ(-PVHV_EINVAL, ret[1]);
	EXPECT_EQ(-PVHV_EINVAL, ret[2]);
	EXPECT_EQ(-PVHV_EINVAL, ret[3]);
	EXPECT_EQ(-PVHV_EFAULT, ret[4]);
	EXPECT_EQ(-PVHV_EFAULT, ret[5]);

	ASSERT_LT(0, read_text_file("/sys/kernel/pvhv/domains/console-test/console",
			       buf, sizeof(buf)));
	EXPECT_STREQ(guest_text, buf);
	EXPECT_EQ(1, pvhv_sysfs_long("domains/console-test/bound"));
	EXPECT_EQ(6, pvhv_sysfs_long("domains/console-test/hypercalls"));
	ASSERT_LT(0, read_text_file("/sys/kernel/pvhv/domains/console-test/hypercall_counts",
			       buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "console_write 6\n"));
	EXPECT_NE(NULL, strstr(buf, "null 0\n"));
	minivm_destroy(vm);
}

/* Count kernel log lines containing @needle. */
static int dmesg_count(const char *needle)
{
	char cmd[256], buf[32] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -cF '%s'", needle);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	fgets(buf, sizeof(buf), f);
	pclose(f);
	return atoi(buf);
}

/* A guest hammering its console must not flood the host log. */
TEST(console_flood_is_ratelimited)
{
	struct hc_case cases[301];
	struct minivm_opts opts = { 0 };
	char domain[32], needle[64];
	long ret[300];
	int i;

	NEED_PVHV();
	/* Unique per run: the kernel log outlives the test. */
	snprintf(domain, sizeof(domain), "flood-%d", getpid());
	snprintf(needle, sizeof(needle), "pvhv: %s: hello fr", domain);
	opts.domain = domain;
	for (i = 0; i < 300; i++)
		cases[i] = (struct hc_case){ PVHV_HC_CONSOLE_WRITE, TEXT_GPA, 8 };
	cases[300] = (struct hc_case){ 0 };
	ASSERT_EQ(0, run_calls(_metadata, &opts, cases, ret, 300));
	for (i = 0; i < 300; i++)
		ASSERT_EQ(8, ret[i]);
	/* At most a burst of 20 lines per 5 s reaches the host log. */
	EXPECT_LE(dmesg_count(needle), 20);
	EXPECT_GE(dmesg_count(needle), 1);
}

/* Every handled hypercall fires pvhv:pvhv_hypercall. */
TEST(tracepoint)
{
	const char *t = "/sys/kernel/tracing";
	const struct hc_case cases[] = {
		{ PVHV_HC_NULL }, { PVHV_HC(51) }, { 0 },
	};
	struct minivm_opts opts = { 0 };
	char path[128], buf[65536];
	long ret[2];
	int fd, n;

	NEED_PVHV();
	snprintf(path, sizeof(path), "%s/events/pvhv/pvhv_hypercall/enable", t);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		SKIP(return, "tracefs not mounted at %s", t);
	close(fd);
	ASSERT_EQ(0, system("echo > /sys/kernel/tracing/trace && "
			    "echo 1 > /sys/kernel/tracing/events/pvhv/pvhv_hypercall/enable"));
	ASSERT_EQ(0, run_calls(_metadata, &opts, cases, ret, 2));
	system("echo 0 > /sys/kernel/tracing/events/pvhv/pvhv_hypercall/enable");
	snprintf(path, sizeof(path), "%s/trace", t);
	n = read_text_file(path, buf, sizeof(buf));
	ASSERT_LT(0, n);
	EXPECT_NE(NULL, strstr(buf, "pvhv_hypercall: nr=0x70760002 domain="));
	EXPECT_NE(NULL, strstr(buf, "vcpu=0 ret=0"));
	EXPECT_NE(NULL, strstr(buf, "nr=0x70760033"));
	EXPECT_NE(NULL, strstr(buf, "ret=-38"));
}

TEST_HARNESS_MAIN
