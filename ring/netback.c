// SPDX-License-Identifier: GPL-2.0
/*
 * The PV network backend: virtual interfaces (vif) of a domain, each one a
 * host network device, pvif<domid>.<index>, that the admin puts on a
 * bridge like any tap (include/uapi/pvhv/netif.h).
 *
 * The admin adds an interface to a domain (domains/<name>/net/attach,
 * with the guest's MAC address); the guest connects it with two rings and
 * an event channel.  Packets the guest transmits come out of the host
 * netdev as received packets; packets the host netdev transmits go into
 * pages the guest posted.  One thread serves every interface
 * (netback_sched.c).
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/kvm_host.h>
#include <pvhv/pvhv.h>
#include <pvhv/netif.h>

#include "../pvhv/domain.h"
#include "../pvhv/evtchn.h"
#include "../pvhv/grant.h"
#include "../pvhv/hypercall.h"
#include "../pvhv/core.h"
#include "netback.h"

struct pvhv_vif_dom {
	struct pvhv_vif *vif[PVHV_VIF_MAX_IFS];
};

/* dom->vif and the vif[] tables of all domains. */
static DEFINE_MUTEX(pvhv_vif_lock);
static atomic_t pvhv_vif_attached = ATOMIC_INIT(0);
static atomic_t pvhv_vif_connected = ATOMIC_INIT(0);

#define VIF_FEATURES	(PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG | \
			 PVHV_NET_FEAT_GSO_TCP | PVHV_NET_FEAT_RX_GSO)

/* ---- the host netdev ---- */

static int vif_open(struct net_device *dev)
{
	if (READ_ONCE(pvhv_netdev_vif(dev)->active))
		netif_carrier_on(dev);
	netif_start_queue(dev);
	return 0;
}

static int vif_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

/* Host view: what the guest transmits is received here, and vice versa. */
static void vif_get_stats64(struct net_device *dev,
			    struct rtnl_link_stats64 *st)
{
	struct pvhv_vif_stats *s = &pvhv_netdev_vif(dev)->stats;

	st->rx_packets = atomic64_read(&s->tx_packets);
	st->rx_bytes = atomic64_read(&s->tx_bytes);
	st->rx_errors = atomic64_read(&s->tx_errors);
	st->rx_dropped = atomic64_read(&s->tx_dropped);
	st->tx_packets = atomic64_read(&s->rx_packets);
	st->tx_bytes = atomic64_read(&s->rx_bytes);
	st->tx_errors = atomic64_read(&s->rx_errors);
	st->tx_dropped = atomic64_read(&s->rx_no_buffer) +
			 atomic64_read(&s->rx_dropped);
}

/*
 * TCP segmentation goes to a guest that takes GSO packets; for any other
 * guest, and any other kind of segmentation, the stack segments first.
 */
static netdev_features_t vif_features_check(struct sk_buff *skb,
					    struct net_device *dev,
					    netdev_features_t features)
{
	struct pvhv_vif *vif = pvhv_netdev_vif(dev);

	if (skb_is_gso(skb) &&
	    (!(READ_ONCE(vif->features) & PVHV_NET_FEAT_RX_GSO) ||
	     (skb_shinfo(skb)->gso_type &
	      ~(SKB_GSO_TCPV4 | SKB_GSO_TCPV6 | SKB_GSO_DODGY))))
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

static const struct net_device_ops pvhv_vif_netdev_ops = {
	.ndo_open = vif_open,
	.ndo_stop = vif_stop,
	.ndo_start_xmit = pvhv_net_start_xmit,
	.ndo_features_check = vif_features_check,
	.ndo_get_stats64 = vif_get_stats64,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void vif_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "pvhv-netback", sizeof(info->driver));
	snprintf(info->bus_info, sizeof(info->bus_info), "pvhv:%s:vif%u",
		 kobject_name(&pvhv_netdev_vif(dev)->dom->kobj),
		 pvhv_netdev_vif(dev)->index);
}

