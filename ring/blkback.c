// SPDX-License-Identifier: GPL-2.0
/*
 * The PV block backend: virtual block devices (vbd) of a domain, backed by
 * a host file or block device.
 *
 * The admin attaches a disk to a domain (domains/<name>/block/attach); the
 * guest connects it with a ring and an event channel (include/uapi/pvhv/
 * blkif.h).  One kernel thread per connected disk consumes the ring.  It
 * serves reads found in the host page cache itself (vbd_start()) and hands
 * every other request to a work item, so that several requests are in
 * flight; either maps the request's grants, does the I/O straight to or
 * from the guest's pages, unmaps them and answers.  When the ring runs
 * empty the thread polls it for a while before it asks for a kick (see
 * vbd_poll()), and the event for an answer may be held back from a guest
 * that is busy (see vbd_hold()).
 *
 * Nothing in the ring is trusted: requests are copied out of their slot
 * before they are looked at, a producer index that claims more than the
 * ring holds stops the disk (state "broken", until the guest reconnects),
 * and a bad request gets an error response.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/uio.h>
#include <linux/bvec.h>
#include <linux/falloc.h>
#include <linux/kthread.h>
#include <linux/sched/clock.h>
#include <linux/highmem.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/kvm_host.h>
#include <pvhv/pvhv.h>
#include <pvhv/blkif.h>

#include "../pvhv/domain.h"
#include "../pvhv/evtchn.h"
#include "../pvhv/grant.h"
#include "../pvhv/hypercall.h"
#include "../pvhv/core.h"
#include "blkback.h"

struct pvhv_vbd {
	struct kobject kobj;		/* domains/<name>/vbd<index>/ */
	struct pvhv_domain *dom;	/* owns us; no reference */
	u32 index;
	struct file *file;
	char *path;
	u64 sectors;
	bool ro, discard;

	struct mutex lock;		/* connection state below */
	bool connected, broken;
	u32 nr_ring_pages, port;
	struct pvhv_grant_map ring_map[PVHV_VBD_MAX_RING_PAGES];
	void *ring_va;
	struct pvhv_blk_back back;	/* req_cons: the thread's */
	spinlock_t rsp_lock;		/* back.rsp_prod_pvt, responses */
	struct task_struct *thread;
	struct workqueue_struct *io_wq;
	wait_queue_head_t kick_wq;
	bool kicked;
	atomic_t in_flight;
	u64 poll_ns;			/* the thread's polling window */

	atomic64_t requests, errors, read_bytes, write_bytes, flushes, discards;
	atomic64_t polled;		/* requests found by polling */
	atomic64_t inline_reqs;		/* served by the thread, see vbd_start() */
	bool nowait;			/* the file can say "would block" */
	atomic64_t notifies;		/* events sent to the guest */

	/* Holding notifications back from a busy guest, see vbd_hold(). */
	atomic_t notify_held;		/* one is owed; the timer sends it */
	struct hrtimer hold_timer;
	/* The adaptive hold: the timer and vbd_hold() write it, racily. */
	u64 hold_ns;
	ktime_t hold_until;		/* the end of the one running */
	atomic64_t held, held_saved;
};

struct pvhv_vbd_dom {
	struct pvhv_vbd *vbd[PVHV_VBD_MAX_DISKS];
};

/*
 * Requests taken off the ring and not answered yet, per disk: bounds the
 * host memory a guest's requests hold (about 20 KiB for an indirect one),
 * whatever the ring size.  More would only wait for a worker anyway.
 */
#define VBD_MAX_IN_FLIGHT	64

/*
 * Polling: a guest kick is a VM exit, and waking the thread for it costs a
 * context switch.  So when the ring runs empty, the thread keeps looking at
 * it for up to poll_ns before it re-arms req_event and sleeps.  The window
 * adapts as KVM's halt polling does: it doubles (from VBD_POLL_START_NS, up
 * to block/poll_max_us) while the guest's next request comes within the
 * most, and halves when it does not, so a disk that is idle stops polling.
 */
#define VBD_POLL_START_NS	(10 * NSEC_PER_USEC)
#define VBD_POLL_MAX_US_LIMIT	10000
static unsigned int vbd_poll_max_us = 200;

/*
 * Holding notifications: an event to a guest whose vCPU is running guest
 * code interrupts it, at the price of a VM exit or two.  A frontend that
 * takes answers when it queues requests (pvhv-guest's does) will see this
 * one soon anyway, if it keeps queueing.  So the notification waits up to
 * hold_ns, and is dropped if the guest took the answers meanwhile.  The
 * hold starts at block/hold_max_us and adapts as the polling window does:
 * it halves (down to VBD_HOLD_MIN_NS) each time the event had to be sent
 * after all, and doubles (up to hold_max_us) each time holding saved it.
 * A guest that is halted or in the host is notified at once: it waits.
 * While the hold runs, the timer looks every eighth of it whether the
 * guest took the answers (the hold ends) or halted (the event goes now).
 */
#define VBD_HOLD_MIN_NS		(10 * NSEC_PER_USEC)
#define VBD_HOLD_MAX_US_LIMIT	10000
static unsigned int vbd_hold_max_us = 100;

