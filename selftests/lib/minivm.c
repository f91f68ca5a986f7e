// SPDX-License-Identifier: GPL-2.0
/*
 * minivm: create and run PV mini-guests (see minivm.h).
 */
#define _GNU_SOURCE	/* sched_setaffinity() */
#include <elf.h>
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <cpuid.h>
#include <dirent.h>
#include <pvhv/pvhv.h>
#include <pvhv/grant.h>

#include "minivm.h"

bool guest_is_amd;

/* Guest-physical layout below the ELF image (linked at 0x400000). */
#define PML4_GPA	0x1000UL
#define PDPT_GPA	0x2000UL
#define PD_GPA		0x3000UL
#define STACK_TOP	0x3ff000UL	/* vCPU 0's; each next one 256 KiB lower */
#define STACK_SIZE	0x40000UL
#define GDT_GPA		0x4000UL
#define IDT_GPA		0x5000UL

#define PTE_P		0x1UL
#define PTE_W		0x2UL
#define PTE_U		0x4UL
#define PTE_PS		0x80UL

const char *minivm_pvhv_mnt(void)
{
	const char *mnt = getenv("PVHV_MNT");

	return mnt && *mnt ? mnt : NULL;
}

long pvhv_sysfs_long(const char *fmt, ...)
{
	char path[512], buf[64];
	va_list ap;
	ssize_t n;
	int fd;

	strcpy(path, "/sys/kernel/pvhv/");
	va_start(ap, fmt);
	vsnprintf(path + strlen(path), sizeof(path) - strlen(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

long pvhv_sysfs_wait(const char *what, long want)
{
	long v = -1;
	int i;

	for (i = 0; i < 500; i++) {
		v = pvhv_sysfs_long("%s", what);
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

int pvhv_sysfs_write(const char *what, long val)
{
	char path[512], buf[32];
	int fd, len, ret;

	snprintf(path, sizeof(path), "/sys/kernel/pvhv/%s", what);
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

int minivm_dom_write(struct minivm *vm, const char *file, const char *s)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/kernel/pvhv/domains/%s/%s",
		 strrchr(vm->dir, '/') + 1, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

void minivm_grant_host(struct minivm *vm, uint64_t table_gpa, int ref,
		       uint64_t gpa, uint16_t flags)
{
	struct pvhv_grant_entry *e = minivm_hva(vm, table_gpa);

	e[ref].gfn = gpa >> 12;
	e[ref].domid = PVHV_DOMID_HOST;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e[ref].flags = flags;
}

/* Threads whose name starts with @prefix; if @cpu >= 0, pinned to it. */
static int threads_named(const char *prefix, int cpu)
{
	char path[300], comm[64];
	struct dirent *d;
	cpu_set_t set;
	int n = 0;
	DIR *dir = opendir("/proc");

	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	while (dir && (d = readdir(dir))) {
		FILE *f;
		bool match;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		match = fgets(comm, sizeof(comm), f) &&
			!strncmp(comm, prefix, strlen(prefix));
		fclose(f);
		if (match && cpu >= 0 &&
		    sched_setaffinity(atoi(d->d_name), sizeof(set), &set))
			match = false;
		n += match;
	}
	if (dir)
		closedir(dir);
	return n;
}

int pvhv_threads(const char *prefix)
{
	return threads_named(prefix, -1);
}

int pvhv_pin_apart(const char *prefix)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return threads_named(prefix, 0);
}

bool testhost_is_tcg(void)
{
	const char *a = getenv("PVHV_TESTHOST_ACCEL");

	return a && !strcmp(a, "tcg");
}

uint64_t host_pfn(const void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), ((uintptr_t)addr / 4096) * 8) !=
	    sizeof(ent))
		ent = 0;
	close(fd);
	return (ent & (1ULL << 63)) ? ent & ((1ULL << 55) - 1) : 0;
}

int read_text_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* Copy this program's PT_LOAD segments into guest RAM at their addresses. */
static int load_self(struct minivm *vm)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i, ret = -1;

	fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_type != ET_EXEC)
		goto out;	/* a PIE would not run at its link address */
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * eh.e_phentsize) !=
		    sizeof(ph))
			goto out;
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr + ph.p_memsz > MINIVM_DATA_GPA)
			goto out;
		if (pread(fd, vm->mem + ph.p_vaddr, ph.p_filesz, ph.p_offset) !=
		    (ssize_t)ph.p_filesz)
			goto out;
		memset(vm->mem + ph.p_vaddr + ph.p_filesz, 0,
		       ph.p_memsz - ph.p_filesz);
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static void setup_page_tables(struct minivm *vm, bool user)
{
	uint64_t *pml4 = minivm_hva(vm, PML4_GPA);
	uint64_t *pdpt = minivm_hva(vm, PDPT_GPA);
	uint64_t *pd = minivm_hva(vm, PD_GPA);
	uint64_t flags = PTE_P | PTE_W | (user ? PTE_U : 0);
	int i;

	/* Identity map the first GiB with 2 MiB pages. */
	pml4[0] = PDPT_GPA | flags;
	pdpt[0] = PD_GPA | flags;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | flags | PTE_PS;
}

