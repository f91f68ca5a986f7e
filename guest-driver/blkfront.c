// SPDX-License-Identifier: GPL-2.0
/*
 * The PV block frontend: one blk-mq disk, /dev/pvblk<N>, per disk the host
 * attached to this domain (include/uapi/pvhv/blkif.h).
 *
 * Each request becomes one ring request.  Its data pages are granted to
 * the host as they are (zero copy), each segment a run of 512-byte sectors
 * within one page; the queue limits make the block layer build requests
 * that fit.  A request of more than PVHV_BLK_MAX_SEGS segments (up to
 * 1 MiB) goes indirect: its segments are written to a page of its own,
 * granted to the host once when the request is set up.  The backend
 * answers after it has unmapped the grants, so a response ends them.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <pvhv/pvhv.h>
#include <pvhv/blkif.h>

#include "../pvhv/compat.h"
#include "hypercall.h"
#include "events.h"
#include "grants.h"
#include "blkfront.h"

static unsigned int ring_pages = 1;
module_param(ring_pages, uint, 0444);
MODULE_PARM_DESC(ring_pages, "ring pages per disk: 1, 2, 4 or 8 (32 requests each)");

static unsigned int indirect_segs = PVHV_BLK_MAX_INDIRECT_SEGS;
module_param(indirect_segs, uint, 0444);
MODULE_PARM_DESC(indirect_segs, "most segments (pages) of an indirect request, up to 256; 11 or less: no indirect requests");

static bool reap_on_queue = true;
module_param(reap_on_queue, bool, 0644);
MODULE_PARM_DESC(reap_on_queue, "take the answers there are each time a request is queued (default on)");

#define PVBLK_MINORS	16

struct pvblk_cmd {
	int nr_grefs;
	int gref[PVHV_BLK_MAX_INDIRECT_SEGS];
	struct pvhv_blk_seg *indirect;	/* indirect requests: the page */
	int indirect_ref;		/* and its grant to the host */
	bool in_flight;			/* on the ring; under ring_lock */
};

struct pvblk {
	unsigned int index;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	spinlock_t ring_lock;		/* front ring, both directions */
	struct pvhv_blk_front front;
	void *ring;
	unsigned int nr_ring_pages;
	int ring_ref[PVHV_VBD_MAX_RING_PAGES];
	int port;
	unsigned int max_segs;		/* per request */
	bool indirect;			/* max_segs > PVHV_BLK_MAX_SEGS */
	struct pvhv_vbd_info info;
};

static int pvblk_major;
static struct pvblk *pvblk_disks[PVHV_VBD_MAX_DISKS];

static void pvblk_end_grants(struct pvblk_cmd *cmd)
{
	while (cmd->nr_grefs)
		pvhv_grant_end(cmd->gref[--cmd->nr_grefs]);
}

/* Fill @r with @rq's segments; 0 or a blk status. */
static blk_status_t pvblk_map(struct pvblk *pb, struct request *rq,
			      struct pvblk_cmd *cmd, struct pvhv_blk_req *r,
			      bool readonly)
{
	struct pvhv_blk_seg *seg = pb->indirect ? cmd->indirect : r->seg;
	unsigned long last_pfn = 0;
	struct req_iterator iter;
	struct bio_vec bv;
	int n = -1, ref;

	rq_for_each_segment(bv, rq, iter) {
		struct pvhv_blk_seg *s = n >= 0 ? &seg[n] : NULL;

		if ((bv.bv_offset | bv.bv_len) & 511)
			return BLK_STS_IOERR;
		/* The next sectors of the same page extend the segment. */
		if (s && page_to_pfn(bv.bv_page) == last_pfn &&
		    bv.bv_offset == (s->last_sect + 1) * 512) {
			s->last_sect += bv.bv_len / 512;
			continue;
		}
		if (++n >= pb->max_segs)
			return BLK_STS_IOERR;
		ref = pvhv_grant_page(bv.bv_page, PVHV_DOMID_HOST, readonly);
		if (ref < 0)
			return BLK_STS_RESOURCE;	/* retried later */
		cmd->gref[cmd->nr_grefs++] = ref;
		seg[n] = (struct pvhv_blk_seg){
			.gref = ref,
			.first_sect = bv.bv_offset / 512,
			.last_sect = (bv.bv_offset + bv.bv_len) / 512 - 1,
		};
		last_pfn = page_to_pfn(bv.bv_page);
	}
	if (++n == 0)
		return BLK_STS_IOERR;
	if (n <= PVHV_BLK_MAX_SEGS) {
		if (seg != r->seg)
			memcpy(r->seg, seg, n * sizeof(*seg));
		r->nr_segs = n;
	} else {
		r->flags |= PVHV_BLK_F_INDIRECT;
		r->nr_segs = 1;
		r->nr_indirect_segs = n;
		r->seg[0] = (struct pvhv_blk_seg){ .gref = cmd->indirect_ref };
	}
	return BLK_STS_OK;
}

