// SPDX-License-Identifier: GPL-2.0
/*
 * The network backend's scheduler: one kernel thread, pvhv-net, serves
 * every connected interface of every domain, taking turns.
 *
 * An interface with work (a guest's kick on its event channel, a packet
 * for it from the host) goes on the tail of the active list.  The thread
 * takes the head, lets it transmit up to its deficit, delivers packets to
 * it, and puts it back on the tail if it still has work: deficit round
 * robin.  Each turn adds the interface's transmit credit (sysfs tx_credit)
 * to its deficit; an interface that runs out of requests loses what is
 * left.  So guests that transmit flat out share the thread in proportion
 * to their credit, whatever their packet sizes, and one guest cannot starve
 * another by keeping its ring full.
 */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "../pvhv/domain.h"
#include "netback.h"

/* Packets an interface may transmit, and receive, in one turn. */
#define NET_TURN_BUDGET		64

static DEFINE_SPINLOCK(pvhv_net_sched_lock);
static LIST_HEAD(pvhv_net_active);
static struct pvhv_vif *pvhv_net_serving;	/* the thread's turn */
static DECLARE_WAIT_QUEUE_HEAD(pvhv_net_work_wq);
static DECLARE_WAIT_QUEUE_HEAD(pvhv_net_idle_wq);
static struct task_struct *pvhv_net_thread;

/*
 * Called from the event channel (under its lock), from the host's
 * transmit path (softirq) and from process context.
 */
void pvhv_net_kick(struct pvhv_vif *vif)
{
	unsigned long flags;
	bool wake = false;

	spin_lock_irqsave(&pvhv_net_sched_lock, flags);
	if (vif->active) {
		vif->kicked = true;
		if (list_empty(&vif->sched_node) && pvhv_net_serving != vif) {
			list_add_tail(&vif->sched_node, &pvhv_net_active);
			wake = true;
		}
	}
	spin_unlock_irqrestore(&pvhv_net_sched_lock, flags);
	if (wake)
		wake_up(&pvhv_net_work_wq);
}

void pvhv_net_sched_start(struct pvhv_vif *vif)
{
	spin_lock_irq(&pvhv_net_sched_lock);
	vif->active = true;
	vif->broken = false;
	vif->deficit = 0;
	spin_unlock_irq(&pvhv_net_sched_lock);
	/* Look at the rings once: the guest may have posted pages already. */
	pvhv_net_kick(vif);
}

void pvhv_net_sched_stop(struct pvhv_vif *vif)
{
	spin_lock_irq(&pvhv_net_sched_lock);
	vif->active = false;
	list_del_init(&vif->sched_node);
	spin_unlock_irq(&pvhv_net_sched_lock);
	wait_event(pvhv_net_idle_wq, READ_ONCE(pvhv_net_serving) != vif);
}

void pvhv_net_vif_broken(struct pvhv_vif *vif, const char *ring)
{
	pr_warn_ratelimited("pvhv: %s: vif%u: bad %s ring producer index, interface stopped\n",
			    kobject_name(&vif->dom->kobj), vif->index, ring);
	spin_lock_irq(&pvhv_net_sched_lock);
	vif->broken = true;
	vif->active = false;
	spin_unlock_irq(&pvhv_net_sched_lock);
}

/* One turn of @vif.  True if it has work left. */
static bool pvhv_net_serve(struct pvhv_vif *vif)
{
	bool tx_more, rx_more;

	vif->deficit = min_t(long, vif->deficit + READ_ONCE(vif->tx_credit),
			     2L * PVHV_NET_MAX_PACKET + READ_ONCE(vif->tx_credit));
	tx_more = pvhv_net_tx(vif, NET_TURN_BUDGET);
	if (!tx_more)
		vif->deficit = 0;
	rx_more = pvhv_net_rx(vif, NET_TURN_BUDGET);
	return tx_more || rx_more;
}

static int pvhv_net_thread_fn(void *unused)
{
	struct pvhv_vif *vif;
	bool more;

	while (!kthread_should_stop()) {
		spin_lock_irq(&pvhv_net_sched_lock);
		vif = list_first_entry_or_null(&pvhv_net_active,
					       struct pvhv_vif, sched_node);
		if (!vif) {
			spin_unlock_irq(&pvhv_net_sched_lock);
			wait_event_interruptible(pvhv_net_work_wq,
						 !list_empty(&pvhv_net_active) ||
						 kthread_should_stop());
			continue;
		}
		list_del_init(&vif->sched_node);
		vif->kicked = false;
		WRITE_ONCE(pvhv_net_serving, vif);
		spin_unlock_irq(&pvhv_net_sched_lock);

		more = pvhv_net_serve(vif);

		spin_lock_irq(&pvhv_net_sched_lock);
		WRITE_ONCE(pvhv_net_serving, NULL);
		if (vif->active && (more || vif->kicked))
			list_add_tail(&vif->sched_node, &pvhv_net_active);
		spin_unlock_irq(&pvhv_net_sched_lock);
		wake_up(&pvhv_net_idle_wq);
		cond_resched();
	}
	return 0;
}

int pvhv_net_sched_init(void)
{
	pvhv_net_thread = kthread_run(pvhv_net_thread_fn, NULL, "pvhv-net");
	return PTR_ERR_OR_ZERO(pvhv_net_thread);
}

void pvhv_net_sched_exit(void)
{
	kthread_stop(pvhv_net_thread);
}
