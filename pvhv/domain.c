// SPDX-License-Identifier: GPL-2.0
/*
 * pvhv domains: lifetime, sysfs directory, console buffer, and the binding
 * between a domain and the KVM VM that runs on its memory.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>
#include <linux/kvm_host.h>

#include "domain.h"
#include "pt.h"
#include "evtchn.h"
#include "grant.h"
#include "frames.h"
#include "core.h"
#include "hypercall.h"

/* Serializes domain creation and removal and dir->i_private. */
static DEFINE_MUTEX(pvhv_domains_lock);
static struct kset *pvhv_domains_kset;
static atomic_t pvhv_nr_domains = ATOMIC_INIT(0);
static atomic64_t pvhv_next_id = ATOMIC64_INIT(0);
/*
 * Registered pvhv_domain_ops; the list is only changed at module init/exit.
 * Walked under pvhv_domain_ops_lock, except from a domain's release: the
 * last reference may go where that lock is held (a teardown() or destroy()
 * that unmaps another domain's grants), so that walk uses SRCU.
 */
static LIST_HEAD(pvhv_domain_ops_list);
static DEFINE_MUTEX(pvhv_domain_ops_lock);
DEFINE_STATIC_SRCU(pvhv_domain_ops_srcu);
/* The VMs' teardown work (struct pvhv_kvm_put). */
static struct workqueue_struct *pvhv_wq;

void pvhv_domain_ops_register(struct pvhv_domain_ops *ops)
{
	mutex_lock(&pvhv_domain_ops_lock);
	list_add_tail_rcu(&ops->node, &pvhv_domain_ops_list);
	mutex_unlock(&pvhv_domain_ops_lock);
}

void pvhv_domain_ops_unregister(struct pvhv_domain_ops *ops)
{
	/*
	 * At module exit no pvhvfs file is left, but a VM's teardown work
	 * may still hold its domain: let it tear down and release the domain
	 * while every component still sees it, or their state would leak.
	 * No file, no mapping: none can be queued after this.
	 */
	flush_workqueue(pvhv_wq);
	mutex_lock(&pvhv_domain_ops_lock);
	list_del_rcu(&ops->node);
	mutex_unlock(&pvhv_domain_ops_lock);
	/* The component's exit may free what a running release() uses. */
	synchronize_srcu(&pvhv_domain_ops_srcu);
}

/* id -> live domain, for the interdomain calls; lookups use RCU. */
static DEFINE_XARRAY(pvhv_domain_ids);

/* kvm -> domain, for the hypercall fast path. */
static DEFINE_SPINLOCK(pvhv_bind_lock);
static DEFINE_HASHTABLE(pvhv_bind_hash, 6);

/*
 * Dropping the last reference to a struct kvm destroys the VM, which may
 * munmap() (x86 private memslots) and so must not happen under mmap_lock, as
 * in vm_operations.close.  Bindings therefore drop their reference from a
 * work item, allocated when the binding is made so that unbinding cannot fail.
 */
struct pvhv_kvm_put {
	struct work_struct work;
	struct kvm *kvm;
	struct pvhv_domain *dom;	/* reference taken at unbind */
};

struct pvhv_domain_priv {
	struct rcu_head rcu;		/* first: kfree_rcu() needs a small offset */
	struct pvhv_kvm_put *kvm_put;	/* under pvhv_bind_lock */
	bool dead;			/* under pvhv_bind_lock */
	struct pvhv_domain dom;
};

#define to_priv(d) container_of(d, struct pvhv_domain_priv, dom)

int pvhv_domains_active(void)
{
	return atomic_read(&pvhv_nr_domains);
}

void pvhv_domain_get(struct pvhv_domain *dom)
{
	kobject_get(&dom->kobj);
}

void pvhv_domain_put(struct pvhv_domain *dom)
{
	kobject_put(&dom->kobj);
}

/* ---- sysfs ---- */

static ssize_t id_show(struct kobject *kobj, struct kobj_attribute *attr,
		       char *buf)
{
	return sysfs_emit(buf, "%llu\n", kobj_to_domain(kobj)->id);
}

static ssize_t frames_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&kobj_to_domain(kobj)->frames));
}