/*
 * Take every response and re-arm rsp_event, under ring_lock: from the
 * event handler, and from pvblk_queue_rq() after each request, so that a
 * guest that keeps queueing sees its answers without an upcall (the
 * backend holds the event back a while for that: Documentation/block.rst).
 */
static void pvblk_take_responses(struct pvblk *pb)
{
	struct pvhv_blk_rsp rsp;
	struct pvblk_cmd *cmd;
	struct request *rq;

	do {
		while (pvhv_blk_front_rsp_pending(&pb->front)) {
			rsp = *pvhv_blk_front_rsp(&pb->front,
						  pb->front.rsp_cons++);
			if (rsp.id >= pb->tag_set.queue_depth)
				continue;	/* not one of ours */
			rq = blk_mq_tag_to_rq(pb->tag_set.tags[0], rsp.id);
			if (!rq)
				continue;
			cmd = blk_mq_rq_to_pdu(rq);
			/*
			 * A response for a request that is not on the ring
			 * (answered twice): completing it would end a request
			 * blk-mq has freed or given to someone else.
			 */
			if (!cmd->in_flight) {
				pr_warn_ratelimited("pvblk%u: response %llu for no request in flight, ignored\n",
						    pb->index, (unsigned long long)rsp.id);
				continue;
			}
			cmd->in_flight = false;
			pvblk_end_grants(cmd);
			blk_mq_end_request(rq, rsp.status ? BLK_STS_IOERR :
					   BLK_STS_OK);
		}
	} while (pvhv_blk_front_final_check(&pb->front));
}

static blk_status_t pvblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct pvblk *pb = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct pvblk_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct pvhv_blk_req r = { .id = rq->tag, .sector = blk_rq_pos(rq) };
	blk_status_t st = BLK_STS_OK;
	unsigned long flags;
	int notify;

	cmd->nr_grefs = 0;
	switch (req_op(rq)) {
	case REQ_OP_READ:
		r.op = PVHV_BLK_OP_READ;
		st = pvblk_map(pb, rq, cmd, &r, false);
		break;
	case REQ_OP_WRITE:
		r.op = PVHV_BLK_OP_WRITE;
		r.flags = (rq->cmd_flags & REQ_FUA) ? PVHV_BLK_F_FUA : 0;
		st = pvblk_map(pb, rq, cmd, &r, true);
		break;
	case REQ_OP_FLUSH:
		r.op = PVHV_BLK_OP_FLUSH;
		break;
	case REQ_OP_DISCARD:
		r.op = PVHV_BLK_OP_DISCARD;
		r.nr_sectors = blk_rq_sectors(rq);
		break;
	default:
		st = BLK_STS_NOTSUPP;
	}
	if (st != BLK_STS_OK) {
		pvblk_end_grants(cmd);
		return st;
	}

	blk_mq_start_request(rq);
	spin_lock_irqsave(&pb->ring_lock, flags);
	cmd->in_flight = true;
	/* blk-mq never has more requests out than the ring has slots. */
	*pvhv_blk_front_req(&pb->front, pb->front.req_prod_pvt++) = r;
	notify = pvhv_blk_front_push(&pb->front);
	if (reap_on_queue)
		pvblk_take_responses(pb);
	spin_unlock_irqrestore(&pb->ring_lock, flags);
	if (notify)
		pvhv_event_send(pb->port);
	return BLK_STS_OK;
}

/* Event handler, in hard interrupt context. */
static void pvblk_event(unsigned int port, void *data)
{
	struct pvblk *pb = data;
	unsigned long flags;

	spin_lock_irqsave(&pb->ring_lock, flags);
	pvblk_take_responses(pb);
	spin_unlock_irqrestore(&pb->ring_lock, flags);
}

