/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Skipping tests that need pvhv when it is not loaded ($PVHV_MNT unset,
 * e.g. tools/testhost --no-pvhv, or a plain host).
 */
#ifndef _PVHV_PVHV_TEST_H
#define _PVHV_PVHV_TEST_H

#include <setjmp.h>

#include "kselftest_harness.h"
#include "minivm.h"

#define PVHV_SKIP_REASON	"pvhv not loaded ($PVHV_MNT unset)"

/* In TEST() and TEST_F() bodies. */
#define NEED_PVHV() do {						\
	if (!minivm_pvhv_mnt())						\
		SKIP(return, PVHV_SKIP_REASON);				\
} while (0)

/*
 * In FIXTURE_SETUP(): the 6.1 harness runs the test body even after a setup
 * that returned on SKIP, with the fixture half made.  Leave the way a failed
 * ASSERT does, through the harness's setjmp: no body, no teardown, and the
 * test is still reported as skipped.
 */
#define NEED_PVHV_SETUP() do {						\
	if (!minivm_pvhv_mnt())						\
		SKIP(longjmp(_metadata->env, 1), PVHV_SKIP_REASON);	\
} while (0)

#endif /* _PVHV_PVHV_TEST_H */