/* One request on its way through a work item. */
struct pvhv_vbd_io {
	struct work_struct work;
	struct pvhv_vbd *vbd;
	struct pvhv_blk_req req;	/* our copy of the slot */
	unsigned int max_segs;		/* room in the arrays below */
	struct pvhv_grant_map *map;
	struct bio_vec *bvec;
	struct pvhv_blk_seg seg[];	/* our copy of the segments */
};

/* dom->vbd and the vbd[] tables of all domains. */
static DEFINE_MUTEX(pvhv_vbd_lock);
static atomic_t pvhv_vbd_attached = ATOMIC_INIT(0);
static atomic_t pvhv_vbd_connected = ATOMIC_INIT(0);

/* ---- I/O ---- */

/*
 * Copy the segments of an indirect request into io->seg: one read of the
 * guest's page, so it cannot change them under our checks.
 */
static int vbd_read_indirect(struct pvhv_vbd *vbd, struct pvhv_vbd_io *io)
{
	const struct pvhv_blk_req *req = &io->req;
	const struct pvhv_blk_seg *s = &req->seg[0];
	struct pvhv_grant_map map;
	void *va;
	int err;

	if (req->nr_segs != 1 || s->first_sect || s->last_sect || s->pad ||
	    !req->nr_indirect_segs ||
	    req->nr_indirect_segs > PVHV_BLK_MAX_INDIRECT_SEGS ||
	    req->nr_indirect_segs > io->max_segs)
		return -PVHV_EINVAL;
	err = pvhv_grant_map(vbd->dom, s->gref, PVHV_DOMID_HOST, false, &map);
	if (err)
		return err;
	va = kmap_local_page(map.pin.page);
	memcpy(io->seg, va, req->nr_indirect_segs * sizeof(io->seg[0]));
	kunmap_local(va);
	pvhv_grant_unmap(&map);
	return 0;
}

/*
 * vbd_do() with @nowait: the request would block (a read not in the page
 * cache) or is not a read; a worker does it.
 */
#define VBD_AGAIN	1

/*
 * Read what the page cache already holds, and nothing else.  RWF_NOWAIT
 * alone is not that: on a miss, filemap_read() still starts readahead, so
 * the disk's thread would submit I/O (and may block allocating it), and the
 * read then succeeds or not depending on how fast that I/O completes.
 * IOCB_NOIO makes a miss fail at once; the worker's blocking read does the
 * readahead.
 */
static ssize_t vbd_read_cached(struct pvhv_vbd *vbd, struct iov_iter *iter,
			       loff_t pos)
{
	struct kiocb kiocb;

	init_sync_kiocb(&kiocb, vbd->file);
	kiocb.ki_pos = pos;
	kiocb.ki_flags |= IOCB_NOWAIT | IOCB_NOIO;
	return vfs_iocb_iter_read(vbd->file, &kiocb, iter);
}

static int vbd_rw(struct pvhv_vbd *vbd, struct pvhv_vbd_io *io, bool nowait)
{
	const struct pvhv_blk_req *req = &io->req;
	bool write = req->op == PVHV_BLK_OP_WRITE;
	unsigned int i, nr_segs;
	struct iov_iter iter;
	size_t bytes = 0;
	loff_t pos;
	ssize_t ret;
	int err;

	if (req->pad)
		return -PVHV_EINVAL;
	if (req->flags & PVHV_BLK_F_INDIRECT) {
		err = vbd_read_indirect(vbd, io);
		if (err)
			return err;
		nr_segs = req->nr_indirect_segs;
	} else {
		if (!req->nr_segs || req->nr_segs > PVHV_BLK_MAX_SEGS ||
		    req->nr_segs > io->max_segs || req->nr_indirect_segs)
			return -PVHV_EINVAL;
		nr_segs = req->nr_segs;
		memcpy(io->seg, req->seg, nr_segs * sizeof(io->seg[0]));
	}
	if (write && vbd->ro)
		return -PVHV_EPERM;
	for (i = 0; i < nr_segs; i++) {
		const struct pvhv_blk_seg *s = &io->seg[i];

		if (s->first_sect > s->last_sect || s->last_sect > 7 || s->pad)
			return -PVHV_EINVAL;
		bytes += (s->last_sect - s->first_sect + 1) * PVHV_BLK_SECTOR_SIZE;
	}
	if (req->sector >= vbd->sectors ||
	    (bytes >> 9) > vbd->sectors - req->sector)
		return -PVHV_ERANGE;

	/* A read writes into the guest's pages: it needs writable grants. */
	for (i = 0; i < nr_segs; i++)
		io->map[i].ref = io->seg[i].gref;
	err = pvhv_grant_map_many(vbd->dom, PVHV_DOMID_HOST, !write, io->map,
				  nr_segs);
	if (err)
		return err;
	for (i = 0; i < nr_segs; i++) {
		const struct pvhv_blk_seg *s = &io->seg[i];

		io->bvec[i] = (struct bio_vec){
			.bv_page = io->map[i].pin.page,
			.bv_offset = s->first_sect * PVHV_BLK_SECTOR_SIZE,
			.bv_len = (s->last_sect - s->first_sect + 1) *
				  PVHV_BLK_SECTOR_SIZE,
		};
	}

	pos = req->sector << 9;
	iov_iter_bvec(&iter, write ? WRITE : READ, io->bvec, nr_segs, bytes);
	if (write) {
		file_start_write(vbd->file);
		ret = vfs_iter_write(vbd->file, &iter, &pos, 0);
		file_end_write(vbd->file);
		if (ret == bytes && (req->flags & PVHV_BLK_F_FUA) &&
		    vfs_fsync_range(vbd->file, pos - bytes, pos - 1, 1))
			ret = -EIO;
		if (ret == bytes)
			atomic64_add(bytes, &vbd->write_bytes);
	} else if (nowait) {
		ret = vbd_read_cached(vbd, &iter, pos);
		/* Short: part of it is not cached.  The worker reads it all. */
		if (ret != bytes) {
			pvhv_grant_unmap_many(io->map, nr_segs);
			return VBD_AGAIN;
		}
		atomic64_add(bytes, &vbd->read_bytes);
	} else {
		ret = vfs_iter_read(vbd->file, &iter, &pos, 0);
		if (ret == bytes)
			atomic64_add(bytes, &vbd->read_bytes);
	}
	pvhv_grant_unmap_many(io->map, nr_segs);
	return ret == bytes ? 0 : -PVHV_EIO;
}