/* ---- interrupts (opts.irqchip) ---- */

volatile uint64_t minivm_irqs[256];

/*
 * One 16-byte stub per vector 32..255 pushes its vector; the common part
 * counts it, signals EOI through the x2APIC EOI MSR and returns.
 */
__asm__(".pushsection .text\n"
	".align 16\n"
	"minivm_irq_stubs:\n"
	"vec = 32\n"
	".rept 224\n"
	".align 16\n"
	"pushq $vec\n"
	"jmp minivm_irq_common\n"
	"vec = vec + 1\n"
	".endr\n"
	"minivm_irq_common:\n"
	"push %rax\n push %rcx\n push %rdx\n"
	"mov 24(%rsp), %rax\n"
	"lock incq minivm_irqs(,%rax,8)\n"
	"movl $0x80b, %ecx\n xorl %eax, %eax\n xorl %edx, %edx\n wrmsr\n"
	"pop %rdx\n pop %rcx\n pop %rax\n"
	"add $8, %rsp\n"
	"iretq\n"
	".popsection");
extern char minivm_irq_stubs[];

void minivm_set_gate(struct minivm *vm, int vector, void (*handler)(void))
{
	uint64_t *idt = minivm_hva(vm, IDT_GPA);
	uint64_t h = (uintptr_t)handler;

	idt[2 * vector] = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			  ((h >> 16 & 0xffff) << 48);
	idt[2 * vector + 1] = h >> 32;
}

void guest_enable_interrupts(void)
{
	uint32_t lo, hi;

	/* x2APIC on (APIC_BASE EN | EXTD), then software-enable it. */
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
	lo |= (1U << 11) | (1U << 10);
	__asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(0x1b));
	__asm__ volatile("wrmsr" : : "a"(0x1ff), "d"(0), "c"(0x80f));
	__asm__ volatile("sti" : : : "memory");
}

/*
 * The GDT and IDT, written in guest memory for the first vCPU only: a
 * later one shares them, and gates a test has set since must stay.
 */