static const struct ethtool_ops pvhv_vif_ethtool_ops = {
	.get_drvinfo = vif_get_drvinfo,
	.get_link = ethtool_op_get_link,
};

static struct net_device *vif_netdev_alloc(struct pvhv_vif *vif)
{
	struct net_device *dev;

	dev = alloc_netdev(sizeof(vif), "pvif", NET_NAME_UNKNOWN, ether_setup);
	if (!dev)
		return NULL;
	*(struct pvhv_vif **)netdev_priv(dev) = vif;
	snprintf(dev->name, IFNAMSIZ, "pvif%llu.%u", vif->dom->id, vif->index);
	dev->netdev_ops = &pvhv_vif_netdev_ops;
	dev->ethtool_ops = &pvhv_vif_ethtool_ops;
	/*
	 * Packets for the guest may come with partial checksums and in
	 * fragments (we copy them), and as TCP GSO packets of up to 64 KiB
	 * if the guest takes them (vif_features_check()).
	 */
	dev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM |
			   NETIF_F_TSO | NETIF_F_TSO6;
	/*
	 * Untrusted (DODGY) GSO packets, another guest's or a tap's, go to
	 * the guest as they are: its stack checks them, as virtio-net's.
	 */
	dev->features = dev->hw_features | NETIF_F_GSO_ROBUST;
	netif_set_tso_max_size(dev, PVHV_NET_MAX_PACKET);
	dev->max_mtu = PVHV_NET_MAX_MTU;
	dev->tx_queue_len = VIF_RX_QUEUE_MAX;
	/* The host side's own address; the guest's is vif->mac. */
	eth_hw_addr_random(dev);
	netif_carrier_off(dev);
	return dev;
}

/* ---- connection ---- */

static void vif_disconnect(struct pvhv_vif *vif)
{
	mutex_lock(&vif->lock);
	if (vif->connected) {
		pvhv_evtchn_unbind_host(vif->dom, vif->port, vif);
		pvhv_net_sched_stop(vif);
		timer_delete_sync(&vif->rx_stall_timer);
		vif->rx_stalled = false;
		netif_carrier_off(vif->dev);
		skb_queue_purge(&vif->rx_queue);
		pvhv_grant_unmap(&vif->tx_ring_map);
		pvhv_grant_unmap(&vif->rx_ring_map);
		vif->connected = false;
		atomic_dec(&pvhv_vif_connected);
	}
	mutex_unlock(&vif->lock);
}

static void vif_evtchn_kick(void *data)
{
	pvhv_net_kick(data);
}

static int vif_connect(struct pvhv_vif *vif, const struct pvhv_vif_connect *c)
{
	int ret;

	if (c->features & ~VIF_FEATURES)
		return -PVHV_EINVAL;
	mutex_lock(&vif->lock);
	if (vif->connected) {
		ret = -PVHV_EBUSY;
		goto out;
	}
	ret = pvhv_grant_map(vif->dom, c->tx_ring_ref, PVHV_DOMID_HOST, true,
			     &vif->tx_ring_map);
	if (ret)
		goto out;
	ret = pvhv_grant_map(vif->dom, c->rx_ring_ref, PVHV_DOMID_HOST, true,
			     &vif->rx_ring_map);
	if (ret)
		goto err_tx;
	/* One page each, always mapped in the kernel (no highmem on x86-64). */
	pvhv_nettx_back_init(&vif->tx, page_address(vif->tx_ring_map.pin.page),
			     PVHV_NET_RING_BYTES);
	pvhv_netrx_back_init(&vif->rx, page_address(vif->rx_ring_map.pin.page),
			     PVHV_NET_RING_BYTES);
	vif->features = c->features;
	vif->tx_skipping = false;
	ret = pvhv_evtchn_bind_host(vif->dom, c->port, vif_evtchn_kick, vif);
	if (ret)
		goto err_rx;	/* -ENOENT (not unbound for the host), -ENODEV */
	vif->port = c->port;
	vif->connected = true;
	atomic_inc(&pvhv_vif_connected);
	pvhv_net_sched_start(vif);
	if (netif_running(vif->dev))
		netif_carrier_on(vif->dev);
	mutex_unlock(&vif->lock);
	return 0;

err_rx:
	pvhv_grant_unmap(&vif->rx_ring_map);
err_tx:
	pvhv_grant_unmap(&vif->tx_ring_map);
out:
	mutex_unlock(&vif->lock);
	return ret;
}