/* Each request's indirect page, granted to the host for its lifetime. */
static int pvblk_init_request(struct blk_mq_tag_set *set, struct request *rq,
			      unsigned int hctx_idx, unsigned int numa_node)
{
	struct pvblk *pb = set->driver_data;
	struct pvblk_cmd *cmd = blk_mq_rq_to_pdu(rq);
	int ref;

	if (!pb->indirect)
		return 0;
	cmd->indirect = (void *)get_zeroed_page(GFP_KERNEL);
	if (!cmd->indirect)
		return -ENOMEM;
	ref = pvhv_grant_page(virt_to_page(cmd->indirect), PVHV_DOMID_HOST,
			      true);
	if (ref < 0) {
		free_page((unsigned long)cmd->indirect);
		cmd->indirect = NULL;
		return -ENOSPC;
	}
	cmd->indirect_ref = ref;
	return 0;
}

static void pvblk_exit_request(struct blk_mq_tag_set *set, struct request *rq,
			       unsigned int hctx_idx)
{
	struct pvblk_cmd *cmd = blk_mq_rq_to_pdu(rq);

	if (!cmd->indirect)
		return;
	/* Disconnected by now: the backend holds no mapping of it. */
	pvhv_grant_end(cmd->indirect_ref);
	free_page((unsigned long)cmd->indirect);
	cmd->indirect = NULL;
}

static const struct blk_mq_ops pvblk_mq_ops = {
	.queue_rq = pvblk_queue_rq,
	.init_request = pvblk_init_request,
	.exit_request = pvblk_exit_request,
};

static const struct block_device_operations pvblk_fops = {
	.owner = THIS_MODULE,
};

static int pvblk_connect(struct pvblk *pb)
{
	struct pvhv_vbd_connect *c;
	long ret;
	int i;

	pb->nr_ring_pages = ring_pages;
	pb->ring = alloc_pages_exact(pb->nr_ring_pages * PAGE_SIZE,
				     GFP_KERNEL | __GFP_ZERO);
	c = (void *)get_zeroed_page(GFP_KERNEL);
	if (!pb->ring || !c) {
		ret = -ENOMEM;
		goto out;
	}
	pvhv_blk_front_init(&pb->front, pb->ring, pb->nr_ring_pages * PAGE_SIZE);
	for (i = 0; i < pb->nr_ring_pages; i++) {
		ret = pvhv_grant_page(virt_to_page(pb->ring + i * PAGE_SIZE),
				      PVHV_DOMID_HOST, false);
		if (ret < 0)
			goto out;
		pb->ring_ref[i] = ret;
		c->ring_ref[i] = ret;
	}
	ret = pvhv_event_alloc_unbound(PVHV_DOMID_HOST, pvblk_event, pb);
	if (ret < 0)
		goto out;
	pb->port = ret;
	c->nr_ring_pages = pb->nr_ring_pages;
	c->port = pb->port;
	ret = pvhv_hypercall(PVHV_HC_VBD_CONNECT, pb->index, __pa(c), 0);
	if (ret) {
		pr_err("pvhv-guest: pvblk%u: connect failed (%ld)\n", pb->index,
		       ret);
		ret = -EIO;
	}
out:
	free_page((unsigned long)c);
	return ret;
}

static void pvblk_free(struct pvblk *pb)
{
	int i;

	if (pb->port > 0)
		pvhv_event_close(pb->port);
	for (i = 0; i < PVHV_VBD_MAX_RING_PAGES; i++)
		if (pb->ring_ref[i] > 0)
			pvhv_grant_end(pb->ring_ref[i]);
	if (pb->ring)
		free_pages_exact(pb->ring, pb->nr_ring_pages * PAGE_SIZE);
	kfree(pb);
}