static ssize_t size_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&kobj_to_domain(kobj)->size));
}

static ssize_t bound_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", !!READ_ONCE(kobj_to_domain(kobj)->kvm));
}

static ssize_t hypercalls_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct pvhv_domain *dom = kobj_to_domain(kobj);
	s64 sum = 0;
	int i;

	for (i = 0; i < PVHV_HC_COUNT; i++)
		sum += atomic64_read(&dom->hc_count[i]);
	return sysfs_emit(buf, "%lld\n", sum);
}

static ssize_t hypercall_counts_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct pvhv_domain *dom = kobj_to_domain(kobj);
	ssize_t len = 0;
	const char *name;
	s64 n;
	int i;

	for (i = 0; i < PVHV_HC_COUNT; i++) {
		n = atomic64_read(&dom->hc_count[i]);
		name = pvhv_hc_name(i);
		if (name)
			len += sysfs_emit_at(buf, len, "%s %lld\n", name, n);
		else if (n)
			len += sysfs_emit_at(buf, len, "%#lx %lld\n",
					     PVHV_HC_BASE + i, n);
	}
	return len;
}

static ssize_t console_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct pvhv_domain *dom = kobj_to_domain(kobj);
	/* sysfs gives one page; keep room for the terminating NUL. */
	size_t max = min_t(size_t, PVHV_CONSOLE_BUF, PAGE_SIZE - 1);
	size_t len, start, first;

	spin_lock(&dom->console_lock);
	len = min_t(size_t, dom->console_len, max);
	start = (dom->console_len - len) % PVHV_CONSOLE_BUF;
	first = min_t(size_t, len, PVHV_CONSOLE_BUF - start);
	memcpy(buf, dom->console + start, first);
	memcpy(buf + first, dom->console, len - first);
	spin_unlock(&dom->console_lock);
	return len;
}

static struct kobj_attribute id_attr = __ATTR_RO(id);
static struct kobj_attribute frames_attr = __ATTR_RO(frames);
static struct kobj_attribute size_attr = __ATTR_RO(size);
static struct kobj_attribute bound_attr = __ATTR_RO(bound);
static struct kobj_attribute hypercalls_attr = __ATTR_RO(hypercalls);
static struct kobj_attribute hypercall_counts_attr = __ATTR_RO(hypercall_counts);
/* Guest output: for the host's administrator only. */
static struct kobj_attribute console_attr = __ATTR(console, 0400, console_show, NULL);

static struct attribute *pvhv_domain_attrs[] = {
	&id_attr.attr,
	&frames_attr.attr,
	&size_attr.attr,
	&bound_attr.attr,
	&hypercalls_attr.attr,
	&hypercall_counts_attr.attr,
	&console_attr.attr,
	NULL,
};

static const struct attribute_group pvhv_domain_group = {
	.attrs = pvhv_domain_attrs,
};

static const struct attribute_group *pvhv_domain_all_groups[] = {
	&pvhv_domain_group,
	&pvhv_evtchn_attr_group,
	&pvhv_gnttab_attr_group,
	NULL,
};

static void pvhv_domain_release(struct kobject *kobj)
{
	struct pvhv_domain_priv *priv = to_priv(kobj_to_domain(kobj));
	struct pvhv_domain_ops *ops;
	int idx;

	/* Components first: they are built on the core's state. */
	idx = srcu_read_lock(&pvhv_domain_ops_srcu);
	list_for_each_entry_srcu(ops, &pvhv_domain_ops_list, node,
				 srcu_read_lock_held(&pvhv_domain_ops_srcu))
		if (ops->release)
			ops->release(&priv->dom);
	srcu_read_unlock(&pvhv_domain_ops_srcu, idx);
	pvhv_evtchn_free(&priv->dom);
	pvhv_pt_free(&priv->dom);
	pvhv_gfn_maps_free(&priv->dom);
	pvhv_gnttab_free(&priv->dom);
	/* The binding hash is walked under RCU. */
	kfree_rcu(priv, rcu);
}

static const struct kobj_type pvhv_domain_ktype = {
	.release = pvhv_domain_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = pvhv_domain_all_groups,
};