/* ---- hypercalls ---- */

/* The caller's interface @index with a kobject reference, or NULL. */
static struct pvhv_vif *vif_get(struct pvhv_domain *dom, u64 index)
{
	struct pvhv_vif *vif = NULL;

	if (index >= PVHV_VIF_MAX_IFS)
		return NULL;
	/* A guest's number: no speculative read past the array either. */
	index = array_index_nospec(index, PVHV_VIF_MAX_IFS);
	mutex_lock(&pvhv_vif_lock);
	if (dom->vif)
		vif = dom->vif->vif[index];
	if (vif)
		kobject_get(&vif->kobj);
	mutex_unlock(&pvhv_vif_lock);
	return vif;
}

/* vif_info(index, gpa) */
static long hc_vif_info(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[1];
	struct pvhv_vif_info info = {};
	struct pvhv_vif *vif;

	if ((gpa & ~PAGE_MASK) + sizeof(info) > PAGE_SIZE)
		return -PVHV_EINVAL;
	vif = vif_get(ctx->dom, ctx->args[0]);
	if (!vif)
		return -PVHV_ENOENT;
	memcpy(info.mac, vif->mac, ETH_ALEN);
	info.mtu = READ_ONCE(vif->dev->mtu);
	info.flags = READ_ONCE(vif->connected) ? PVHV_VIF_CONNECTED : 0;
	info.features = VIF_FEATURES;
	info.max_tx_slots = PVHV_NET_MAX_TX_SLOTS;
	kobject_put(&vif->kobj);
	if (kvm_vcpu_write_guest(ctx->vcpu, gpa, &info, sizeof(info)))
		return -PVHV_EFAULT;
	return 0;
}

/* vif_connect(index, gpa) */
static long hc_vif_connect(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_vif_connect c;
	struct pvhv_vif *vif;
	long ret;

	if (kvm_vcpu_read_guest(ctx->vcpu, ctx->args[1], &c, sizeof(c)))
		return -PVHV_EFAULT;
	vif = vif_get(ctx->dom, ctx->args[0]);
	if (!vif)
		return -PVHV_ENOENT;
	ret = vif_connect(vif, &c);
	kobject_put(&vif->kobj);
	return ret;
}

/* vif_disconnect(index) */
static long hc_vif_disconnect(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_vif *vif = vif_get(ctx->dom, ctx->args[0]);

	if (!vif)
		return -PVHV_ENOENT;
	vif_disconnect(vif);
	kobject_put(&vif->kobj);
	return 0;
}

/* ---- sysfs: domains/<name>/vif<index>/ ---- */

#define to_vif(k) container_of(k, struct pvhv_vif, kobj)

static ssize_t ifname_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vif(kobj)->dev->name);
}

static ssize_t mac_show(struct kobject *kobj, struct kobj_attribute *a,
			char *buf)
{
	return sysfs_emit(buf, "%pM\n", to_vif(kobj)->mac);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *a,
			  char *buf)
{
	struct pvhv_vif *vif = to_vif(kobj);

	return sysfs_emit(buf, "%s\n", READ_ONCE(vif->broken) ? "broken" :
			  READ_ONCE(vif->connected) ? "connected" : "attached");
}

static ssize_t tx_credit_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vif(kobj)->tx_credit));
}