/* Serve @io: 0 or a negative PVHV error, or VBD_AGAIN if @nowait. */
static int vbd_do(struct pvhv_vbd *vbd, struct pvhv_vbd_io *io, bool nowait)
{
	const struct pvhv_blk_req *req = &io->req;

	if (req->flags & ~(PVHV_BLK_F_FUA | PVHV_BLK_F_INDIRECT))
		return -PVHV_EINVAL;
	if (nowait && (req->op != PVHV_BLK_OP_READ || !vbd->nowait))
		return VBD_AGAIN;
	switch (req->op) {
	case PVHV_BLK_OP_READ:
	case PVHV_BLK_OP_WRITE:
		return vbd_rw(vbd, io, nowait);
	}
	if (req->flags & PVHV_BLK_F_INDIRECT)
		return -PVHV_EINVAL;
	switch (req->op) {
	case PVHV_BLK_OP_FLUSH:
		atomic64_inc(&vbd->flushes);
		return vfs_fsync(vbd->file, 0) ? -PVHV_EIO : 0;
	case PVHV_BLK_OP_DISCARD:
		if (!vbd->discard)
			return -PVHV_EOPNOTSUPP;
		if (vbd->ro)
			return -PVHV_EPERM;
		if (!req->nr_sectors || req->sector >= vbd->sectors ||
		    req->nr_sectors > vbd->sectors - req->sector)
			return -PVHV_ERANGE;
		atomic64_inc(&vbd->discards);
		return vfs_fallocate(vbd->file,
				     FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				     req->sector << 9, req->nr_sectors << 9) ?
		       -PVHV_EIO : 0;
	}
	return -PVHV_EINVAL;
}

/*
 * Wake the thread: the event channel callback (under the event channel
 * lock), and a completion that made room.
 */
static void vbd_kick(void *data)
{
	struct pvhv_vbd *vbd = data;

	WRITE_ONCE(vbd->kicked, true);
	wake_up(&vbd->kick_wq);
}

static void vbd_notify(struct pvhv_vbd *vbd)
{
	atomic64_inc(&vbd->notifies);
	pvhv_evtchn_notify(vbd->dom, vbd->port);
}

static u64 vbd_hold_step(struct pvhv_vbd *vbd)
{
	return max_t(u64, vbd->hold_ns / 8, VBD_HOLD_MIN_NS / 2);
}

/* A hold runs: is it over? */
static enum hrtimer_restart vbd_hold_timer(struct hrtimer *t)
{
	struct pvhv_vbd *vbd = container_of(t, struct pvhv_vbd, hold_timer);
	u64 max = (u64)READ_ONCE(vbd_hold_max_us) * NSEC_PER_USEC;
	bool halted, over;
	u32 prod, event;

	if (!atomic_read(&vbd->notify_held))
		return HRTIMER_NORESTART;
	prod = READ_ONCE(vbd->back.sring->hdr.rsp_prod);
	smp_mb();		/* rsp_prod before rsp_event, as in back_push */
	event = READ_ONCE(vbd->back.sring->hdr.rsp_event);
	/* The frontend re-arms rsp_event one past the last answer it took. */
	if ((s32)(event - prod) > 0) {
		if (atomic_xchg(&vbd->notify_held, 0)) {
			atomic64_inc(&vbd->held_saved);
			vbd->hold_ns = min(vbd->hold_ns * 2, max);
		}
		return HRTIMER_NORESTART;
	}
	over = ktime_after(ktime_get(), vbd->hold_until);
	halted = pvhv_evtchn_guest_halted(vbd->dom);
	if (!over && !halted) {
		hrtimer_forward_now(t, ns_to_ktime(vbd_hold_step(vbd)));
		return HRTIMER_RESTART;
	}
	if (!atomic_xchg(&vbd->notify_held, 0))
		return HRTIMER_NORESTART;
	/* Busy all along, and it did not take them: hold less. */
	if (!halted)
		vbd->hold_ns = max_t(u64, vbd->hold_ns / 2, VBD_HOLD_MIN_NS);
	vbd_notify(vbd);
	return HRTIMER_NORESTART;
}

/*
 * A notification is due (under rsp_lock, which orders the pushes; the
 * timer only clears notify_held): true if it is held instead.  Once held,
 * it is owed until the timer has looked, and pushes meanwhile leave it to
 * the timer, unless the guest stopped running.
 */