static void setup_tables(struct minivm *vm, struct kvm_sregs *sregs,
			 bool write)
{
	uint64_t *gdt = minivm_hva(vm, GDT_GPA);
	uint64_t *idt = minivm_hva(vm, IDT_GPA);
	int v;

	sregs->gdt.base = GDT_GPA;
	sregs->gdt.limit = 3 * 8 - 1;
	sregs->idt.base = IDT_GPA;
	sregs->idt.limit = 256 * 16 - 1;
	if (!write)
		return;
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;	/* 0x08: 64-bit code, DPL 0 */
	gdt[2] = 0x00cf93000000ffffULL;	/* 0x10: data */
	for (v = 32; v < 256; v++) {
		uint64_t h = (uintptr_t)minivm_irq_stubs + 16 * (v - 32);

		/* 64-bit interrupt gate, present, DPL 0, selector 0x08. */
		idt[2 * v] = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
			     ((h >> 16 & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}
}

static int setup_cpu(struct minivm *vm, const struct minivm_opts *opts,
		     int fd)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_segment seg;
	int cpl = opts->user ? 3 : 0, ret;

	/* The guest sees what KVM supports (XSAVE and AVX for the AVX test). */
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	cpuid->nent = 256;
	ret = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (!ret)
		ret = ioctl(fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (ret)
		return -1;

	if (ioctl(fd, KVM_GET_SREGS, &sregs))
		return -1;
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x620;		/* OSXMMEXCPT OSFXSR PAE */
	if (opts->avx)
		sregs.cr4 |= 1UL << 18;	/* OSXSAVE */
	sregs.efer = 0x500;		/* LMA LME */

	/* Cached segment state is all a guest that never reloads needs. */
	memset(&seg, 0, sizeof(seg));
	seg.limit = 0xffffffff;
	seg.present = 1;
	seg.s = 1;
	seg.g = 1;
	seg.dpl = cpl;
	seg.type = 11;			/* code, execute/read, accessed */
	seg.l = 1;
	seg.selector = 0x08 | cpl;
	sregs.cs = seg;
	seg.type = 3;			/* data, read/write, accessed */
	seg.l = 0;
	seg.db = 1;
	seg.selector = 0x10 | cpl;
	sregs.ds = seg;
	sregs.es = seg;
	sregs.fs = seg;
	sregs.gs = seg;
	sregs.ss = seg;
	if (opts->irqchip)
		setup_tables(vm, &sregs, fd == vm->vcpu_fd);
	if (ioctl(fd, KVM_SET_SREGS, &sregs))
		return -1;

	if (opts->avx) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

		xcrs.xcrs[0].xcr = 0;
		xcrs.xcrs[0].value = 0x7;	/* x87 SSE AVX */
		if (ioctl(fd, KVM_SET_XCRS, &xcrs))
			return -1;
	}
	return 0;
}

/*
 * Where a guest function that returns ends up, through its "ret": with RSP
 * 16-byte aligned rather than as after a call, so realign it, or the SSE
 * stores GCC uses for the ucall struct fault (and with no IDT, the guest
 * shuts down).
 */
static void __attribute__((force_align_arg_pointer)) guest_returned(void)
{
	for (;;)
		GUEST_DONE();
}

static int map_memory(struct minivm *vm, const struct minivm_opts *opts)
{
	const char *mnt = minivm_pvhv_mnt();

	if (opts->anon) {
		/* Private, as QEMU's default RAM: what Linux KSM can merge. */
		vm->mem = mmap(NULL, MINIVM_MEM_SIZE, PROT_READ | PROT_WRITE,
			       (opts->mergeable ? MAP_PRIVATE : MAP_SHARED) |
			       MAP_ANONYMOUS, -1, 0);
		if (vm->mem == MAP_FAILED)
			return -1;
		return opts->mergeable ?
			madvise(vm->mem, MINIVM_MEM_SIZE, MADV_MERGEABLE) : 0;
	}
	if (!mnt) {
		errno = ENODEV;
		return -1;
	}
	if (opts->domain)
		snprintf(vm->dir, sizeof(vm->dir), "%s/%s", mnt, opts->domain);
	else
		snprintf(vm->dir, sizeof(vm->dir), "%s/minivm-%d", mnt, getpid());
	snprintf(vm->path, sizeof(vm->path), "%s/ram", vm->dir);
	if (mkdir(vm->dir, 0700) && errno != EEXIST)
		return -1;
	vm->mem_fd = open(vm->path, O_RDWR | O_CREAT, 0600);
	if (vm->mem_fd < 0 || ftruncate(vm->mem_fd, MINIVM_MEM_SIZE))
		return -1;
	vm->mem = mmap(NULL, MINIVM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, vm->mem_fd, 0);
	return vm->mem == MAP_FAILED ? -1 : 0;
}

/* Start vCPU @fd at @guest_fn(arg) on the stack below @stack_top. */
static int start_at(struct minivm *vm, int fd, uint64_t stack_top,
		    void (*guest_fn)(uint64_t), uint64_t arg)
{
	struct kvm_regs regs = { 0 };

	regs.rip = (uintptr_t)guest_fn;
	regs.rdi = arg;
	regs.rsp = stack_top - 8;	/* as after a call: rsp + 8 aligned */
	*(uint64_t *)minivm_hva(vm, regs.rsp) = (uintptr_t)guest_returned;
	/* CPL 3: IOPL 3 for OUT */
	regs.rflags = vm->opts.user ? 0x3002 : 0x2;
	return ioctl(fd, KVM_SET_REGS, &regs);
}

struct minivm *minivm_create(const struct minivm_opts *opts,
			     void (*guest_fn)(uint64_t), uint64_t arg)
{
	struct kvm_userspace_memory_region region = { 0 };
	unsigned int a, b, c, d;
	struct minivm *vm;
	int run_size;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->mem_fd = -1;
	vm->mem = MAP_FAILED;
	vm->kvm_fd = open("/dev/kvm", O_RDWR);
	if (vm->kvm_fd < 0)
		goto fail;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0 || map_memory(vm, opts))
		goto fail;

	region.memory_size = MINIVM_MEM_SIZE;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		goto fail;
	if (opts->irqchip && ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0))
		goto fail;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_fd < 0 || run_size < 0)
		goto fail;
	vm->run_size = run_size;
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		goto fail;

	if (load_self(vm))
		goto fail;
	__cpuid(0, a, b, c, d);
	vm->vendor_amd = (b == 0x68747541 || b == 0x6f677948); /* Auth, Hygo */
	*(bool *)minivm_hva(vm, (uintptr_t)&guest_is_amd) = vm->vendor_amd;
	setup_page_tables(vm, opts->user);
	vm->opts = *opts;
	vm->opts.domain = NULL;		/* the caller's string, used above */
	if (setup_cpu(vm, opts, vm->vcpu_fd) ||
	    start_at(vm, vm->vcpu_fd, STACK_TOP, guest_fn, arg))
		goto fail;
	vm->nr_vcpus = 1;
	return vm;