/* Bytes per round: at least one full-size packet, at most 16 MiB. */
static ssize_t tx_credit_store(struct kobject *kobj, struct kobj_attribute *a,
			       const char *buf, size_t count)
{
	unsigned int v;
	int ret = kstrtouint(buf, 0, &v);

	if (ret)
		return ret;
	if (v < 1536 || v > (16U << 20))
		return -ERANGE;
	WRITE_ONCE(to_vif(kobj)->tx_credit, v);
	return count;
}

static ssize_t rx_posted_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	struct pvhv_vif *vif = to_vif(kobj);
	s64 n = 0;

	mutex_lock(&vif->lock);
	if (vif->connected && !READ_ONCE(vif->broken))
		n = pvhv_netrx_back_req_pending(&vif->rx);
	mutex_unlock(&vif->lock);
	return sysfs_emit(buf, "%lld\n", max_t(s64, n, 0));
}

#define VIF_STAT(name, counter)						\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *a, \
			   char *buf)					\
{									\
	struct pvhv_vif_stats *s = &to_vif(kobj)->stats;		\
									\
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(counter)); \
}									\
static struct kobj_attribute vif_##name##_attr = __ATTR_RO(name)

VIF_STAT(tx_packets, &s->tx_packets);
VIF_STAT(tx_bytes, &s->tx_bytes);
VIF_STAT(tx_errors, &s->tx_errors);
VIF_STAT(tx_dropped, &s->tx_dropped);
VIF_STAT(rx_packets, &s->rx_packets);
VIF_STAT(rx_bytes, &s->rx_bytes);
VIF_STAT(rx_errors, &s->rx_errors);
VIF_STAT(rx_no_buffer, &s->rx_no_buffer);
VIF_STAT(rx_dropped, &s->rx_dropped);
VIF_STAT(rx_copied, &s->rx_copied);
VIF_STAT(rx_traded, &s->rx_traded);
static struct kobj_attribute vif_ifname_attr = __ATTR_RO(ifname);
static struct kobj_attribute vif_mac_attr = __ATTR_RO(mac);
static struct kobj_attribute vif_state_attr = __ATTR_RO(state);
static struct kobj_attribute vif_tx_credit_attr = __ATTR_RW(tx_credit);
static struct kobj_attribute vif_rx_posted_attr = __ATTR_RO(rx_posted);

static struct attribute *pvhv_vif_attrs[] = {
	&vif_ifname_attr.attr,
	&vif_mac_attr.attr,
	&vif_state_attr.attr,
	&vif_tx_credit_attr.attr,
	&vif_rx_posted_attr.attr,
	&vif_tx_packets_attr.attr,
	&vif_tx_bytes_attr.attr,
	&vif_tx_errors_attr.attr,
	&vif_tx_dropped_attr.attr,
	&vif_rx_packets_attr.attr,
	&vif_rx_bytes_attr.attr,
	&vif_rx_errors_attr.attr,
	&vif_rx_no_buffer_attr.attr,
	&vif_rx_dropped_attr.attr,
	&vif_rx_copied_attr.attr,
	&vif_rx_traded_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pvhv_vif);

static void pvhv_vif_release(struct kobject *kobj)
{
	struct pvhv_vif *vif = to_vif(kobj);

	/* A transmit racing with the last disconnect may have left one. */
	skb_queue_purge(&vif->rx_queue);
	if (vif->dev)
		free_netdev(vif->dev);
	kfree(vif);
	atomic_dec(&pvhv_vif_attached);
}

static const struct kobj_type pvhv_vif_ktype = {
	.release = pvhv_vif_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = pvhv_vif_groups,
};

/* ---- attach and detach ---- */

/* The first free index of @dom, claimed with NULL; pvhv_vif_lock held. */
static int vif_slot(struct pvhv_domain *dom)
{
	int idx;

	if (!dom->vif)
		dom->vif = kzalloc(sizeof(*dom->vif), GFP_KERNEL_ACCOUNT);
	if (!dom->vif)
		return -ENOMEM;
	for (idx = 0; idx < PVHV_VIF_MAX_IFS; idx++)
		if (!dom->vif->vif[idx])
			return idx;
	return -ENOSPC;
}

