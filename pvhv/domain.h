/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvhv domains.
 *
 * A domain is the set of pvhvfs memory files in one directory (a file in the
 * root of a mount is a domain of its own) and, once it has made a pvhv
 * hypercall, the KVM VM whose memslots map that memory.  The domain is named
 * after the directory and appears in /sys/kernel/pvhv/domains/<name>/.
 *
 * Lifetime: every memory file holds a reference, and the domain leaves sysfs
 * when its last file is evicted.  The KVM binding holds a reference on the
 * struct kvm and is dropped when no process maps the domain's memory any more.
 */
#ifndef _PVHV_DOMAIN_H
#define _PVHV_DOMAIN_H

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/spinlock.h>
#include <linux/ratelimit.h>
#include <linux/hashtable.h>
#include <asm/page.h>
#include <pvhv/pvhv.h>

struct kvm;
struct kvm_vcpu;
struct inode;
struct pvhv_evtchn;
struct pvhv_gnttab;
struct pvhv_gfn_maps;
struct pvhv_frame_pin;
struct pvhv_mem;
struct pvhv_vbd_dom;
struct pvhv_balloon_dom;
struct pvhv_pt_dom;
struct pvhv_domain;

/*
 * Per-domain state of a component outside pvhv/ (the ring/ backends).
 * create: a new domain is in sysfs (add files to its kobject); may fail.
 * teardown: the guest kernel on @dom is gone: the VM @kvm stopped (from a
 *	work item), or a new kernel in it asked for a reset (from its
 *	hypercall).  Runs before the domain's event channels and grants are
 *	torn down.
 * destroy: the domain itself is going away (its last file is gone), or
 *	another component's create() failed; must cope with a domain that
 *	its own create() never saw.  Its sysfs files and hypercalls that a
 *	vCPU started before may still run, during and after destroy(): what
 *	they use must stay until release().
 * release: the last reference to the domain is gone: no hypercall, sysfs
 *	access or teardown can use it any more; free what create() allocated.
 *	Runs wherever the last pvhv_domain_put() is, which may hold
 *	pvhv_domain_ops_lock (a teardown() or destroy() that drops another
 *	domain's last reference): may sleep, but must not take that lock.
 *	Must cope with a domain that its own create() never saw.
 */
struct pvhv_domain_ops {
	struct list_head node;
	int (*create)(struct pvhv_domain *dom);
	void (*teardown)(struct pvhv_domain *dom, struct kvm *kvm);
	void (*destroy)(struct pvhv_domain *dom);
	void (*release)(struct pvhv_domain *dom);
};

void pvhv_domain_ops_register(struct pvhv_domain_ops *ops);
void pvhv_domain_ops_unregister(struct pvhv_domain_ops *ops);

#define PVHV_CONSOLE_BUF	4096

/* The domain of its sysfs directory (domains/<name>/). */
#define kobj_to_domain(k) container_of(k, struct pvhv_domain, kobj)

struct pvhv_domain {
	struct kobject kobj;
	u64 id;
	struct inode *dir;		/* directory the domain is cached in */
	int nr_files;			/* memory files; under pvhv_domains_lock */
	/*
	 * Set before the destroy ops run: a feature adding a per-domain
	 * object (a disk, an interface) checks it under the lock its
	 * destroy takes, so that nothing is added after destroy looked.
	 */
	bool destroyed;
	atomic_t nr_vmas;		/* mappings of its files, all processes */
	atomic_long_t frames;		/* sum over its files' P2Ms */
	atomic64_t size;		/* sum of its files' sizes, bytes */

	/* KVM binding, under pvhv_bind_lock; lookups use RCU. */
	struct kvm *kvm;
	struct hlist_node bind_node;

	/* Owned by evtchn.c and grant.c; set once, freed with the domain. */
	struct pvhv_evtchn *evtchn;
	struct pvhv_gnttab *gnttab;
	struct pvhv_gfn_maps *gfn_maps;	/* grant_gfn.c */
	struct pvhv_vbd_dom *vbd;	/* ring/blkback.c, under its lock */
	struct pvhv_vif_dom *vif;	/* ring/netback.c, under its lock */

	/*
	 * The reservation: frames handed back by the balloon (all files), the
	 * cap on size - ballooned in pages (0: the size), and ballooned frames
	 * that an access took back.  Policy and targets live in balloon/.
	 */
	atomic_long_t ballooned;
	atomic_long_t max_pages;
	atomic_long_t ballooned_touched;
	struct pvhv_balloon_dom *balloon;	/* balloon/, until release() */

	/* Paravirtual page tables and trap table (pt_*.c, traps.c). */
	struct pvhv_pt_dom *pt;

	/*
	 * ksm-hint: P2M entries that map a shared frame, private copies made
	 * on write and copies that found no memory; whether the scanner may
	 * merge this domain's frames (sysfs ksm/merge).
	 */
	atomic_long_t ksm_shared;
	atomic_long_t ksm_cow_breaks;
	atomic_long_t ksm_cow_failures;
	bool ksm_merge;

