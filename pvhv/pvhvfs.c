// SPDX-License-Identifier: GPL-2.0
/*
 * pvhvfs: a memory filesystem whose regular files are guest RAM.
 *
 * Directories work as on ramfs.  A regular file is a memory object of the
 * domain named after its directory: QEMU maps it with memory-backend-file,
 * share=on, and pvhv fills the page faults from the file's P2M (frames.c).
 * Only shared mappings are allowed: a private mapping would give the guest
 * anonymous copies that pvhv neither sees nor can balloon, share or grant.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/pagemap.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <pvhv/pvhvfs.h>

#include "compat.h"
#include "core.h"
#include "domain.h"
#include "frames.h"

struct pvhvfs_inode {
	struct pvhv_mem mem;		/* regular files only */
	struct inode vfs_inode;
};

static struct kmem_cache *pvhvfs_inode_cachep;

static inline struct pvhvfs_inode *PVHVFS_I(struct inode *inode)
{
	return container_of(inode, struct pvhvfs_inode, vfs_inode);
}

static const struct inode_operations pvhvfs_dir_iops;
static const struct inode_operations pvhvfs_file_iops;
static const struct file_operations pvhvfs_file_fops;

struct pvhv_mem *pvhvfs_file_mem(struct file *file)
{
	if (!file || file->f_op != &pvhvfs_file_fops)
		return NULL;
	return &PVHVFS_I(file_inode(file))->mem;
}

/* ---- mappings ---- */

static struct pvhv_mem *vma_mem(struct vm_area_struct *vma)
{
	return &PVHVFS_I(file_inode(vma->vm_file))->mem;
}

static void pvhvfs_vm_open(struct vm_area_struct *vma)
{
	pvhv_domain_vma_open(vma_mem(vma)->dom);
}

static void pvhvfs_vm_close(struct vm_area_struct *vma)
{
	pvhv_domain_vma_close(vma_mem(vma)->dom);
}

static vm_fault_t pvhvfs_vm_fault(struct vm_fault *vmf)
{
	return pvhv_mem_fault(vmf, vma_mem(vmf->vma));
}

static vm_fault_t pvhvfs_vm_page_mkwrite(struct vm_fault *vmf)
{
	return pvhv_mem_mkwrite(vmf, vma_mem(vmf->vma));
}

/*
 * With page_mkwrite, the core maps every frame read-only and asks before
 * making it writable: that is how a write to a shared frame is caught.
 */
static const struct vm_operations_struct pvhvfs_vm_ops = {
	.open = pvhvfs_vm_open,
	.close = pvhvfs_vm_close,
	.fault = pvhvfs_vm_fault,
	.page_mkwrite = pvhvfs_vm_page_mkwrite,
};

static int pvhvfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* VM_MAYSHARE: MAP_SHARED of a read-only fd has no VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		pr_warn_ratelimited("pvhv: %s[%d]: MAP_PRIVATE mapping of guest memory refused; use MAP_SHARED (QEMU: share=on)\n",
				    current->comm, task_pid_nr(current));
		return -EINVAL;
	}
	file_accessed(file);
	/* Frames are inserted pages; the VMA may not grow by mremap(). */
	pvhv_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	vma->vm_ops = &pvhvfs_vm_ops;
	pvhv_domain_vma_open(vma_mem(vma)->dom);
	return 0;
}

/* ---- ioctls ---- */

static long pvhvfs_frame_op(struct inode *inode, void __user *uarg)
{
	struct pvhv_mem *mem = &PVHVFS_I(inode)->mem;
	struct pvhv_frame_op_args args;
	pgoff_t idx;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || !PAGE_ALIGNED(args.offset) ||
	    args.offset >= i_size_read(inode))
		return -EINVAL;
	idx = args.offset >> PAGE_SHIFT;

	switch (args.op) {
	case PVHV_FRAME_RELOCATE:
		return pvhv_mem_relocate(inode, mem, idx);
	case PVHV_FRAME_DISCARD:
		return pvhv_mem_discard(inode, mem, idx);
	default:
		return -EINVAL;
	}
}

