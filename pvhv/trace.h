/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvhv

#if !defined(_PVHV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PVHV_TRACE_H

#include <linux/tracepoint.h>

/* One event per pvhv hypercall handled for a domain. */
TRACE_EVENT(pvhv_hypercall,
	    TP_PROTO(unsigned long nr, u64 domain, unsigned int vcpu, long ret),
	    TP_ARGS(nr, domain, vcpu, ret),
	    TP_STRUCT__entry(__field(unsigned long, nr)
			     __field(u64, domain)
			     __field(unsigned int, vcpu)
			     __field(long, ret)),
	    TP_fast_assign(__entry->nr = nr;
			   __entry->domain = domain;
			   __entry->vcpu = vcpu;
			   __entry->ret = ret;),
	    TP_printk("nr=%#lx domain=%llu vcpu=%u ret=%ld",
		      __entry->nr, __entry->domain, __entry->vcpu, __entry->ret)
);

#endif /* _PVHV_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