static int pvblk_probe(unsigned int index, struct pvhv_vbd_info *info)
{
	struct pvhv_blk_limits lim = {};
	struct pvblk *pb;
	int ret;

	pb = kzalloc(sizeof(*pb), GFP_KERNEL);
	if (!pb)
		return -ENOMEM;
	pb->index = index;
	pb->info = *info;
	pb->max_segs = min3(indirect_segs, info->max_indirect_segs,
			    PVHV_BLK_MAX_INDIRECT_SEGS);
	pb->indirect = pb->max_segs > PVHV_BLK_MAX_SEGS;
	if (!pb->indirect)
		pb->max_segs = PVHV_BLK_MAX_SEGS;
	lim.max_segments = pb->max_segs;
	lim.max_hw_sectors = pb->max_segs * (PAGE_SIZE / 512);
	spin_lock_init(&pb->ring_lock);
	ret = pvblk_connect(pb);
	if (ret)
		goto err;

	pb->tag_set.ops = &pvblk_mq_ops;
	pb->tag_set.nr_hw_queues = 1;
	pb->tag_set.queue_depth = pb->front.nr_slots;
	pb->tag_set.numa_node = NUMA_NO_NODE;
	pb->tag_set.cmd_size = sizeof(struct pvblk_cmd);
	/*
	 * No I/O scheduler by default ("none"): the host's page cache and
	 * its own scheduler order the I/O, and a guest-side one would only
	 * cost guest CPU per request (echo mq-deadline > .../scheduler).
	 */
	pb->tag_set.flags = BLK_MQ_F_SHOULD_MERGE |
			    BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	pb->tag_set.driver_data = pb;
	ret = blk_mq_alloc_tag_set(&pb->tag_set);
	if (ret)
		goto err_disconnect;
	if (info->flags & PVHV_VBD_DISCARD)
		lim.max_discard_sectors = UINT_MAX >> 9;
	pb->disk = pvhv_blk_alloc_disk(&pb->tag_set, &lim, pb);
	if (IS_ERR(pb->disk)) {
		ret = PTR_ERR(pb->disk);
		goto err_tags;
	}
	pb->disk->major = pvblk_major;
	pb->disk->first_minor = index * PVBLK_MINORS;
	pb->disk->minors = PVBLK_MINORS;
	pb->disk->fops = &pvblk_fops;
	pb->disk->private_data = pb;
	snprintf(pb->disk->disk_name, DISK_NAME_LEN, "pvblk%u", index);
	set_capacity(pb->disk, info->sectors);
	set_disk_ro(pb->disk, info->flags & PVHV_VBD_READONLY);
	ret = add_disk(pb->disk);
	if (ret)
		goto err_disk;
	pvblk_disks[index] = pb;
	pr_info("pvhv-guest: pvblk%u: %llu sectors%s, %u ring page(s), %u segments a request, port %d\n",
		index, info->sectors,
		info->flags & PVHV_VBD_READONLY ? ", read-only" : "",
		pb->nr_ring_pages, pb->max_segs, pb->port);
	return 0;

err_disk:
	put_disk(pb->disk);
err_tags:
	blk_mq_free_tag_set(&pb->tag_set);
err_disconnect:
	pvhv_hypercall(PVHV_HC_VBD_DISCONNECT, index, 0, 0);
err:
	pvblk_free(pb);
	return ret;
}

int pvhv_blkfront_init(void)
{
	struct pvhv_vbd_info *info;
	unsigned int i;
	long ret;

	if (ring_pages > PVHV_VBD_MAX_RING_PAGES ||
	    !ring_pages || (ring_pages & (ring_pages - 1))) {
		pr_err("pvhv-guest: ring_pages must be 1, 2, 4 or 8\n");
		return -EINVAL;
	}
	info = (void *)get_zeroed_page(GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	pvblk_major = register_blkdev(0, "pvblk");
	if (pvblk_major < 0) {
		free_page((unsigned long)info);
		return pvblk_major;
	}
	for (i = 0; i < PVHV_VBD_MAX_DISKS; i++) {
		ret = pvhv_hypercall(PVHV_HC_VBD_INFO, i, __pa(info), 0);
		if (ret == -PVHV_ENOENT)
			continue;
		if (!ret)
			ret = pvblk_probe(i, info);
		if (ret)
			pr_err("pvhv-guest: pvblk%u: not set up (%ld)\n", i, ret);
	}
	free_page((unsigned long)info);
	return 0;
}

void pvhv_blkfront_exit(void)
{
	struct pvblk *pb;
	int i;

	for (i = 0; i < PVHV_VBD_MAX_DISKS; i++) {
		pb = pvblk_disks[i];
		if (!pb)
			continue;
		del_gendisk(pb->disk);
		/* The queue is empty now: the backend has nothing in flight. */
		pvhv_hypercall(PVHV_HC_VBD_DISCONNECT, i, 0, 0);
		put_disk(pb->disk);
		blk_mq_free_tag_set(&pb->tag_set);
		pvblk_free(pb);
		pvblk_disks[i] = NULL;
	}
	unregister_blkdev(pvblk_major, "pvblk");
}