	/* pvhv hypercalls handled, by number (PVHV_HC_BASE + index) */
	atomic64_t hc_count[PVHV_HC_COUNT];

	spinlock_t console_lock;	/* console, console_len */
	size_t console_len;		/* bytes ever written */
	char console[PVHV_CONSOLE_BUF];	/* ring, console_len % size is next */
	struct ratelimit_state console_rs;
};

/* The domain's memory in pages, ballooned frames included. */
static inline long pvhv_domain_pages(struct pvhv_domain *dom)
{
	return DIV_ROUND_UP(atomic64_read(&dom->size), PAGE_SIZE);
}

/* What size - ballooned may grow to: max_pages, or the size if lower. */
static inline long pvhv_domain_max_pages(struct pvhv_domain *dom)
{
	long max = atomic_long_read(&dom->max_pages);
	long size = pvhv_domain_pages(dom);

	return max && max < size ? max : size;
}

int pvhv_domains_init(struct kobject *parent);
void pvhv_domains_exit(void);

/*
 * Domain for a new memory file @name created in @dir (@root: @dir is the root
 * of the mount).  Returns a new reference, or an ERR_PTR.
 */
struct pvhv_domain *pvhv_domain_get_for_file(struct inode *dir, bool root,
					     const char *dir_name,
					     const char *file_name);
/* A memory file of the domain was evicted: drop its reference. */
void pvhv_domain_put_file(struct pvhv_domain *dom);

void pvhv_domain_get(struct pvhv_domain *dom);
/* The live domain with id @id, with a reference; NULL if there is none. */
struct pvhv_domain *pvhv_domain_get_by_id(u64 id);
void pvhv_domain_put(struct pvhv_domain *dom);

/* Mapping accounting, from the pvhvfs vm_operations. */
void pvhv_domain_vma_open(struct pvhv_domain *dom);
void pvhv_domain_vma_close(struct pvhv_domain *dom);

/*
 * Domain of the VM that @vcpu belongs to, binding it on first use.  Must be
 * called from the vCPU thread in KVM's exit handling (kvm->srcu held).
 * Returns a reference or NULL if the VM is not a pvhv domain.
 */
struct pvhv_domain *pvhv_domain_from_vcpu(struct kvm_vcpu *vcpu);

/*
 * Pin the frame behind guest frame number @gfn of @dom's VM.  Sleeps; any
 * context that may take the VM process's mmap_lock.  Returns 0, -ESRCH if
 * the domain runs no VM, -EFAULT if no memslot covers @gfn, or -EPERM if
 * the memory there is not this domain's own pvhvfs memory.
 */
int pvhv_domain_pin_gfn(struct pvhv_domain *dom, u64 gfn,
			struct pvhv_frame_pin *pin);

/*
 * The pvhvfs file (with an inode reference for the caller to drop), memory
 * and page offset of the frame at @gfn of @dom's VM: 0, or what
 * pvhv_domain_pin_gfn() would fail with.
 */
int pvhv_domain_gfn_frame(struct pvhv_domain *dom, u64 gfn,
			  struct inode **inode, struct pvhv_mem **mem,
			  pgoff_t *idx);

/*
 * Forget what the guest kernel running in @kvm set up on @dom: stop its
 * backends, drop its grant table and close its event channels.  Sleeps.
 */
void pvhv_domain_teardown_guest(struct pvhv_domain *dom, struct kvm *kvm);

/*
 * Pinning many frames of one domain at once (a grant batch): the VM
 * reference and the VM process's mmap_lock are taken once, in begin().
 * Between begin() (0 or -ESRCH) and end(), gfn() pins one frame and
 * returns what pvhv_domain_pin_gfn() would.  end() is safe after a failed
 * begin().
 */
struct pvhv_pin_batch {
	struct pvhv_domain *dom;
	struct kvm *kvm;
	struct vm_area_struct *vma;	/* the last one that matched */
};

int pvhv_pin_batch_begin(struct pvhv_pin_batch *b, struct pvhv_domain *dom);
int pvhv_pin_batch_gfn(struct pvhv_pin_batch *b, u64 gfn,
		       struct pvhv_frame_pin *pin);
/*
 * The file, memory and page offset of the frame at @gfn, valid until end()
 * (no inode reference is taken): 0 or what gfn() would fail with first.
 */
int pvhv_pin_batch_frame(struct pvhv_pin_batch *b, u64 gfn,
			 struct inode **inode, struct pvhv_mem **mem,
			 pgoff_t *idx);
void pvhv_pin_batch_end(struct pvhv_pin_batch *b);

void pvhv_domain_console_write(struct pvhv_domain *dom, const char *buf,
			       size_t len);

int pvhv_domains_active(void);

#endif /* _PVHV_DOMAIN_H */