static bool vbd_hold(struct pvhv_vbd *vbd)
{
	u64 max = (u64)READ_ONCE(vbd_hold_max_us) * NSEC_PER_USEC;

	if (!max || !pvhv_evtchn_guest_running(vbd->dom)) {
		/* It waits for us: the held one goes now, with this one. */
		if (atomic_xchg(&vbd->notify_held, 0))
			hrtimer_try_to_cancel(&vbd->hold_timer);
		return false;
	}
	if (atomic_read(&vbd->notify_held))
		return true;
	atomic_set(&vbd->notify_held, 1);
	atomic64_inc(&vbd->held);
	vbd->hold_ns = clamp_t(u64, vbd->hold_ns, VBD_HOLD_MIN_NS, max);
	vbd->hold_until = ktime_add_ns(ktime_get(), vbd->hold_ns);
	hrtimer_start(&vbd->hold_timer, ns_to_ktime(vbd_hold_step(vbd)),
		      HRTIMER_MODE_REL_SOFT);
	return true;
}

/* Answer @io with @status, and free it. */
static void vbd_finish(struct pvhv_vbd *vbd, struct pvhv_vbd_io *io,
		       int status)
{
	struct pvhv_blk_rsp *rsp;
	int notify;

	if (status)
		atomic64_inc(&vbd->errors);

	spin_lock(&vbd->rsp_lock);
	rsp = pvhv_blk_back_rsp(&vbd->back, vbd->back.rsp_prod_pvt++);
	*rsp = (struct pvhv_blk_rsp){
		.id = io->req.id, .op = io->req.op, .status = status,
	};
	notify = pvhv_blk_back_push(&vbd->back) && !vbd_hold(vbd);
	spin_unlock(&vbd->rsp_lock);
	if (notify)
		vbd_notify(vbd);
	kvfree(io);
	/* The thread may be waiting for room. */
	if (atomic_dec_return(&vbd->in_flight) == VBD_MAX_IN_FLIGHT - 1)
		vbd_kick(vbd);
}

static void vbd_io_work(struct work_struct *work)
{
	struct pvhv_vbd_io *io = container_of(work, struct pvhv_vbd_io, work);

	vbd_finish(io->vbd, io, vbd_do(io->vbd, io, false));
}

/*
 * A read whose data is in the host's page cache takes a few microseconds:
 * the thread does it itself rather than wake a worker (a context switch,
 * often on the CPU that runs the guest).  Anything else goes to a worker.
 */
static void vbd_start(struct pvhv_vbd *vbd, struct pvhv_vbd_io *io)
{
	int status = vbd_do(vbd, io, true);

	if (status != VBD_AGAIN) {
		atomic64_inc(&vbd->inline_reqs);
		vbd_finish(vbd, io, status);
		return;
	}
	INIT_WORK(&io->work, vbd_io_work);
	queue_work(vbd->io_wq, &io->work);
}

/*
 * Look at the ring for up to vbd->poll_ns: true if the guest pushed a
 * request.  Only the index is read here; vbd_pending() checks it.  The
 * time comes from local_clock(), as cheap as the CPU's cycle counter:
 * the clocksource behind ktime_get_ns() may be a device register (the
 * HPET, where the TSC is unstable), and reading it in a loop costs the
 * other CPUs.  It is CPU-local, which is precise enough for a window.
 */
static bool vbd_poll(struct pvhv_vbd *vbd)
{
	u64 start = local_clock(), now = start;

	while (now - start < vbd->poll_ns && now >= start &&
	       !kthread_should_stop()) {
		if (READ_ONCE(vbd->back.sring->hdr.req_prod) !=
		    vbd->back.req_cons)
			return true;
		cond_resched();
		cpu_relax();
		now = local_clock();
	}
	return false;
}

/* Adapt the window to the last gap between requests, @idle_ns. */
static void vbd_poll_adapt(struct pvhv_vbd *vbd, u64 idle_ns)
{
	u64 max = (u64)READ_ONCE(vbd_poll_max_us) * NSEC_PER_USEC;

	if (idle_ns > max)
		vbd->poll_ns /= 2;
	else if (idle_ns > vbd->poll_ns)
		vbd->poll_ns = max(vbd->poll_ns * 2, VBD_POLL_START_NS);
	vbd->poll_ns = min(vbd->poll_ns, max);
}

/* Requests waiting in the ring, or -1 for a hostile producer index. */
static s64 vbd_pending(struct pvhv_vbd *vbd, bool final)
{
	s64 n;

	/* rsp_prod_pvt moves under rsp_lock; req_pending reads it. */
	spin_lock(&vbd->rsp_lock);
	n = final ? pvhv_blk_back_final_check(&vbd->back) :
		    pvhv_blk_back_req_pending(&vbd->back);
	spin_unlock(&vbd->rsp_lock);
	return n;
}

/*
 * Copy the next request off the ring into a new io, with room for as many
 * segments as it claims (bounded; vbd_rw() checks the claim).
 */
static struct pvhv_vbd_io *vbd_take_request(struct pvhv_vbd *vbd)
{
	struct pvhv_blk_req req;
	struct pvhv_vbd_io *io;
	unsigned int n;