fail:
	minivm_destroy(vm);
	return NULL;
}

int minivm_add_vcpu(struct minivm *vm, void (*guest_fn)(uint64_t),
		    uint64_t arg)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct minivm_vcpu *v;
	int i = vm->nr_vcpus;

	if (i >= MINIVM_MAX_VCPUS) {
		errno = ENOSPC;
		return -1;
	}
	v = &vm->ap[i];
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
	if (v->fd < 0)
		return -1;
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		goto fail;
	}
	/* With KVM's local APIC an AP waits for INIT-SIPI: start it now. */
	if (setup_cpu(vm, &vm->opts, v->fd) ||
	    start_at(vm, v->fd, STACK_TOP - i * STACK_SIZE, guest_fn, arg) ||
	    (vm->opts.irqchip && ioctl(v->fd, KVM_SET_MP_STATE, &runnable)))
		goto fail;
	vm->nr_vcpus++;
	return i;
fail:
	if (v->run)
		munmap(v->run, vm->run_size);
	close(v->fd);
	memset(v, 0, sizeof(*v));
	return -1;
}

static enum ucall_type run_vcpu(struct minivm *vm, int fd, struct kvm_run *run,
				struct ucall *uc)
{
	struct kvm_regs regs;

	memset(uc, 0, sizeof(*uc));
	if (ioctl(fd, KVM_RUN, 0))
		return UCALL_NONE;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT) {
		fprintf(stderr, "minivm: unexpected exit reason %u\n",
			run->exit_reason);
		return UCALL_NONE;
	}
	if (ioctl(fd, KVM_GET_REGS, &regs) ||
	    regs.rdi + sizeof(*uc) > MINIVM_MEM_SIZE)
		return UCALL_NONE;
	memcpy(uc, minivm_hva(vm, regs.rdi), sizeof(*uc));
	if (uc->type == UCALL_ASSERT)
		/* expr points into the image, the same in guest and test. */
		fprintf(stderr, "guest assertion failed at line %lu: %s (%#lx != %#lx)\n",
			(unsigned long)uc->line, uc->expr,
			(unsigned long)uc->args[0],
			(unsigned long)uc->args[1]);
	return uc->type;
}

