// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvhv and PVHV_IOC_FILE_INFO: the global files, a domain's
 * life from its first file to its last, its counters against the ioctl's,
 * binding at the first pvhv hypercall, hypercall counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pvhv/pvhv.h>
#include <pvhv/pvhvfs.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/pvhv_test.h"

#define SYSFS	"/sys/kernel/pvhv/"

/* Read /sys/kernel/pvhv/@file into @buf; its length, or -1. */
static int sysfs_read(char *buf, size_t size, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), SYSFS "%s", file);
	return read_text_file(path, buf, size);
}

/* Count of @call in a "<name> <count>" list, or -1 if it is not listed. */
static long list_count(const char *list, const char *call)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", call);
	if (!strncmp(list, key + 1, strlen(key + 1)))
		p = list - 1;		/* the first line */
	else
		p = strstr(list, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static bool domain_exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), SYSFS "domains/%s", name);
	return access(path, F_OK) == 0;
}

TEST(global_files)
{
	char buf[4096];

	NEED_PVHV();
	ASSERT_LT(0, sysfs_read(buf, sizeof(buf), "version"));
	EXPECT_STREQ("0.1\n", buf);
	ASSERT_LT(0, sysfs_read(buf, sizeof(buf), "features"));
	EXPECT_STREQ("0x1ff\n", buf);
	ASSERT_LT(0, sysfs_read(buf, sizeof(buf), "hypercalls"));
	/* Every registered call, in number order. */
	EXPECT_LE(0, list_count(buf, "version"));
	EXPECT_LE(0, list_count(buf, "features"));
	EXPECT_LE(0, list_count(buf, "null"));
	EXPECT_LE(0, list_count(buf, "console_write"));
	EXPECT_EQ(0, strncmp(buf, "version ", 8));
	EXPECT_LT(strstr(buf, "\nnull "), strstr(buf, "\nconsole_write "));
	EXPECT_LE(0, pvhv_sysfs_long("frames"));
	EXPECT_LE(0, pvhv_sysfs_long("domains_active"));
}

static long file_info(int fd, struct pvhv_file_info *info)
{
	return ioctl(fd, PVHV_IOC_FILE_INFO, info);
}

/* A domain from its first file to its last, with its counters. */
TEST(domain_life_and_counters)
{
	const char *name = "sysfs-life";
	long frames0 = pvhv_sysfs_long("frames");
	long active0 = pvhv_sysfs_long("domains_active");
	struct pvhv_file_info info, info2;
	char dir[300], a[320], b[320];
	int fd, fd2, i;
	uint8_t *p, *q;

	NEED_PVHV();
	snprintf(dir, sizeof(dir), "%s/%s", minivm_pvhv_mnt(), name);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	ASSERT_EQ(0, mkdir(dir, 0700));
	/* A directory alone is not a domain yet. */
	EXPECT_FALSE(domain_exists(name));
	EXPECT_EQ(active0, pvhv_sysfs_long("domains_active"));

	fd = open(a, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(domain_exists(name));
	EXPECT_EQ(active0 + 1, pvhv_sysfs_long("domains_active"));
	EXPECT_EQ(0, pvhv_sysfs_long("domains/%s/bound", name));

	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	ASSERT_EQ(0, file_info(fd, &info));
	EXPECT_EQ(1 << 20, info.size);
	EXPECT_EQ(0, info.frames);
	EXPECT_EQ(info.domain_id, pvhv_sysfs_long("domains/%s/id", name));
	EXPECT_EQ(1 << 20, pvhv_sysfs_long("domains/%s/size", name));
	EXPECT_EQ(0, pvhv_sysfs_long("domains/%s/frames", name));

	/* Pages fault in on first touch, one frame each. */
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 5; i++)
		p[i * 8192] = i + 1;		/* pages 0, 2, 4, 6, 8 */
	ASSERT_EQ(0, file_info(fd, &info));
	EXPECT_EQ(5, info.frames);
	EXPECT_EQ(5, pvhv_sysfs_long("domains/%s/frames", name));
	EXPECT_EQ(frames0 + 5, pvhv_sysfs_long("frames"));

	/* A second file joins the same domain. */
	fd2 = open(b, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ftruncate(fd2, 64 << 10));
	/* No read()/write() on pvhvfs (Documentation/design.rst): map it. */
	q = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	ASSERT_NE(MAP_FAILED, q);
	q[4096] = 'x';
	munmap(q, 64 << 10);
	ASSERT_EQ(0, file_info(fd2, &info2));
	EXPECT_EQ(info.domain_id, info2.domain_id);
	EXPECT_EQ(1, info2.frames);
	EXPECT_EQ(active0 + 1, pvhv_sysfs_long("domains_active"));
	EXPECT_EQ((1 << 20) + (64 << 10),
		  pvhv_sysfs_long("domains/%s/size", name));
	EXPECT_EQ(6, pvhv_sysfs_long("domains/%s/frames", name));

	/* Shrinking frees the frames past the new end. */
	ASSERT_EQ(0, ftruncate(fd, 4 * 4096));	/* keeps pages 0 and 2 */
	ASSERT_EQ(0, file_info(fd, &info));
	EXPECT_EQ(2, info.frames);
	EXPECT_EQ(frames0 + 3, pvhv_sysfs_long("frames"));
	munmap(p, 1 << 20);

	/* Gone only when the last file is unlinked and closed. */
	close(fd);
	ASSERT_EQ(0, unlink(a));
	EXPECT_TRUE(domain_exists(name));
	EXPECT_EQ(frames0 + 1, pvhv_sysfs_long("frames"));
	ASSERT_EQ(0, unlink(b));
	EXPECT_TRUE(domain_exists(name));	/* fd2 still open */
	close(fd2);
	EXPECT_FALSE(domain_exists(name));
	EXPECT_EQ(active0, pvhv_sysfs_long("domains_active"));
	EXPECT_EQ(frames0, pvhv_sysfs_long("frames"));
	EXPECT_EQ(0, rmdir(dir));
}