	memcpy(&req, pvhv_blk_back_req(&vbd->back, vbd->back.req_cons),
	       sizeof(req));
	n = req.flags & PVHV_BLK_F_INDIRECT ? req.nr_indirect_segs :
					      req.nr_segs;
	n = min_t(unsigned int, n, PVHV_BLK_MAX_INDIRECT_SEGS);
	io = kvzalloc(struct_size(io, seg, n) +
		      n * (sizeof(io->map[0]) + sizeof(io->bvec[0])),
		      GFP_KERNEL);
	if (!io)
		return NULL;
	io->vbd = vbd;
	io->req = req;
	io->max_segs = n;
	io->map = (void *)&io->seg[n];
	io->bvec = (void *)&io->map[n];
	vbd->back.req_cons++;
	return io;
}

static int vbd_thread(void *arg)
{
	struct pvhv_vbd *vbd = arg;
	struct pvhv_vbd_io *io;
	u64 idle_since = 0;	/* when the ring ran empty, if it did */
	s64 n = 0;

	while (!kthread_should_stop()) {
		wait_event_interruptible(vbd->kick_wq, READ_ONCE(vbd->kicked) ||
					 kthread_should_stop());
		/* Orders the clear before reading in_flight and the ring. */
		smp_store_mb(vbd->kicked, false);
		while (!kthread_should_stop()) {
			/* A completion kicks us when there is room again. */
			if (atomic_read(&vbd->in_flight) >= VBD_MAX_IN_FLIGHT)
				break;
			n = vbd_pending(vbd, false);
			if (n == 0 && !idle_since) {
				idle_since = ktime_get_ns();
				if (vbd_poll(vbd)) {
					atomic64_inc(&vbd->polled);
					continue;
				}
			}
			if (n == 0)
				n = vbd_pending(vbd, true);
			if (n <= 0)
				break;
			if (idle_since) {
				vbd_poll_adapt(vbd, ktime_get_ns() - idle_since);
				idle_since = 0;
			}
			io = vbd_take_request(vbd);
			if (!io) {
				/* Answered once memory is back. */
				WRITE_ONCE(vbd->kicked, true);
				msleep(20);
				break;
			}
			atomic64_inc(&vbd->requests);
			atomic_inc(&vbd->in_flight);
			vbd_start(vbd, io);
		}
		if (n < 0) {
			/* The guest broke the ring: serve nothing more. */
			pr_warn_ratelimited("pvhv: %s: vbd%u: bad ring producer index, disk stopped\n",
					    kobject_name(&vbd->dom->kobj),
					    vbd->index);
			atomic64_inc(&vbd->errors);
			WRITE_ONCE(vbd->broken, true);
			while (!kthread_should_stop())
				schedule_timeout_interruptible(HZ);
		}
	}
	return 0;
}

/* ---- connection ---- */

static void vbd_unmap_ring(struct pvhv_vbd *vbd)
{
	int i;

	if (vbd->ring_va)
		vunmap(vbd->ring_va);
	vbd->ring_va = NULL;
	for (i = 0; i < PVHV_VBD_MAX_RING_PAGES; i++)
		pvhv_grant_unmap(&vbd->ring_map[i]);
}

static void vbd_disconnect(struct pvhv_vbd *vbd)
{
	mutex_lock(&vbd->lock);
	if (vbd->connected) {
		pvhv_evtchn_unbind_host(vbd->dom, vbd->port, vbd);
		kthread_stop(vbd->thread);
		/* Runs the requests in flight to completion. */
		destroy_workqueue(vbd->io_wq);
		WARN_ON_ONCE(atomic_read(&vbd->in_flight));
		/* No more answers: nothing arms it again. */
		hrtimer_cancel(&vbd->hold_timer);
		vbd_unmap_ring(vbd);
		vbd->connected = false;
		vbd->broken = false;
		atomic_dec(&pvhv_vbd_connected);
	}
	mutex_unlock(&vbd->lock);
}

static int vbd_connect(struct pvhv_vbd *vbd, const struct pvhv_vbd_connect *c)
{
	struct page *pages[PVHV_VBD_MAX_RING_PAGES];
	u32 n = c->nr_ring_pages;
	int i, ret;

	if (!n || n > PVHV_VBD_MAX_RING_PAGES || (n & (n - 1)))
		return -PVHV_EINVAL;
	mutex_lock(&vbd->lock);
	if (vbd->connected) {
		ret = -PVHV_EBUSY;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = pvhv_grant_map(vbd->dom, c->ring_ref[i], PVHV_DOMID_HOST,
				     true, &vbd->ring_map[i]);
		if (ret)
			goto err_unmap;
		pages[i] = vbd->ring_map[i].pin.page;
	}
	vbd->ring_va = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!vbd->ring_va) {
		ret = -PVHV_ENOMEM;
		goto err_unmap;
	}
	pvhv_blk_back_init(&vbd->back, vbd->ring_va, n * PAGE_SIZE);
	vbd->io_wq = alloc_workqueue("pvhv-vbd%llu.%u", WQ_UNBOUND, 16,
				     vbd->dom->id, vbd->index);
	if (!vbd->io_wq) {
		ret = -PVHV_ENOMEM;
		goto err_unmap;
	}
	vbd->kicked = true;		/* look at the ring once at start */
	atomic_set(&vbd->notify_held, 0);
	vbd->hold_ns = (u64)READ_ONCE(vbd_hold_max_us) * NSEC_PER_USEC;
	ret = pvhv_evtchn_bind_host(vbd->dom, c->port, vbd_kick, vbd);
	if (ret)	/* -ENOENT (not a port unbound for the host), -ENODEV, -EINVAL */
		goto err_wq;
	/*
	 * The port before the thread: its first look at the ring may answer
	 * requests already there, and must notify this connection's port,
	 * not the previous one's.  vbd_kick() needs no thread yet.
	 */
	vbd->port = c->port;
	vbd->thread = kthread_run(vbd_thread, vbd, "pvhv-vbd%llu.%u",
				  vbd->dom->id, vbd->index);
	if (IS_ERR(vbd->thread)) {
		pvhv_evtchn_unbind_host(vbd->dom, c->port, vbd);
		ret = -PVHV_ENOMEM;
		goto err_wq;
	}
	vbd->nr_ring_pages = n;
	vbd->connected = true;
	atomic_inc(&pvhv_vbd_connected);
	mutex_unlock(&vbd->lock);
	return 0;