enum ucall_type minivm_run(struct minivm *vm)
{
	return run_vcpu(vm, vm->vcpu_fd, vm->run, &vm->uc);
}

enum ucall_type minivm_run_vcpu(struct minivm *vm, int i, struct ucall *uc)
{
	enum ucall_type type;

	if (!i) {
		type = minivm_run(vm);
		*uc = vm->uc;
		return type;
	}
	if (i < 0 || i >= vm->nr_vcpus) {
		memset(uc, 0, sizeof(*uc));
		return UCALL_NONE;
	}
	return run_vcpu(vm, vm->ap[i].fd, vm->ap[i].run, uc);
}

static void vcpu_kick_signal(int sig)
{
	(void)sig;		/* only to interrupt KVM_RUN */
}

static void *vcpu_thread(void *arg)
{
	struct minivm_vcpu *v = arg;
	enum ucall_type type;

	do
		type = minivm_run_vcpu(v->vm, v->index, &v->uc);
	while (type == UCALL_SYNC);
	return (void *)(uintptr_t)type;
}

int minivm_vcpu_start(struct minivm *vm, int i)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_signal };
	struct minivm_vcpu *v;

	if (i < 0 || i >= vm->nr_vcpus)
		return EINVAL;
	v = &vm->ap[i];
	v->vm = vm;
	v->index = i;
	/* No SA_RESTART: the kick must make KVM_RUN return. */
	sigaction(SIGUSR1, &sa, NULL);
	return pthread_create(&v->thread, NULL, vcpu_thread, v);
}

void minivm_vcpu_kick(struct minivm *vm, int i)
{
	struct kvm_run *run;

	if (i < 0 || i >= vm->nr_vcpus || vm->ap[i].vm != vm)
		return;
	run = i ? vm->ap[i].run : vm->run;
	/* immediate_exit catches a thread between two KVM_RUNs too. */
	__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vm->ap[i].thread, SIGUSR1);
}

bool minivm_vcpu_tryjoin(struct minivm *vm, int i, enum ucall_type *type)
{
	void *ret;

	if (i < 0 || i >= vm->nr_vcpus || vm->ap[i].vm != vm ||
	    pthread_tryjoin_np(vm->ap[i].thread, &ret))
		return false;
	vm->ap[i].vm = NULL;		/* joined */
	*type = (enum ucall_type)(uintptr_t)ret;
	return true;
}

enum ucall_type minivm_vcpu_join(struct minivm *vm, int i)
{
	void *ret;

	if (i < 0 || i >= vm->nr_vcpus || vm->ap[i].vm != vm ||
	    pthread_join(vm->ap[i].thread, &ret))
		return UCALL_NONE;
	vm->ap[i].vm = NULL;		/* joined */
	return (enum ucall_type)(uintptr_t)ret;
}

void minivm_destroy(struct minivm *vm)
{
	int saved = errno, i;

	if (!vm)
		return;
	if (vm->mem != MAP_FAILED && vm->mem)
		munmap(vm->mem, MINIVM_MEM_SIZE);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	if (vm->path[0])
		unlink(vm->path);
	if (vm->dir[0])
		rmdir(vm->dir);
	for (i = 1; i < vm->nr_vcpus; i++) {
		munmap(vm->ap[i].run, vm->run_size);
		close(vm->ap[i].fd);
	}
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd > 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd > 0)
		close(vm->vm_fd);
	if (vm->kvm_fd > 0)
		close(vm->kvm_fd);
	free(vm);
	errno = saved;
}
