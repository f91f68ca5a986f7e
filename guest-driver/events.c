// SPDX-License-Identifier: GPL-2.0
/*
 * Guest event channels.
 *
 * The upcall is an ordinary Linux interrupt: a vector allocated from the
 * x86 vector domain and pinned to CPU 0, whose vector and APIC id are
 * registered with pvhv.  The handler follows the protocol of
 * include/uapi/pvhv/event.h: clear upcall_pending, then test-and-clear the
 * pending bit of every unmasked port and run its handler.
 */
#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/spinlock.h>
#include <asm/irqdomain.h>
#include <asm/hw_irq.h>
#include <pvhv/pvhv.h>
#include <pvhv/event.h>

#include "hypercall.h"
#include "events.h"

static struct pvhv_shared_info *pvhv_si;
static int pvhv_upcall_irq;

static DEFINE_SPINLOCK(pvhv_events_lock);	/* handler table updates */
static struct {
	pvhv_event_fn fn;
	void *data;
} pvhv_ports[PVHV_EVTCHN_PORTS];

static unsigned long *pending_words(void)
{
	return (unsigned long *)pvhv_si->evtchn_pending;
}

static unsigned long *mask_words(void)
{
	return (unsigned long *)pvhv_si->evtchn_mask;
}

static void pvhv_event_run(unsigned int port)
{
	pvhv_event_fn fn = READ_ONCE(pvhv_ports[port].fn);

	if (fn)
		fn(port, READ_ONCE(pvhv_ports[port].data));
}

static irqreturn_t pvhv_upcall(int irq, void *unused)
{
	unsigned long bits;
	unsigned int w, b;

	/* Before the scan: an event raised during it brings a new upcall. */
	xchg(&pvhv_si->upcall_pending, 0);
	for (w = 0; w < PVHV_EVTCHN_WORDS; w++) {
		bits = READ_ONCE(pending_words()[w]) & ~READ_ONCE(mask_words()[w]);
		for_each_set_bit(b, &bits, BITS_PER_LONG) {
			unsigned int port = w * BITS_PER_LONG + b;

			if (test_and_clear_bit(port, pending_words()))
				pvhv_event_run(port);
		}
	}
	return IRQ_HANDLED;
}

int pvhv_event_alloc_unbound(u32 remote, pvhv_event_fn fn, void *data)
{
	unsigned long flags;
	long port;

	port = pvhv_hypercall(PVHV_HC_EVTCHN_ALLOC_UNBOUND, remote, 0, 0);
	if (port < 0)
		return port;
	spin_lock_irqsave(&pvhv_events_lock, flags);
	WRITE_ONCE(pvhv_ports[port].data, data);
	WRITE_ONCE(pvhv_ports[port].fn, fn);
	spin_unlock_irqrestore(&pvhv_events_lock, flags);
	return port;
}

void pvhv_event_close(unsigned int port)
{
	unsigned long flags;

	pvhv_hypercall(PVHV_HC_EVTCHN_CLOSE, port, 0, 0);
	spin_lock_irqsave(&pvhv_events_lock, flags);
	WRITE_ONCE(pvhv_ports[port].fn, NULL);
	spin_unlock_irqrestore(&pvhv_events_lock, flags);
	synchronize_irq(pvhv_upcall_irq);
}

int pvhv_event_send(unsigned int port)
{
	return pvhv_hypercall(PVHV_HC_EVTCHN_SEND, port, 0, 0) ? -EIO : 0;
}

void pvhv_event_mask(unsigned int port)
{
	set_bit(port, mask_words());
}

void pvhv_event_unmask(unsigned int port)
{
	unsigned long flags;

	clear_bit(port, mask_words());
	/* An event that came while masked raised no upcall: run it here. */
	local_irq_save(flags);
	if (test_and_clear_bit(port, pending_words()))
		pvhv_event_run(port);
	local_irq_restore(flags);
}

/* An interrupt of our own, straight from the x86 vector domain. */
static int pvhv_alloc_upcall_irq(void)
{
	struct irq_alloc_info info = { .mask = cpumask_of(0) };
	int irq;

	irq = irq_domain_alloc_irqs(x86_vector_domain, 1, NUMA_NO_NODE, &info);
	if (irq <= 0)
		return irq ?: -ENOSPC;
	irq_set_handler(irq, handle_edge_irq);
	return irq;
}

int pvhv_events_init(void)
{
	struct irq_cfg *cfg;
	long ret;

	pvhv_si = (void *)get_zeroed_page(GFP_KERNEL);
	if (!pvhv_si)
		return -ENOMEM;
	/* Every port masked until someone binds it. */
	memset(pvhv_si->evtchn_mask, 0xff, sizeof(pvhv_si->evtchn_mask));

	ret = pvhv_alloc_upcall_irq();
	if (ret < 0)
		goto err_page;
	pvhv_upcall_irq = ret;
	ret = request_irq(pvhv_upcall_irq, pvhv_upcall, IRQF_NOBALANCING,
			  "pvhv-events", NULL);
	if (ret)
		goto err_irq;
	cfg = irqd_cfg(irq_get_irq_data(pvhv_upcall_irq));

	/* A previous kernel of this VM may have left ports open. */
	pvhv_hypercall(PVHV_HC_EVTCHN_RESET, 0, 0, 0);
	ret = pvhv_hypercall(PVHV_HC_EVTCHN_SETUP, __pa(pvhv_si), cfg->vector,
			     cfg->dest_apicid);
	if (ret) {
		pr_err("pvhv-guest: event channel setup failed (%ld)\n", ret);
		ret = -EIO;
		goto err_free;
	}
	/* Ports are unmasked as they are allocated. */
	memset(pvhv_si->evtchn_mask, 0, sizeof(pvhv_si->evtchn_mask));
	pr_info("pvhv-guest: event channels on vector %#x, APIC %u\n",
		cfg->vector, cfg->dest_apicid);
	return 0;

err_free:
	free_irq(pvhv_upcall_irq, NULL);
err_irq:
	irq_dispose_mapping(pvhv_upcall_irq);
err_page:
	free_page((unsigned long)pvhv_si);
	return ret;
}

void pvhv_events_exit(void)
{
	pvhv_hypercall(PVHV_HC_EVTCHN_RESET, 0, 0, 0);
	/* No upcalls any more; the host still holds the page until then. */
	pvhv_hypercall(PVHV_HC_EVTCHN_SETUP, __pa(pvhv_si), 0,
		       cpu_physical_id(0));
	free_irq(pvhv_upcall_irq, NULL);
	irq_dispose_mapping(pvhv_upcall_irq);
	/* With no port left, pvhv never writes the page again. */
	free_page((unsigned long)pvhv_si);
}