err_wq:
	/* No thread ran: no request was started, no notification held. */
	destroy_workqueue(vbd->io_wq);
	hrtimer_cancel(&vbd->hold_timer);
err_unmap:
	vbd_unmap_ring(vbd);
out:
	mutex_unlock(&vbd->lock);
	return ret;
}

/* ---- hypercalls ---- */

/* The caller's disk @index with a kobject reference, or NULL. */
static struct pvhv_vbd *vbd_get(struct pvhv_domain *dom, u64 index)
{
	struct pvhv_vbd *vbd = NULL;

	if (index >= PVHV_VBD_MAX_DISKS)
		return NULL;
	/* A guest's number: no speculative read past the array either. */
	index = array_index_nospec(index, PVHV_VBD_MAX_DISKS);
	mutex_lock(&pvhv_vbd_lock);
	if (dom->vbd)
		vbd = dom->vbd->vbd[index];
	if (vbd)
		kobject_get(&vbd->kobj);
	mutex_unlock(&pvhv_vbd_lock);
	return vbd;
}

/* vbd_info(index, gpa) */
static long hc_vbd_info(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[1];
	struct pvhv_vbd_info info = {};
	struct pvhv_vbd *vbd;

	if ((gpa & ~PAGE_MASK) + sizeof(info) > PAGE_SIZE)
		return -PVHV_EINVAL;
	vbd = vbd_get(ctx->dom, ctx->args[0]);
	if (!vbd)
		return -PVHV_ENOENT;
	info.sectors = vbd->sectors;
	info.flags = PVHV_VBD_FLUSH | (vbd->ro ? PVHV_VBD_READONLY : 0) |
		     (vbd->discard ? PVHV_VBD_DISCARD : 0) |
		     (READ_ONCE(vbd->connected) ? PVHV_VBD_CONNECTED : 0);
	info.max_ring_pages = PVHV_VBD_MAX_RING_PAGES;
	info.max_segments = PVHV_BLK_MAX_SEGS;
	info.max_indirect_segs = PVHV_BLK_MAX_INDIRECT_SEGS;
	kobject_put(&vbd->kobj);
	if (kvm_vcpu_write_guest(ctx->vcpu, gpa, &info, sizeof(info)))
		return -PVHV_EFAULT;
	return 0;
}

/* vbd_connect(index, gpa) */
static long hc_vbd_connect(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_vbd_connect c;
	struct pvhv_vbd *vbd;
	long ret;

	if (kvm_vcpu_read_guest(ctx->vcpu, ctx->args[1], &c, sizeof(c)))
		return -PVHV_EFAULT;
	vbd = vbd_get(ctx->dom, ctx->args[0]);
	if (!vbd)
		return -PVHV_ENOENT;
	ret = vbd_connect(vbd, &c);
	kobject_put(&vbd->kobj);
	return ret;
}

/* vbd_disconnect(index) */
static long hc_vbd_disconnect(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_vbd *vbd = vbd_get(ctx->dom, ctx->args[0]);

	if (!vbd)
		return -PVHV_ENOENT;
	vbd_disconnect(vbd);
	kobject_put(&vbd->kobj);
	return 0;
}

/* ---- sysfs: domains/<name>/vbd<index>/ ---- */

#define to_vbd(k) container_of(k, struct pvhv_vbd, kobj)

static ssize_t backing_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vbd(kobj)->path);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *a,
			  char *buf)
{
	struct pvhv_vbd *vbd = to_vbd(kobj);

	return sysfs_emit(buf, "%s\n", READ_ONCE(vbd->broken) ? "broken" :
			  READ_ONCE(vbd->connected) ? "connected" : "attached");
}

#define VBD_ATTR(name, expr)						\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *a, \
			   char *buf)					\
{									\
	struct pvhv_vbd *vbd = to_vbd(kobj);				\
									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(expr));	\
}									\
static struct kobj_attribute vbd_##name##_attr = __ATTR_RO(name)