/* ---- lifetime ---- */

static struct pvhv_domain *pvhv_domain_create(const char *name)
{
	struct pvhv_domain_ops *ops;
	struct pvhv_domain_priv *priv;
	struct pvhv_domain *dom;
	struct kobject *clash;
	int ret;

	lockdep_assert_held(&pvhv_domains_lock);

	priv = kzalloc(sizeof(*priv), GFP_KERNEL_ACCOUNT);
	if (!priv)
		return ERR_PTR(-ENOMEM);
	dom = &priv->dom;
	dom->id = atomic64_inc_return(&pvhv_next_id);
	spin_lock_init(&dom->console_lock);
	ratelimit_state_init(&dom->console_rs, 5 * HZ, 20);
	ratelimit_set_flags(&dom->console_rs, RATELIMIT_MSG_ON_RELEASE);

	dom->kobj.kset = pvhv_domains_kset;
	kobject_init(&dom->kobj, &pvhv_domain_ktype);
	/* Names must be unique in sysfs: a second "vm1" becomes "vm1-<id>". */
	clash = kset_find_obj(pvhv_domains_kset, name);
	if (clash) {
		kobject_put(clash);
		ret = kobject_add(&dom->kobj, NULL, "%s-%llu", name, dom->id);
	} else {
		ret = kobject_add(&dom->kobj, NULL, "%s", name);
	}
	if (!ret)
		ret = xa_insert(&pvhv_domain_ids, dom->id, dom, GFP_KERNEL);
	if (ret) {
		kobject_put(&dom->kobj);
		return ERR_PTR(ret);
	}
	mutex_lock(&pvhv_domain_ops_lock);
	list_for_each_entry(ops, &pvhv_domain_ops_list, node)
		if (!ret && ops->create)
			ret = ops->create(dom);
	/* destroy() copes with a domain its create() never saw. */
	if (ret)
		list_for_each_entry(ops, &pvhv_domain_ops_list, node)
			if (ops->destroy)
				ops->destroy(dom);
	mutex_unlock(&pvhv_domain_ops_lock);
	if (ret) {
		xa_erase(&pvhv_domain_ids, dom->id);
		kobject_del(&dom->kobj);
		kobject_put(&dom->kobj);
		return ERR_PTR(ret);
	}
	atomic_inc(&pvhv_nr_domains);
	return dom;
}

struct pvhv_domain *pvhv_domain_get_for_file(struct inode *dir, bool root,
					     const char *dir_name,
					     const char *file_name)
{
	struct pvhv_domain *dom;

	mutex_lock(&pvhv_domains_lock);
	dom = root ? NULL : dir->i_private;
	if (dom) {
		dom->nr_files++;
	} else {
		dom = pvhv_domain_create(root ? file_name : dir_name);
		if (!IS_ERR(dom)) {
			dom->nr_files = 1;
			if (!root) {
				/* Pinned so that dir->i_private can be reset. */
				ihold(dir);
				dom->dir = dir;
				dir->i_private = dom;
			}
		}
	}
	mutex_unlock(&pvhv_domains_lock);
	return dom;
}

void pvhv_domain_teardown_guest(struct pvhv_domain *dom, struct kvm *kvm)
{
	struct pvhv_domain_ops *ops;

	/* Backends first: they hold grants and event channel bindings. */
	mutex_lock(&pvhv_domain_ops_lock);
	list_for_each_entry(ops, &pvhv_domain_ops_list, node)
		if (ops->teardown)
			ops->teardown(dom, kvm);
	mutex_unlock(&pvhv_domain_ops_lock);
	pvhv_pt_teardown(dom, kvm);
	pvhv_gfn_maps_teardown(dom);
	pvhv_gnttab_teardown(dom, kvm);
	pvhv_evtchn_teardown(dom, kvm);
}

/*
 * The VM is gone from the domain: tear down what the guest set up (event
 * channels, grants, backends) before the last reference to it goes.
 */