static long pvhvfs_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct inode *inode = file_inode(file);
	struct pvhv_mem *mem = &PVHVFS_I(inode)->mem;
	struct pvhv_file_info info;

	switch (cmd) {
	case PVHV_IOC_FILE_INFO:
		memset(&info, 0, sizeof(info));
		info.size = i_size_read(inode);
		info.frames = atomic_long_read(&mem->frames);
		info.domain_id = mem->dom->id;
		return copy_to_user((void __user *)arg, &info, sizeof(info)) ?
			-EFAULT : 0;
	case PVHV_IOC_FRAME_OP:
		return pvhvfs_frame_op(inode, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pvhvfs_file_fops = {
	.mmap = pvhvfs_mmap,
	.unlocked_ioctl = pvhvfs_ioctl,
	.llseek = generic_file_llseek,
	.fsync = noop_fsync,
};

/* ---- inodes ---- */

static struct inode *pvhvfs_get_inode(struct super_block *sb,
				      const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode_init_owner(pvhv_nop_idmap, inode, dir, mode);
	pvhv_inode_init_ts(inode);
	if (S_ISDIR(mode)) {
		inode->i_op = &pvhvfs_dir_iops;
		inode->i_fop = &simple_dir_operations;
		inc_nlink(inode);	/* "." */
	} else {
		inode->i_op = &pvhvfs_file_iops;
		inode->i_fop = &pvhvfs_file_fops;
	}
	return inode;
}

static int pvhvfs_mknod(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct inode *inode = pvhvfs_get_inode(dir->i_sb, dir, mode);
	struct pvhv_domain *dom;
	int ret;

	if (!inode)
		return -ENOSPC;
	if (S_ISREG(mode)) {
		/* dentry->d_parent is stable: the VFS holds dir's lock. */
		dom = pvhv_domain_get_for_file(dir, IS_ROOT(dentry->d_parent),
					       dentry->d_parent->d_name.name,
					       dentry->d_name.name);
		if (IS_ERR(dom)) {
			iput(inode);
			return PTR_ERR(dom);
		}
		ret = pvhv_mem_init(&PVHVFS_I(inode)->mem, dom, inode);
		if (ret) {
			/* evict_inode() drops the domain reference. */
			iput(inode);
			return ret;
		}
	}
	d_instantiate(dentry, inode);
	dget(dentry);		/* pinned until unlink, as on ramfs */
	pvhv_inode_touch(dir);
	return 0;
}

static int pvhvfs_create(pvhv_idmap *idmap, struct inode *dir,
			 struct dentry *dentry, umode_t mode, bool excl)
{
	return pvhvfs_mknod(dir, dentry, (mode & ~S_IFMT) | S_IFREG);
}

static int pvhvfs_mkdir(pvhv_idmap *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode)
{
	int ret = pvhvfs_mknod(dir, dentry, (mode & ~S_IFMT) | S_IFDIR);

	if (!ret)
		inc_nlink(dir);
	return ret;
}

static int pvhvfs_rename(pvhv_idmap *idmap, struct inode *old_dir,
			 struct dentry *old_dentry, struct inode *new_dir,
			 struct dentry *new_dentry, unsigned int flags)
{
	/* A memory file belongs to its directory's domain for good. */
	if (old_dir != new_dir && d_is_reg(old_dentry))
		return -EXDEV;
	return simple_rename(idmap, old_dir, old_dentry, new_dir, new_dentry,
			     flags);
}

static int pvhvfs_resize(struct inode *inode, loff_t size)
{
	struct pvhv_mem *mem = &PVHVFS_I(inode)->mem;
	loff_t old = i_size_read(inode);
	struct page *page;
	int ret;

	ret = inode_newsize_ok(inode, size);
	if (ret)
		return ret;

	filemap_invalidate_lock(inode->i_mapping);
	/* The tail of the new last page is zeroed below: a page of its own. */
	if (size < old && offset_in_page(size)) {
		ret = pvhv_mem_unshare_frame_locked(inode, mem,
						    size >> PAGE_SHIFT);
		if (ret) {
			filemap_invalidate_unlock(inode->i_mapping);
			return ret;
		}
	}
	i_size_write(inode, size);
	if (size < old) {
		pvhv_mem_truncate(inode, mem, DIV_ROUND_UP(size, PAGE_SIZE));
		/* Bytes past EOF in the last page read back as zeroes. */
		page = xa_load(&mem->p2m, size >> PAGE_SHIFT);
		if (page && offset_in_page(size))
			zero_user_segment(page, offset_in_page(size), PAGE_SIZE);
	}
	filemap_invalidate_unlock(inode->i_mapping);
	atomic64_add(size - old, &mem->dom->size);
	return 0;
}

static int pvhvfs_setattr(pvhv_idmap *idmap, struct dentry *dentry,
			  struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int ret;

	ret = setattr_prepare(idmap, dentry, attr);
	if (ret)
		return ret;
	if ((attr->ia_valid & ATTR_SIZE) &&
	    attr->ia_size != i_size_read(inode)) {
		ret = pvhvfs_resize(inode, attr->ia_size);
		if (ret)
			return ret;
	}
	setattr_copy(idmap, inode, attr);
	return 0;
}

static const struct inode_operations pvhvfs_file_iops = {
	.setattr = pvhvfs_setattr,
	.getattr = simple_getattr,
};

static const struct inode_operations pvhvfs_dir_iops = {
	.create = pvhvfs_create,
	.lookup = simple_lookup,
	.unlink = simple_unlink,
	.mkdir = pvhvfs_mkdir,
	.rmdir = simple_rmdir,
	.rename = pvhvfs_rename,
};

/* ---- superblock ---- */

static struct inode *pvhvfs_alloc_inode(struct super_block *sb)
{
	struct pvhvfs_inode *pi;

	pi = alloc_inode_sb(sb, pvhvfs_inode_cachep, GFP_KERNEL);
	if (!pi)
		return NULL;
	pi->mem.dom = NULL;
	return &pi->vfs_inode;
}

static void pvhvfs_free_inode(struct inode *inode)
{
	kmem_cache_free(pvhvfs_inode_cachep, PVHVFS_I(inode));
}

static void pvhvfs_evict_inode(struct inode *inode)
{
	struct pvhv_mem *mem = &PVHVFS_I(inode)->mem;
	struct pvhv_domain *dom = mem->dom;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (S_ISREG(inode->i_mode) && dom) {
		/* No mapping is left: every frame goes back to the host. */
		atomic64_sub(i_size_read(inode), &dom->size);
		pvhv_mem_destroy(mem);
		pvhv_domain_put_file(dom);
	}
}

static const struct super_operations pvhvfs_sops = {
	.alloc_inode = pvhvfs_alloc_inode,
	.free_inode = pvhvfs_free_inode,
	.evict_inode = pvhvfs_evict_inode,
	.drop_inode = generic_delete_inode,
	.statfs = simple_statfs,
};

static int pvhvfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;

	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = PVHVFS_MAGIC;
	sb->s_op = &pvhvfs_sops;
	sb->s_time_gran = 1;

	root = pvhvfs_get_inode(sb, NULL, S_IFDIR | 0755);
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int pvhvfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, pvhvfs_fill_super);
}