VBD_ATTR(sectors, vbd->sectors);
VBD_ATTR(readonly, vbd->ro);
VBD_ATTR(ring_pages, READ_ONCE(vbd->connected) ? vbd->nr_ring_pages : 0);
VBD_ATTR(in_flight, atomic_read(&vbd->in_flight));
VBD_ATTR(requests, atomic64_read(&vbd->requests));
VBD_ATTR(errors, atomic64_read(&vbd->errors));
VBD_ATTR(read_bytes, atomic64_read(&vbd->read_bytes));
VBD_ATTR(write_bytes, atomic64_read(&vbd->write_bytes));
VBD_ATTR(flushes, atomic64_read(&vbd->flushes));
VBD_ATTR(discards, atomic64_read(&vbd->discards));
VBD_ATTR(polled, atomic64_read(&vbd->polled));
VBD_ATTR(served_inline, atomic64_read(&vbd->inline_reqs));
VBD_ATTR(notifies, atomic64_read(&vbd->notifies));
VBD_ATTR(held, atomic64_read(&vbd->held));
VBD_ATTR(held_saved, atomic64_read(&vbd->held_saved));
static struct kobj_attribute vbd_backing_attr = __ATTR_RO(backing);
static struct kobj_attribute vbd_state_attr = __ATTR_RO(state);

static struct attribute *pvhv_vbd_attrs[] = {
	&vbd_backing_attr.attr,
	&vbd_state_attr.attr,
	&vbd_sectors_attr.attr,
	&vbd_readonly_attr.attr,
	&vbd_ring_pages_attr.attr,
	&vbd_in_flight_attr.attr,
	&vbd_requests_attr.attr,
	&vbd_errors_attr.attr,
	&vbd_read_bytes_attr.attr,
	&vbd_write_bytes_attr.attr,
	&vbd_flushes_attr.attr,
	&vbd_discards_attr.attr,
	&vbd_polled_attr.attr,
	&vbd_served_inline_attr.attr,
	&vbd_notifies_attr.attr,
	&vbd_held_attr.attr,
	&vbd_held_saved_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pvhv_vbd);

static void pvhv_vbd_release(struct kobject *kobj)
{
	struct pvhv_vbd *vbd = to_vbd(kobj);

	if (vbd->file)
		fput(vbd->file);
	kfree(vbd->path);
	kfree(vbd);
	atomic_dec(&pvhv_vbd_attached);
}

static const struct kobj_type pvhv_vbd_ktype = {
	.release = pvhv_vbd_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = pvhv_vbd_groups,
};

/* ---- attach and detach ---- */

/* "PATH" or "PATH ro": the new disk's index, or a negative errno. */
static int vbd_attach(struct pvhv_domain *dom, const char *spec)
{
	struct pvhv_vbd *vbd;
	struct inode *inode;
	char *path, *sp;
	int idx, ret;
	bool ro = false;

	path = kstrdup(spec, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	strim(path);
	sp = strchr(path, ' ');
	if (sp) {
		*sp++ = '\0';
		if (strcmp(strim(sp), "ro")) {
			kfree(path);
			return -EINVAL;
		}
		ro = true;
	}
	if (path[0] != '/') {
		kfree(path);
		return -EINVAL;
	}
	vbd = kzalloc(sizeof(*vbd), GFP_KERNEL_ACCOUNT);
	if (!vbd) {
		kfree(path);
		return -ENOMEM;
	}
	vbd->path = path;
	vbd->ro = ro;
	vbd->dom = dom;
	mutex_init(&vbd->lock);
	spin_lock_init(&vbd->rsp_lock);
	hrtimer_init(&vbd->hold_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	vbd->hold_timer.function = vbd_hold_timer;
	init_waitqueue_head(&vbd->kick_wq);
	kobject_init(&vbd->kobj, &pvhv_vbd_ktype);
	atomic_inc(&pvhv_vbd_attached);	/* undone by the release */

	vbd->file = filp_open(path, (ro ? O_RDONLY : O_RDWR) | O_LARGEFILE, 0);
	if (IS_ERR(vbd->file)) {
		ret = PTR_ERR(vbd->file);
		vbd->file = NULL;
		goto err;
	}
	inode = file_inode(vbd->file);
	if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode)) {
		ret = -EINVAL;
		goto err;
	}
	vbd->sectors = i_size_read(vbd->file->f_mapping->host) >> 9;
	vbd->discard = S_ISREG(inode->i_mode) && vbd->file->f_op->fallocate;
	vbd->nowait = vbd->file->f_mode & FMODE_NOWAIT;
	if (!vbd->sectors) {
		ret = -EINVAL;
		goto err;
	}

	mutex_lock(&pvhv_vbd_lock);
	/* After destroy detached everything, a disk would never go. */
	if (READ_ONCE(dom->destroyed)) {
		mutex_unlock(&pvhv_vbd_lock);
		ret = -ENODEV;
		goto err;
	}
	if (!dom->vbd)
		dom->vbd = kzalloc(sizeof(*dom->vbd), GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	for (idx = 0; dom->vbd && idx < PVHV_VBD_MAX_DISKS; idx++)
		if (!dom->vbd->vbd[idx])
			break;
	if (dom->vbd && idx == PVHV_VBD_MAX_DISKS)
		ret = -ENOSPC;
	else if (dom->vbd)
		ret = kobject_add(&vbd->kobj, &dom->kobj, "vbd%d", idx);
	if (!ret) {
		vbd->index = idx;
		dom->vbd->vbd[idx] = vbd;
	}
	mutex_unlock(&pvhv_vbd_lock);
	if (ret)
		goto err;
	return idx;
err:
	kobject_put(&vbd->kobj);
	return ret;
}

static int vbd_detach(struct pvhv_domain *dom, unsigned int idx)
{
	struct pvhv_vbd *vbd = NULL;

	mutex_lock(&pvhv_vbd_lock);
	if (dom->vbd && idx < PVHV_VBD_MAX_DISKS) {
		vbd = dom->vbd->vbd[idx];
		dom->vbd->vbd[idx] = NULL;
	}
	mutex_unlock(&pvhv_vbd_lock);
	if (!vbd)
		return -ENOENT;
	vbd_disconnect(vbd);
	kobject_del(&vbd->kobj);
	kobject_put(&vbd->kobj);
	return 0;
}

static ssize_t attach_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	int ret = vbd_attach(kobj_to_domain(kobj), buf);

	return ret < 0 ? ret : count;
}