static void pvhv_kvm_put_fn(struct work_struct *work)
{
	struct pvhv_kvm_put *put = container_of(work, struct pvhv_kvm_put, work);

	pvhv_domain_teardown_guest(put->dom, put->kvm);
	kvm_put_kvm(put->kvm);
	pvhv_domain_put(put->dom);
	kfree(put);
}

static void pvhv_domain_unbind(struct pvhv_domain *dom, bool kill)
{
	struct pvhv_domain_priv *priv = to_priv(dom);
	struct pvhv_kvm_put *put;

	spin_lock(&pvhv_bind_lock);
	if (kill)
		priv->dead = true;
	put = priv->kvm_put;
	if (put) {
		hash_del_rcu(&dom->bind_node);
		WRITE_ONCE(dom->kvm, NULL);
		priv->kvm_put = NULL;
	}
	spin_unlock(&pvhv_bind_lock);
	if (put) {
		pvhv_domain_get(dom);
		put->dom = dom;
		queue_work(pvhv_wq, &put->work);
	}
}

void pvhv_domain_put_file(struct pvhv_domain *dom)
{
	struct pvhv_domain_ops *ops;
	struct inode *dir = NULL;

	mutex_lock(&pvhv_domains_lock);
	if (--dom->nr_files) {
		mutex_unlock(&pvhv_domains_lock);
		return;
	}
	if (dom->dir) {
		dir = dom->dir;
		dir->i_private = NULL;
		dom->dir = NULL;
	}
	mutex_unlock(&pvhv_domains_lock);

	xa_erase(&pvhv_domain_ids, dom->id);
	pvhv_domain_unbind(dom, true);
	WRITE_ONCE(dom->destroyed, true);
	mutex_lock(&pvhv_domain_ops_lock);
	list_for_each_entry(ops, &pvhv_domain_ops_list, node)
		if (ops->destroy)
			ops->destroy(dom);
	mutex_unlock(&pvhv_domain_ops_lock);
	/* Reports how many console lines the ratelimit swallowed. */
	ratelimit_state_exit(&dom->console_rs);
	kobject_del(&dom->kobj);
	atomic_dec(&pvhv_nr_domains);
	iput(dir);
	kobject_put(&dom->kobj);
}

/* ---- mappings and the KVM binding ---- */

void pvhv_domain_vma_open(struct pvhv_domain *dom)
{
	atomic_inc(&dom->nr_vmas);
}

void pvhv_domain_vma_close(struct pvhv_domain *dom)
{
	/* Nobody maps the memory any more: the VM cannot use it either. */
	if (atomic_dec_and_test(&dom->nr_vmas))
		pvhv_domain_unbind(dom, false);
}

/* The pvhv domain whose memory backs one of @kvm's memslots, or NULL. */
static struct pvhv_domain *pvhv_domain_find_mapped(struct kvm *kvm)
{
	struct kvm_memory_slot *slot;
	int bkt;

	mmap_assert_locked(kvm->mm);
	kvm_for_each_memslot(slot, bkt, kvm_memslots(kvm)) {
		struct vm_area_struct *vma;
		struct pvhv_mem *mem;

		vma = vma_lookup(kvm->mm, slot->userspace_addr);
		mem = vma ? pvhvfs_file_mem(vma->vm_file) : NULL;
		if (mem)
			return mem->dom;
	}
	return NULL;
}

static struct pvhv_domain *pvhv_domain_bind(struct kvm *kvm)
{
	struct pvhv_kvm_put *put = NULL;
	struct pvhv_domain_priv *priv;
	struct pvhv_domain *dom;

	/* Only the VM's own process can tell which file its memslots map. */
	if (current->mm != kvm->mm)
		return NULL;