/* "MAC" or "auto": the new interface's index, or a negative errno. */
static int vif_attach(struct pvhv_domain *dom, const char *spec)
{
	struct pvhv_vif *vif;
	char buf[32];
	int idx, ret;

	vif = kzalloc(sizeof(*vif), GFP_KERNEL_ACCOUNT);
	if (!vif)
		return -ENOMEM;
	strscpy(buf, spec, sizeof(buf));
	if (!strcmp(strim(buf), "auto")) {
		eth_random_addr(vif->mac);
	} else if (!mac_pton(strim(buf), vif->mac) ||
		   !is_valid_ether_addr(vif->mac)) {
		kfree(vif);
		return -EINVAL;
	}
	vif->dom = dom;
	vif->tx_credit = VIF_TX_CREDIT;
	mutex_init(&vif->lock);
	INIT_LIST_HEAD(&vif->sched_node);
	skb_queue_head_init(&vif->rx_queue);
	timer_setup(&vif->rx_stall_timer, pvhv_net_rx_stall_timer, 0);
	kobject_init(&vif->kobj, &pvhv_vif_ktype);
	atomic_inc(&pvhv_vif_attached);	/* undone by the release */

	mutex_lock(&pvhv_vif_lock);
	/* After destroy detached everything, an interface would never go. */
	idx = READ_ONCE(dom->destroyed) ? -ENODEV : vif_slot(dom);
	ret = idx < 0 ? idx : 0;
	if (!ret) {
		vif->index = idx;
		vif->dev = vif_netdev_alloc(vif);
		ret = vif->dev ? register_netdev(vif->dev) : -ENOMEM;
	}
	if (!ret) {
		ret = kobject_add(&vif->kobj, &dom->kobj, "vif%d", idx);
		if (ret)
			unregister_netdev(vif->dev);
	}
	if (!ret)
		dom->vif->vif[idx] = vif;
	mutex_unlock(&pvhv_vif_lock);
	if (ret) {
		kobject_put(&vif->kobj);
		return ret;
	}
	return idx;
}

static int vif_detach(struct pvhv_domain *dom, unsigned int idx)
{
	struct pvhv_vif *vif = NULL;

	mutex_lock(&pvhv_vif_lock);
	if (dom->vif && idx < PVHV_VIF_MAX_IFS) {
		vif = dom->vif->vif[idx];
		dom->vif->vif[idx] = NULL;
	}
	mutex_unlock(&pvhv_vif_lock);
	if (!vif)
		return -ENOENT;
	/*
	 * Disconnected, the netdev drops what it is given; unregistered, it
	 * is given nothing more (and its carrier must not change any more).
	 */
	vif_disconnect(vif);
	unregister_netdev(vif->dev);
	skb_queue_purge(&vif->rx_queue);
	kobject_del(&vif->kobj);
	kobject_put(&vif->kobj);
	return 0;
}

static ssize_t attach_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	int ret = vif_attach(kobj_to_domain(kobj), buf);

	return ret < 0 ? ret : count;
}

static ssize_t detach_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	unsigned int idx;
	int ret;

	ret = kstrtouint(buf, 10, &idx);
	if (!ret)
		ret = vif_detach(kobj_to_domain(kobj), idx);
	return ret < 0 ? ret : count;
}

static struct kobj_attribute vif_attach_attr = __ATTR_WO(attach);
static struct kobj_attribute vif_detach_attr = __ATTR_WO(detach);

static struct attribute *pvhv_net_attrs[] = {
	&vif_attach_attr.attr,
	&vif_detach_attr.attr,
	NULL,
};

static const struct attribute_group pvhv_net_attr_group = {
	.name = "net",
	.attrs = pvhv_net_attrs,
};

/* /sys/kernel/pvhv/net/: all domains, and the trade threshold. */
static ssize_t attached_show(struct kobject *kobj, struct kobj_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pvhv_vif_attached));
}