static const struct fs_context_operations pvhvfs_context_ops = {
	.get_tree = pvhvfs_get_tree,
};

static int pvhvfs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &pvhvfs_context_ops;
	return 0;
}

/* Each superblock pins the module: no rmmod while pvhvfs is mounted. */
static struct file_system_type pvhvfs_type = {
	.owner = THIS_MODULE,
	.name = "pvhvfs",
	.init_fs_context = pvhvfs_init_fs_context,
	.kill_sb = kill_litter_super,
};

static void pvhvfs_inode_init_once(void *p)
{
	inode_init_once(&((struct pvhvfs_inode *)p)->vfs_inode);
}

int pvhvfs_init(void)
{
	int ret;

	pvhvfs_inode_cachep = kmem_cache_create("pvhvfs_inode",
						sizeof(struct pvhvfs_inode), 0,
						SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
						pvhvfs_inode_init_once);
	if (!pvhvfs_inode_cachep)
		return -ENOMEM;
	ret = register_filesystem(&pvhvfs_type);
	if (ret)
		kmem_cache_destroy(pvhvfs_inode_cachep);
	return ret;
}

void pvhvfs_exit(void)
{
	unregister_filesystem(&pvhvfs_type);
	rcu_barrier();		/* inodes are freed after an RCU grace period */
	kmem_cache_destroy(pvhvfs_inode_cachep);
}