	/* The mapping cannot go away (and unbind) while mmap_lock is held. */
	mmap_read_lock(kvm->mm);
	dom = pvhv_domain_find_mapped(kvm);
	if (dom)
		put = kzalloc(sizeof(*put), GFP_KERNEL_ACCOUNT);
	if (!put) {
		mmap_read_unlock(kvm->mm);
		return NULL;
	}
	priv = to_priv(dom);
	spin_lock(&pvhv_bind_lock);
	if (priv->dead || (dom->kvm && dom->kvm != kvm)) {
		/* Dying, or already the memory of another VM. */
		dom = NULL;
	} else if (!dom->kvm) {
		kvm_get_kvm(kvm);
		put->kvm = kvm;
		INIT_WORK(&put->work, pvhv_kvm_put_fn);
		priv->kvm_put = put;
		put = NULL;
		WRITE_ONCE(dom->kvm, kvm);
		hash_add_rcu(pvhv_bind_hash, &dom->bind_node, (unsigned long)kvm);
	}
	if (dom)
		pvhv_domain_get(dom);
	spin_unlock(&pvhv_bind_lock);
	mmap_read_unlock(kvm->mm);
	kfree(put);
	return dom;
}

struct pvhv_domain *pvhv_domain_from_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct pvhv_domain *dom;

	rcu_read_lock();
	hash_for_each_possible_rcu(pvhv_bind_hash, dom, bind_node,
				   (unsigned long)kvm) {
		if (READ_ONCE(dom->kvm) == kvm &&
		    kobject_get_unless_zero(&dom->kobj)) {
			rcu_read_unlock();
			return dom;
		}
	}
	rcu_read_unlock();
	return pvhv_domain_bind(kvm);
}

struct pvhv_domain *pvhv_domain_get_by_id(u64 id)
{
	struct pvhv_domain *dom;

	if (id == PVHV_DOMID_HOST || id > ULONG_MAX)
		return NULL;
	rcu_read_lock();
	dom = xa_load(&pvhv_domain_ids, id);
	if (dom && !kobject_get_unless_zero(&dom->kobj))
		dom = NULL;
	rcu_read_unlock();
	return dom;
}

/* A reference to the VM that runs on @dom's memory, or NULL. */
static struct kvm *pvhv_domain_get_kvm(struct pvhv_domain *dom)
{
	struct kvm *kvm;

	spin_lock(&pvhv_bind_lock);
	kvm = dom->kvm;
	if (kvm && !kvm_get_kvm_safe(kvm))
		kvm = NULL;
	spin_unlock(&pvhv_bind_lock);
	return kvm;
}

int pvhv_pin_batch_begin(struct pvhv_pin_batch *b, struct pvhv_domain *dom)
{
	*b = (struct pvhv_pin_batch){ .dom = dom };
	b->kvm = pvhv_domain_get_kvm(dom);
	if (!b->kvm)
		return -ESRCH;
	if (!mmget_not_zero(b->kvm->mm)) {
		kvm_put_kvm(b->kvm);
		b->kvm = NULL;
		return -ESRCH;
	}
	mmap_read_lock(b->kvm->mm);
	return 0;
}

/*
 * The pvhvfs file and frame behind @gfn in the batch's VM: @b->vma, or
 * -EFAULT (no memslot) or -EPERM (not this domain's pvhvfs memory).
 */
static int pvhv_pin_batch_vma(struct pvhv_pin_batch *b, u64 gfn,
			      unsigned long *hvap)
{
	struct vm_area_struct *vma = b->vma;
	struct pvhv_mem *mem;
	unsigned long hva;
	int srcu;

	/* SRCU readers never wait, so taking it under the mmap_lock is fine. */
	srcu = srcu_read_lock(&b->kvm->srcu);
	hva = gfn_to_hva(b->kvm, gfn);
	srcu_read_unlock(&b->kvm->srcu, srcu);
	if (kvm_is_error_hva(hva))
		return -EFAULT;
	/*
	 * The memslot only names an address in the VM process: what is mapped
	 * there now must be this domain's own memory, or a VMM could make one
	 * domain's grants reach another domain's frames.
	 */
	if (!vma || hva < vma->vm_start || hva >= vma->vm_end) {
		vma = vma_lookup(b->kvm->mm, hva);
		mem = vma ? pvhvfs_file_mem(vma->vm_file) : NULL;
		if (!mem || mem->dom != b->dom)
			return -EPERM;
		b->vma = vma;	/* consecutive frames: usually the same one */
	}
	*hvap = hva;
	return 0;
}

static pgoff_t pvhv_vma_pgoff(struct vm_area_struct *vma, unsigned long hva)
{
	return vma->vm_pgoff + ((hva - vma->vm_start) >> PAGE_SHIFT);
}