static ssize_t connected_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pvhv_vif_connected));
}

static struct kobj_attribute net_attached_attr = __ATTR_RO(attached);
static struct kobj_attribute net_connected_attr = __ATTR_RO(connected);
/* PVHV_NET_MAX_PACKET + 1 (65536): never. */
static PVHV_UINT_ATTR(rx_trade_min, pvhv_net_rx_trade_min,
		      PVHV_NET_MAX_PACKET + 1);
/* 0: drop at once; at most a second, not to hold host memory long. */
static PVHV_UINT_ATTR(rx_stall_ms, pvhv_net_rx_stall_ms, 1000);

static struct attribute *pvhv_net_global_attrs[] = {
	&net_attached_attr.attr,
	&net_connected_attr.attr,
	&pvhv_uint_attr_rx_trade_min.kattr.attr,
	&pvhv_uint_attr_rx_stall_ms.kattr.attr,
	NULL,
};

static const struct attribute_group pvhv_net_global_group = {
	.name = "net",
	.attrs = pvhv_net_global_attrs,
};

/* ---- domain lifetime ---- */

static int vif_domain_create(struct pvhv_domain *dom)
{
	return sysfs_create_group(&dom->kobj, &pvhv_net_attr_group);
}

static void vif_domain_teardown(struct pvhv_domain *dom, struct kvm *kvm)
{
	struct pvhv_vif *vif;
	int i;

	/* The VM is gone: stop every interface; they stay attached. */
	for (i = 0; i < PVHV_VIF_MAX_IFS; i++) {
		vif = vif_get(dom, i);
		if (vif) {
			vif_disconnect(vif);
			kobject_put(&vif->kobj);
		}
	}
}

static void vif_domain_destroy(struct pvhv_domain *dom)
{
	int i;

	for (i = 0; i < PVHV_VIF_MAX_IFS; i++)
		vif_detach(dom, i);
	mutex_lock(&pvhv_vif_lock);
	kfree(dom->vif);
	dom->vif = NULL;
	mutex_unlock(&pvhv_vif_lock);
}

static struct pvhv_domain_ops pvhv_vif_domain_ops = {
	.create = vif_domain_create,
	.teardown = vif_domain_teardown,
	.destroy = vif_domain_destroy,
};

/* ---- init ---- */

static const struct pvhv_hc_desc pvhv_vif_hcs[] = {
	{ PVHV_HC_VIF_INFO, "vif_info", hc_vif_info },
	{ PVHV_HC_VIF_CONNECT, "vif_connect", hc_vif_connect },
	{ PVHV_HC_VIF_DISCONNECT, "vif_disconnect", hc_vif_disconnect },
};

int pvhv_netback_init(void)
{
	int ret;

	BUILD_BUG_ON(PVHV_NET_MAX_MTU + VLAN_ETH_HLEN > PAGE_SIZE);
	BUILD_BUG_ON(PVHV_NET_RING_BYTES != PAGE_SIZE);
	ret = pvhv_net_sched_init();
	if (ret)
		return ret;
	ret = sysfs_create_group(pvhv_kobj, &pvhv_net_global_group);
	if (ret)
		goto err_sched;
	ret = pvhv_hc_register_all(pvhv_vif_hcs, ARRAY_SIZE(pvhv_vif_hcs));
	if (ret)
		goto err_group;
	pvhv_domain_ops_register(&pvhv_vif_domain_ops);
	return 0;

err_group:
	sysfs_remove_group(pvhv_kobj, &pvhv_net_global_group);
err_sched:
	pvhv_net_sched_exit();
	return ret;
}

void pvhv_netback_exit(void)
{
	pvhv_domain_ops_unregister(&pvhv_vif_domain_ops);
	sysfs_remove_group(pvhv_kobj, &pvhv_net_global_group);
	pvhv_hc_unregister_all(pvhv_vif_hcs, ARRAY_SIZE(pvhv_vif_hcs));
	pvhv_net_sched_exit();
}