static ssize_t detach_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	unsigned int idx;
	int ret;

	ret = kstrtouint(buf, 10, &idx);
	if (!ret)
		ret = vbd_detach(kobj_to_domain(kobj), idx);
	return ret < 0 ? ret : count;
}

static struct kobj_attribute vbd_attach_attr = __ATTR_WO(attach);
static struct kobj_attribute vbd_detach_attr = __ATTR_WO(detach);

static struct attribute *pvhv_block_attrs[] = {
	&vbd_attach_attr.attr,
	&vbd_detach_attr.attr,
	NULL,
};

static const struct attribute_group pvhv_block_attr_group = {
	.name = "block",
	.attrs = pvhv_block_attrs,
};

/* /sys/kernel/pvhv/block/{attached,connected}: all domains. */
static ssize_t attached_show(struct kobject *kobj, struct kobj_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pvhv_vbd_attached));
}

static ssize_t connected_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pvhv_vbd_connected));
}

static struct kobj_attribute vbd_attached_attr = __ATTR_RO(attached);
static PVHV_UINT_ATTR(poll_max_us, vbd_poll_max_us, VBD_POLL_MAX_US_LIMIT);
static PVHV_UINT_ATTR(hold_max_us, vbd_hold_max_us, VBD_HOLD_MAX_US_LIMIT);
static struct kobj_attribute vbd_connected_attr = __ATTR_RO(connected);

static struct attribute *pvhv_block_global_attrs[] = {
	&vbd_attached_attr.attr,
	&vbd_connected_attr.attr,
	&pvhv_uint_attr_poll_max_us.kattr.attr,
	&pvhv_uint_attr_hold_max_us.kattr.attr,
	NULL,
};

static const struct attribute_group pvhv_block_global_group = {
	.name = "block",
	.attrs = pvhv_block_global_attrs,
};

/* ---- domain lifetime ---- */

static int vbd_domain_create(struct pvhv_domain *dom)
{
	return sysfs_create_group(&dom->kobj, &pvhv_block_attr_group);
}

static void vbd_domain_teardown(struct pvhv_domain *dom, struct kvm *kvm)
{
	struct pvhv_vbd *vbd;
	int i;

	/* The VM is gone: stop every backend; the disks stay attached. */
	for (i = 0; i < PVHV_VBD_MAX_DISKS; i++) {
		vbd = vbd_get(dom, i);
		if (vbd) {
			vbd_disconnect(vbd);
			kobject_put(&vbd->kobj);
		}
	}
}

static void vbd_domain_destroy(struct pvhv_domain *dom)
{
	int i;

	for (i = 0; i < PVHV_VBD_MAX_DISKS; i++)
		vbd_detach(dom, i);
	mutex_lock(&pvhv_vbd_lock);
	kfree(dom->vbd);
	dom->vbd = NULL;
	mutex_unlock(&pvhv_vbd_lock);
}

static struct pvhv_domain_ops pvhv_vbd_domain_ops = {
	.create = vbd_domain_create,
	.teardown = vbd_domain_teardown,
	.destroy = vbd_domain_destroy,
};

/* ---- init ---- */

static const struct pvhv_hc_desc pvhv_vbd_hcs[] = {
	{ PVHV_HC_VBD_INFO, "vbd_info", hc_vbd_info },
	{ PVHV_HC_VBD_CONNECT, "vbd_connect", hc_vbd_connect },
	{ PVHV_HC_VBD_DISCONNECT, "vbd_disconnect", hc_vbd_disconnect },
};

int pvhv_blkback_init(void)
{
	int ret;

	BUILD_BUG_ON(PVHV_BLK_MAX_INDIRECT_SEGS * sizeof(struct pvhv_blk_seg) >
		     PAGE_SIZE);
	ret = sysfs_create_group(pvhv_kobj, &pvhv_block_global_group);
	if (ret)
		return ret;
	ret = pvhv_hc_register_all(pvhv_vbd_hcs, ARRAY_SIZE(pvhv_vbd_hcs));
	if (ret) {
		sysfs_remove_group(pvhv_kobj, &pvhv_block_global_group);
		return ret;
	}
	pvhv_domain_ops_register(&pvhv_vbd_domain_ops);
	return 0;
}

void pvhv_blkback_exit(void)
{
	pvhv_domain_ops_unregister(&pvhv_vbd_domain_ops);
	sysfs_remove_group(pvhv_kobj, &pvhv_block_global_group);
	pvhv_hc_unregister_all(pvhv_vbd_hcs, ARRAY_SIZE(pvhv_vbd_hcs));
}