int pvhv_pin_batch_gfn(struct pvhv_pin_batch *b, u64 gfn,
		       struct pvhv_frame_pin *pin)
{
	unsigned long hva;
	int ret;

	ret = pvhv_pin_batch_vma(b, gfn, &hva);
	if (ret)
		return ret;
	return pvhv_mem_pin(file_inode(b->vma->vm_file),
			    pvhvfs_file_mem(b->vma->vm_file),
			    pvhv_vma_pgoff(b->vma, hva), pin);
}

int pvhv_pin_batch_frame(struct pvhv_pin_batch *b, u64 gfn,
			 struct inode **inode, struct pvhv_mem **mem,
			 pgoff_t *idx)
{
	unsigned long hva;
	int ret;

	ret = pvhv_pin_batch_vma(b, gfn, &hva);
	if (ret)
		return ret;
	*inode = file_inode(b->vma->vm_file);
	*mem = pvhvfs_file_mem(b->vma->vm_file);
	*idx = pvhv_vma_pgoff(b->vma, hva);
	return 0;
}

int pvhv_domain_gfn_frame(struct pvhv_domain *dom, u64 gfn,
			  struct inode **inode, struct pvhv_mem **mem,
			  pgoff_t *idx)
{
	struct pvhv_pin_batch b;
	int ret;

	ret = pvhv_pin_batch_begin(&b, dom);
	if (ret)
		return ret;
	ret = pvhv_pin_batch_frame(&b, gfn, inode, mem, idx);
	if (!ret)
		ihold(*inode);
	pvhv_pin_batch_end(&b);
	return ret;
}

void pvhv_pin_batch_end(struct pvhv_pin_batch *b)
{
	if (!b->kvm)
		return;
	mmap_read_unlock(b->kvm->mm);
	mmput(b->kvm->mm);
	kvm_put_kvm(b->kvm);
	b->kvm = NULL;
}

int pvhv_domain_pin_gfn(struct pvhv_domain *dom, u64 gfn,
			struct pvhv_frame_pin *pin)
{
	struct pvhv_pin_batch b;
	int ret;

	ret = pvhv_pin_batch_begin(&b, dom);
	if (ret)
		return ret;
	ret = pvhv_pin_batch_gfn(&b, gfn, pin);
	pvhv_pin_batch_end(&b);
	return ret;
}

/* ---- console ---- */

void pvhv_domain_console_write(struct pvhv_domain *dom, const char *buf,
			       size_t len)
{
	char line[PVHV_CONSOLE_MAX];
	size_t i, pos, n = 0;

	spin_lock(&dom->console_lock);
	for (i = 0; i < len; i++) {
		pos = (dom->console_len + i) % PVHV_CONSOLE_BUF;
		dom->console[pos] = buf[i];
	}
	dom->console_len += len;
	spin_unlock(&dom->console_lock);

	/* The host log gets a sanitized, ratelimited copy. */
	for (i = 0; i < len && n < sizeof(line); i++) {
		if (buf[i] == '\n' && i == len - 1)
			break;
		line[n++] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? buf[i] : '.';
	}
	if (__ratelimit(&dom->console_rs))
		pr_info("pvhv: %s: %.*s\n", kobject_name(&dom->kobj),
			(int)n, line);
}

/* ---- init ---- */

int pvhv_domains_init(struct kobject *parent)
{
	pvhv_wq = alloc_workqueue("pvhv", WQ_UNBOUND, 0);
	if (!pvhv_wq)
		return -ENOMEM;
	pvhv_domains_kset = kset_create_and_add("domains", NULL, parent);
	if (!pvhv_domains_kset) {
		destroy_workqueue(pvhv_wq);
		return -ENOMEM;
	}
	return 0;
}

void pvhv_domains_exit(void)
{
	/* All domains are gone: pvhvfs pins the module while any exists. */
	WARN_ON(atomic_read(&pvhv_nr_domains));
	destroy_workqueue(pvhv_wq);	/* runs pending kvm puts */
	kset_unregister(pvhv_domains_kset);
	rcu_barrier();			/* pending kfree_rcu() of domains */
}