TEST(domain_ids_are_unique)
{
	struct pvhv_file_info i1, i2;
	char d1[300], d2[300], f1[320], f2[320];
	int fd1, fd2;

	NEED_PVHV();
	snprintf(d1, sizeof(d1), "%s/ids-1", minivm_pvhv_mnt());
	snprintf(d2, sizeof(d2), "%s/ids-2", minivm_pvhv_mnt());
	snprintf(f1, sizeof(f1), "%s/ram", d1);
	snprintf(f2, sizeof(f2), "%s/ram", d2);
	ASSERT_EQ(0, mkdir(d1, 0700));
	ASSERT_EQ(0, mkdir(d2, 0700));
	fd1 = open(f1, O_RDWR | O_CREAT, 0600);
	fd2 = open(f2, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, file_info(fd1, &i1));
	ASSERT_EQ(0, file_info(fd2, &i2));
	EXPECT_LE(1, i1.domain_id);
	EXPECT_LT(i1.domain_id, i2.domain_id);
	EXPECT_EQ(i1.domain_id, pvhv_sysfs_long("domains/ids-1/id"));
	EXPECT_EQ(i2.domain_id, pvhv_sysfs_long("domains/ids-2/id"));
	close(fd1);
	close(fd2);
	unlink(f1);
	unlink(f2);
	rmdir(d1);
	rmdir(d2);
}

static void guest_bind(uint64_t arg)
{
	GUEST_SYNC(0);
	GUEST_SYNC(guest_hypercall(PVHV_HC_NULL, 0, 0, 0, 0));
	GUEST_SYNC(guest_hypercall(PVHV_HC_NULL, 0, 0, 0, 0));
	GUEST_SYNC(guest_hypercall(PVHV_HC_VERSION, 0, 0, 0, 0));
	GUEST_SYNC(guest_hypercall(PVHV_HC(50), 0, 0, 0, 0));
	GUEST_DONE();
}

/* Bound at the first pvhv hypercall; every call counted. */
TEST(bound_and_hypercall_counts)
{
	struct minivm_opts opts = { .domain = "sysfs-bind" };
	char before[4096], after[4096];
	struct minivm *vm;
	int i;

	NEED_PVHV();
	ASSERT_LT(0, sysfs_read(before, sizeof(before), "hypercalls"));
	vm = minivm_create(&opts, guest_bind, 0);
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(0, pvhv_sysfs_long("domains/sysfs-bind/bound"));
	EXPECT_EQ(0, pvhv_sysfs_long("domains/sysfs-bind/hypercalls"));
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(0, vm->uc.args[0]);
	EXPECT_EQ(1, pvhv_sysfs_long("domains/sysfs-bind/bound"));
	EXPECT_EQ(1, pvhv_sysfs_long("domains/sysfs-bind/hypercalls"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(-PVHV_ENOSYS, (long)vm->uc.args[0]);
	ASSERT_EQ(UCALL_DONE, minivm_run(vm));
	/* Calls to numbers without a handler count for the domain too. */
	EXPECT_EQ(4, pvhv_sysfs_long("domains/sysfs-bind/hypercalls"));
	ASSERT_LT(0, sysfs_read(after, sizeof(after), "hypercalls"));
	EXPECT_EQ(list_count(before, "null") + 2, list_count(after, "null"));
	EXPECT_EQ(list_count(before, "version") + 1,
		  list_count(after, "version"));
	EXPECT_EQ(list_count(before, "features"),
		  list_count(after, "features"));
	minivm_destroy(vm);
	EXPECT_FALSE(domain_exists("sysfs-bind"));
}

TEST_HARNESS_MAIN
