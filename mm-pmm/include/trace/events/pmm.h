/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pmm

#if !defined(_TRACE_PMM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PMM_H

#include <linux/types.h>
#include <linux/tracepoint.h>

/* A request as pmm_alloc() got it, before any check. */
TRACE_EVENT(pmm_alloc_start,
	    TP_PROTO(u32 type_mask, u64 size, u64 align, unsigned int flags),
	    TP_ARGS(type_mask, size, align, flags),
	    TP_STRUCT__entry(__field(u32, type_mask)
			     __field(u64, size)
			     __field(u64, align)
			     __field(unsigned int, flags)),
	    TP_fast_assign(__entry->type_mask = type_mask;
			   __entry->size = size;
			   __entry->align = align;
			   __entry->flags = flags;),
	    TP_printk("type_mask=0x%x size=%llu align=%llu flags=0x%x",
		      __entry->type_mask, __entry->size, __entry->align,
		      __entry->flags)
);

/*
 * Its result: the type and range (an empty name when no type could serve
 * it), the dirty pages it cleared itself, and how long it took.
 */
TRACE_EVENT(pmm_alloc_finish,
	    TP_PROTO(const char *name, unsigned long pfn, unsigned long count,
		     unsigned int align_order, unsigned long cleared, u64 ns,
		     int errorno),
	    TP_ARGS(name, pfn, count, align_order, cleared, ns, errorno),
	    TP_STRUCT__entry(__string(name, name)
			     __field(unsigned long, pfn)
			     __field(unsigned long, count)
			     __field(unsigned int, align_order)
			     __field(unsigned long, cleared)
			     __field(u64, ns)
			     __field(int, errorno)),
	    TP_fast_assign(__assign_str(name);
			   __entry->pfn = pfn;
			   __entry->count = count;
			   __entry->align_order = align_order;
			   __entry->cleared = cleared;
			   __entry->ns = ns;
			   __entry->errorno = errorno;),
	    TP_printk("name=%s pfn=0x%lx count=%lu align_order=%u cleared=%lu ns=%llu errorno=%d",
		      __get_str(name), __entry->pfn, __entry->count,
		      __entry->align_order, __entry->cleared, __entry->ns,
		      __entry->errorno)
);

/* The last reference went: the block is freed, or waits for page pins. */
TRACE_EVENT(pmm_release,
	    TP_PROTO(const char *name, unsigned long pfn, unsigned long count,
		     bool parked),
	    TP_ARGS(name, pfn, count, parked),
	    TP_STRUCT__entry(__string(name, name)
			     __field(unsigned long, pfn)
			     __field(unsigned long, count)
			     __field(bool, parked)),
	    TP_fast_assign(__assign_str(name);
			   __entry->pfn = pfn;
			   __entry->count = count;
			   __entry->parked = parked;),
	    TP_printk("name=%s pfn=0x%lx count=%lu parked=%d",
		      __get_str(name), __entry->pfn, __entry->count,
		      __entry->parked)
);

DECLARE_EVENT_CLASS(pmm_range,
		    TP_PROTO(const char *name, unsigned long pfn,
			     unsigned long count),
		    TP_ARGS(name, pfn, count),
		    TP_STRUCT__entry(__string(name, name)
				     __field(unsigned long, pfn)
				     __field(unsigned long, count)),
		    TP_fast_assign(__assign_str(name);
				   __entry->pfn = pfn;
				   __entry->count = count;),
		    TP_printk("name=%s pfn=0x%lx count=%lu", __get_str(name),
			      __entry->pfn, __entry->count)
);

/* The range is back in the type's free space, dirty. */
DEFINE_EVENT(pmm_range, pmm_free,
	     TP_PROTO(const char *name, unsigned long pfn, unsigned long count),
	     TP_ARGS(name, pfn, count)
);

/* The background worker cleared a range of free space. */
DEFINE_EVENT(pmm_range, pmm_clear,
	     TP_PROTO(const char *name, unsigned long pfn, unsigned long count),
	     TP_ARGS(name, pfn, count)
);

#endif /* _TRACE_PMM_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
