/*
 * unwind.c — stack unwinding inside a signal handler, with DWARF CFI.
 *
 * Why hand-written: neither libgcc's _Unwind_Backtrace (loader lock on older
 * toolchains, re-entry while the interrupted thread unwinds an exception,
 * unguarded stack reads) nor libunwind (crashes in the handler, see
 * ../shared/reference/native-profilers.md §1.5, §4) can be called from
 * SIGPROF safely.  So, like async-profiler and Firefox's LUL, we split it:
 *
 *   1. Outside any handler (profile start, after dlopen/dlclose), for every
 *      loaded object we find its in-memory .eh_frame_hdr, run each FDE's CFA
 *      program once and keep the result as a sorted array of compact rows:
 *      for an address range, how to compute the CFA (rsp+k, rbp+k, *(rbp+k),
 *      the PLT rule, a signal trampoline, or "outermost frame"), and where
 *      rbp was saved.  On x86-64 the return address is always at CFA-8.
 *   2. In the handler: binary search (object, then row), three loads per
 *      frame.  Every stack load is guarded: inside the thread's known stack
 *      bounds it is a plain load; elsewhere the page is first probed with
 *      rt_sigprocmask (the kernel copies the new mask before validating
 *      `how`, so EFAULT means unreadable — the gperftools/abseil trick).
 *
 * Tables are immutable once published.  A refresh builds a new table,
 * publishes it with one atomic store, waits until no handler is inside
 * (cprof__unwind_users == 0), then frees what is no longer used.
 */
#include "compat.h"
#include "runtime/rt.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum {
	K_NONE = 0,  /* no unwind info: frame-pointer fallback */
	K_RSP,       /* cfa = rsp + off */
	K_RBP,       /* cfa = rbp + off */
	K_DEREF_RBP, /* cfa = *(rbp + off)  (GCC's stack realignment, DRAP) */
	K_PLT,       /* cfa = rsp + off + ((pc & 15) >= thr ? 8 : 0) */
	K_SIGNAL,    /* signal trampoline: registers are in a ucontext at rsp */
	K_END,       /* return address undefined: outermost frame */
};

typedef struct row {
	uint32_t pc;     /* offset from module lo */
	int32_t off;     /* CFA offset */
	int16_t rbp_off; /* rbp saved at cfa + rbp_off; 0: unchanged */
	uint8_t kind;
	uint8_t thr;     /* K_PLT threshold */
} row;

typedef struct module {
	uintptr_t lo, hi;         /* executable range */
	uintptr_t key_addr;       /* dlpi_addr */
	const void *key_phdr;     /* dlpi_phdr: identifies the object */
	row *rows;
	size_t nrows;
	unsigned mark;            /* refresh generation that last saw it */
	struct module *next;      /* list of all built modules */
	/* Row index last found for pcs hashing to each slot.  Profiles hit the
	 * same few hundred pcs again and again; the binary search over a big
	 * library's rows (libc: ~17 probes, most of them cache misses) was half
	 * of the unwinder's time.  Written and read with relaxed 32-bit atomics
	 * by any thread or handler: a stale or raced index is only a hint, and
	 * find_row checks that the row it names covers the pc. */
	_Atomic uint32_t cache[256];
} module;

typedef struct table {
	size_t n;
	uint64_t salt; /* of pc_cache entries made with this table */
	module *mods[]; /* sorted by lo */
} table;

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static module *all_modules;
static _Atomic(table *) cur_table;
static unsigned generation;
atomic_int cprof__unwind_users;

/* ------------------------------------------------------------------ */
/* Building: bounded readers over one readable segment of memory.     */

typedef struct rd {
	const uint8_t *p, *end;
	bool bad;
} rd;

static uint8_t rd_u8(rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static uint64_t rd_fixed(rd *r, size_t n)
{
	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, r->p, n); /* little-endian host */
	r->p += n;
	return v;
}

static uint64_t rd_uleb(rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		uint8_t b = rd_u8(r);
		if (r->bad)
			return 0;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t rd_sleb(rd *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = rd_u8(r);
		if (r->bad)
			return 0;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

/* DW_EH_PE pointer decoding; `data` is the base for datarel. */
static uint64_t rd_ptr(rd *r, uint8_t enc, uintptr_t data)
{
	if (enc == 0xff)
		return 0;
	uintptr_t at = (uintptr_t)r->p;
	uint64_t v;
	switch (enc & 0x0f) {
	case 0x00: v = rd_fixed(r, 8); break;
	case 0x01: v = rd_uleb(r); break;
	case 0x02: v = rd_fixed(r, 2); break;
	case 0x03: v = rd_fixed(r, 4); break;
	case 0x04: v = rd_fixed(r, 8); break;
	case 0x09: v = (uint64_t)rd_sleb(r); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)rd_fixed(r, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)rd_fixed(r, 4); break;
	case 0x0c: v = rd_fixed(r, 8); break;
	default: r->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;
	case 0x30: v += data; break;
	default: r->bad = true; return 0; /* textrel/funcrel/aligned: unused on x86-64 */
	}
	if (enc & 0x80) /* indirect: not needed for pc_begin */
		r->bad = true;
	return v;
}

typedef struct cfstate {
	int cfa_kind; /* K_RSP, K_RBP, K_DEREF_RBP, K_PLT, K_NONE */
	int64_t cfa_off;
	uint8_t thr;
	int64_t rbp_off; /* 0: unchanged */
	bool ra_undef;
} cfstate;

typedef struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool has_z, signal;
	const uint8_t *insns, *insns_end;
} cie;

typedef struct rowvec {
	row *v;
	size_t n, cap;
	bool oom;
} rowvec;

static void push_row(rowvec *rv, uintptr_t lo, uint64_t pc, const cfstate *st, bool signal)
{
	if (pc < lo || pc - lo > UINT32_MAX)
		return;
	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 1024;
		row *v = cprof__arena_realloc(rv->v, cap * sizeof(*v));
		if (!v) {
			rv->oom = true;
			return;
		}
		rv->v = v;
		rv->cap = cap;
	}
	row r = {.pc = (uint32_t)(pc - lo)};
	if (!st) {
		r.kind = K_NONE;
	} else if (signal) {
		r.kind = K_SIGNAL;
	} else if (st->ra_undef) {
		r.kind = K_END;
	} else {
		r.kind = (uint8_t)st->cfa_kind;
		if (st->cfa_off < INT32_MIN || st->cfa_off > INT32_MAX)
			r.kind = K_NONE;
		r.off = (int32_t)st->cfa_off;
		r.thr = st->thr;
		if (st->rbp_off >= INT16_MIN && st->rbp_off <= INT16_MAX)
			r.rbp_off = (int16_t)st->rbp_off;
	}
	rv->v[rv->n++] = r;
}

/* Recognise the two CFA expressions compilers emit on x86-64. */
static void cfa_expression(cfstate *st, const uint8_t *e, size_t n)
{
	rd r = {e, e + n, false};
	uint8_t op = rd_u8(&r);
	if (op == 0x76) { /* DW_OP_breg6 (rbp) k; DW_OP_deref */
		int64_t k = rd_sleb(&r);
		if (!r.bad && rd_u8(&r) == 0x06 && r.p == r.end) {
			st->cfa_kind = K_DEREF_RBP;
			st->cfa_off = k;
			return;
		}
	} else if (op == 0x77) { /* PLT: breg7 k; breg16 0; lit15; and; litN; ge; lit3; shl; plus */
		int64_t k = rd_sleb(&r);
		static const uint8_t tail[] = {0x80, 0x00, 0x3f, 0x1a};
		static const uint8_t tail2[] = {0x2a, 0x33, 0x24, 0x22};
		if (!r.bad && (size_t)(r.end - r.p) == sizeof(tail) + 1 + sizeof(tail2) &&
		    !memcmp(r.p, tail, sizeof(tail)) && r.p[4] >= 0x30 && r.p[4] <= 0x4f &&
		    !memcmp(r.p + 5, tail2, sizeof(tail2))) {
			st->cfa_kind = K_PLT;
			st->cfa_off = k;
			st->thr = (uint8_t)(r.p[4] - 0x30);
			return;
		}
	}
	st->cfa_kind = K_NONE;
}

/* Run a CFA program; emits rows as the location advances when rv != NULL. */
static bool run_cfa(const cie *c, const uint8_t *p, const uint8_t *end, cfstate *st,
		    const cfstate *init, uint64_t *loc, uint64_t pc_end, rowvec *rv, uintptr_t lo,
		    uint8_t fde_enc)
{
	cfstate stack[16];
	int sp = 0;
	rd r = {p, end, false};
	while (r.p < r.end && !r.bad) {
		uint8_t op = rd_u8(&r);
		uint64_t adv = 0;
		bool advance = false;
		uint8_t hi = op & 0xc0, lo6 = op & 0x3f;
		if (hi == 0x40) {
			adv = lo6 * c->code_align;
			advance = true;
		} else if (hi == 0x80) {
			int64_t off = (int64_t)rd_uleb(&r) * c->data_align;
			if (lo6 == 6)
				st->rbp_off = off;
			else if (lo6 == c->ra_reg)
				st->ra_undef = false;
		} else if (hi == 0xc0) {
			if (lo6 == 6)
				st->rbp_off = init ? init->rbp_off : 0;
		} else {
			uint64_t reg, len;
			switch (op) {
			case 0x00: break;
			case 0x01: { /* set_loc */
				uint64_t nl = rd_ptr(&r, fde_enc, 0);
				if (nl > *loc) {
					adv = nl - *loc;
					advance = true;
				}
				break;
			}
			case 0x02: adv = rd_fixed(&r, 1) * c->code_align; advance = true; break;
			case 0x03: adv = rd_fixed(&r, 2) * c->code_align; advance = true; break;
			case 0x04: adv = rd_fixed(&r, 4) * c->code_align; advance = true; break;
			case 0x05: reg = rd_uleb(&r);
				if (reg == 6) st->rbp_off = (int64_t)rd_uleb(&r) * c->data_align;
				else rd_uleb(&r);
				break;
			case 0x06: reg = rd_uleb(&r);
				if (reg == 6) st->rbp_off = init ? init->rbp_off : 0;
				break;
			case 0x07: reg = rd_uleb(&r);
				if (reg == c->ra_reg) st->ra_undef = true;
				else if (reg == 6) st->rbp_off = 0;
				break;
			case 0x08: reg = rd_uleb(&r);
				if (reg == 6) st->rbp_off = 0;
				break;
			case 0x09: reg = rd_uleb(&r); rd_uleb(&r);
				if (reg == 6) st->rbp_off = 0;
				break;
			case 0x0a:
				if (sp < 16) stack[sp++] = *st;
				else r.bad = true;
				break;
			case 0x0b:
				if (sp > 0) {
					/* restore_state keeps the CFA?  No: DWARF restores all rules
					 * including the CFA. */
					*st = stack[--sp];
				} else {
					r.bad = true;
				}
				break;
			case 0x0c: reg = rd_uleb(&r);
				st->cfa_off = (int64_t)rd_uleb(&r);
				st->cfa_kind = reg == 7 ? K_RSP : reg == 6 ? K_RBP : K_NONE;
				break;
			case 0x0d: reg = rd_uleb(&r);
				st->cfa_kind = reg == 7 ? K_RSP : reg == 6 ? K_RBP : K_NONE;
				break;
			case 0x0e: st->cfa_off = (int64_t)rd_uleb(&r);
				break;
			case 0x0f: len = rd_uleb(&r);
				if (len > (uint64_t)(r.end - r.p)) {
					r.bad = true;
					break;
				}
				cfa_expression(st, r.p, len);
				r.p += len;
				break;
			case 0x10: case 0x16: reg = rd_uleb(&r); len = rd_uleb(&r);
				if (len > (uint64_t)(r.end - r.p)) {
					r.bad = true;
					break;
				}
				r.p += len;
				if (reg == 6) st->rbp_off = 0; /* unsupported rule: treat as unknown */
				break;
			case 0x11: reg = rd_uleb(&r);
				if (reg == 6) st->rbp_off = rd_sleb(&r) * c->data_align;
				else rd_sleb(&r);
				break;
			case 0x12: reg = rd_uleb(&r);
				st->cfa_off = rd_sleb(&r) * c->data_align;
				st->cfa_kind = reg == 7 ? K_RSP : reg == 6 ? K_RBP : K_NONE;
				break;
			case 0x13: st->cfa_off = rd_sleb(&r) * c->data_align;
				break;
			case 0x14: reg = rd_uleb(&r); rd_uleb(&r);
				if (reg == 6) st->rbp_off = 0;
				break;
			case 0x15: reg = rd_uleb(&r); rd_sleb(&r);
				if (reg == 6) st->rbp_off = 0;
				break;
			case 0x2e: rd_uleb(&r); break;
			case 0x2f: reg = rd_uleb(&r);
				if (reg == 6) st->rbp_off = -(int64_t)rd_uleb(&r) * c->data_align;
				else rd_uleb(&r);
				break;
			default:
				r.bad = true;
				break;
			}
		}
		if (advance) {
			uint64_t nl = *loc + adv;
			if (rv && nl > *loc)
				push_row(rv, lo, *loc, st, c->signal);
			*loc = nl > pc_end ? pc_end : nl;
		}
	}
	return !r.bad;
}

static bool parse_cie(const uint8_t *p, const uint8_t *seg_lo, const uint8_t *seg_hi, cie *c)
{
	memset(c, 0, sizeof(*c));
	if (p < seg_lo || p + 4 > seg_hi)
		return false;
	rd r = {p, seg_hi, false};
	uint64_t len = rd_fixed(&r, 4);
	if (len == 0xffffffff)
		len = rd_fixed(&r, 8);
	if (r.bad || len > (uint64_t)(seg_hi - r.p))
		return false;
	const uint8_t *end = r.p + len;
	r.end = end;
	if (rd_fixed(&r, 4) != 0) /* CIE id */
		return false;
	uint8_t version = rd_u8(&r);
	const char *aug = (const char *)r.p;
	size_t auglen = strnlen(aug, (size_t)(r.end - r.p));
	if (auglen == (size_t)(r.end - r.p))
		return false;
	r.p += auglen + 1;
	if (strstr(aug, "eh"))
		return false;
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra_reg = version == 1 ? rd_u8(&r) : rd_uleb(&r);
	c->fde_enc = 0; /* absptr */
	if (aug[0] == 'z') {
		c->has_z = true;
		uint64_t alen = rd_uleb(&r);
		const uint8_t *aend = r.p + alen;
		if (alen > (uint64_t)(r.end - r.p))
			return false;
		for (size_t i = 1; i < auglen && !r.bad; i++) {
			switch (aug[i]) {
			case 'L': rd_u8(&r); break;
			case 'R': c->fde_enc = rd_u8(&r); break;
			case 'S': c->signal = true; break;
			case 'P': {
				uint8_t enc = rd_u8(&r);
				rd_ptr(&r, enc & 0x7f, 0);
				break;
			}
			default: i = auglen; break; /* unknown: skip the rest via aend */
			}
		}
		r.p = aend;
	}
	if (r.bad)
		return false;
	c->insns = r.p;
	c->insns_end = end;
	return true;
}

/* Parse one FDE at p into rows. */
static void parse_fde(const uint8_t *p, const uint8_t *seg_lo, const uint8_t *seg_hi,
		      uintptr_t lo, uintptr_t hi, rowvec *rv)
{
	if (p < seg_lo || p + 8 > seg_hi)
		return;
	rd r = {p, seg_hi, false};
	uint64_t len = rd_fixed(&r, 4);
	if (len == 0xffffffff)
		len = rd_fixed(&r, 8);
	if (r.bad || len == 0 || len > (uint64_t)(seg_hi - r.p))
		return;
	const uint8_t *end = r.p + len;
	r.end = end;
	const uint8_t *idp = r.p;
	uint32_t cie_off = (uint32_t)rd_fixed(&r, 4);
	if (cie_off == 0 || r.bad || cie_off > (uintptr_t)(idp - seg_lo))
		return;
	cie c;
	if (!parse_cie(idp - cie_off, seg_lo, seg_hi, &c))
		return;
	uint64_t pc_begin = rd_ptr(&r, c.fde_enc, 0);
	uint64_t pc_range = rd_ptr(&r, c.fde_enc & 0x0f, 0);
	if (r.bad || pc_begin < lo || pc_begin >= hi || pc_range > hi - pc_begin)
		return;
	if (c.has_z) {
		uint64_t alen = rd_uleb(&r);
		if (alen > (uint64_t)(r.end - r.p))
			return;
		r.p += alen;
	}
	cfstate init = {.cfa_kind = K_NONE};
	uint64_t loc = pc_begin, pc_end = pc_begin + pc_range;
	if (!run_cfa(&c, c.insns, c.insns_end, &init, NULL, &loc, pc_end, NULL, lo, c.fde_enc))
		return;
	cfstate st = init;
	loc = pc_begin;
	size_t first = rv->n;
	if (!run_cfa(&c, r.p, end, &st, &init, &loc, pc_end, rv, lo, c.fde_enc)) {
		rv->n = first; /* drop a half-understood FDE entirely */
		return;
	}
	if (loc < pc_end)
		push_row(rv, lo, loc, &st, c.signal);
	push_row(rv, lo, pc_end, NULL, false);
}

static int row_cmp(const void *a, const void *b)
{
	const row *x = a, *y = b;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	/* At equal pc a real row wins over a K_NONE end marker: sort it last. */
	return (x->kind == K_NONE) - (y->kind == K_NONE) > 0 ? -1
	       : (x->kind == K_NONE) == (y->kind == K_NONE) ? 0 : 1;
}

static void finish_rows(rowvec *rv)
{
	if (!rv->n)
		return;
	qsort(rv->v, rv->n, sizeof(row), row_cmp);
	/* For equal pcs keep the last (a real row sorted after K_NONE); merge
	 * consecutive rows with identical rules. */
	size_t w = 0;
	for (size_t i = 0; i < rv->n; i++) {
		row r = rv->v[i];
		if (w && rv->v[w - 1].pc == r.pc) {
			rv->v[w - 1] = r;
		} else if (w && rv->v[w - 1].kind == r.kind && rv->v[w - 1].off == r.off &&
			   rv->v[w - 1].rbp_off == r.rbp_off && rv->v[w - 1].thr == r.thr) {
			continue;
		} else {
			rv->v[w++] = r;
		}
	}
	rv->n = w;
}

static module *build_module(struct dl_phdr_info *info)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	const ElfW(Phdr) *eh = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			uintptr_t a = info->dlpi_addr + ph->p_vaddr;
			if (a < lo)
				lo = a;
			if (a + ph->p_memsz > hi)
				hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_EH_FRAME) {
			eh = ph;
		}
	}
	if (lo >= hi)
		return NULL;
	module *m = cprof__arena_calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->lo = lo;
	m->hi = hi;
	m->key_addr = info->dlpi_addr;
	m->key_phdr = info->dlpi_phdr;
	if (!eh)
		return m; /* no CFI: frame-pointer fallback only */
	/* The readable segment holding .eh_frame_hdr bounds every read. */
	const uint8_t *hdr = (const uint8_t *)(info->dlpi_addr + eh->p_vaddr);
	const uint8_t *seg_lo = NULL, *seg_hi = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *a = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_R) && hdr >= a &&
		    hdr < a + ph->p_filesz) {
			seg_lo = a;
			seg_hi = a + ph->p_filesz;
		}
	}
	if (!seg_lo || hdr + 4 > seg_hi || hdr[0] != 1)
		return m;
	rd r = {hdr + 4, seg_hi, false};
	uint8_t ptr_enc = hdr[1], cnt_enc = hdr[2], tab_enc = hdr[3];
	rd_ptr(&r, ptr_enc, (uintptr_t)hdr);
	uint64_t count = rd_ptr(&r, cnt_enc, (uintptr_t)hdr);
	if (r.bad || tab_enc != 0x3b || count > (uint64_t)(seg_hi - r.p) / 8)
		return m; /* only the universal datarel|sdata4 table is supported */
	rowvec rv = {0};
	const int32_t *tab = (const int32_t *)r.p;
	for (uint64_t i = 0; i < count && !rv.oom; i++) {
		const uint8_t *fde = hdr + tab[2 * i + 1];
		parse_fde(fde, seg_lo, seg_hi, lo, hi, &rv);
	}
	if (rv.oom) {
		cprof__arena_free(rv.v);
		return m;
	}
	finish_rows(&rv);
	m->rows = rv.v;
	m->nrows = rv.n;
	return m;
}

typedef struct collect {
	module **mods;
	size_t n, cap;
	bool oom;
} collect;

static int collect_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	collect *c = arg;
	module *m = NULL;
	for (module *x = all_modules; x; x = x->next)
		if (x->key_addr == info->dlpi_addr && x->key_phdr == info->dlpi_phdr) {
			m = x;
			break;
		}
	if (!m) {
		m = build_module(info);
		if (!m)
			return 0;
		m->next = all_modules;
		all_modules = m;
	}
	m->mark = generation;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		module **v = cprof__arena_realloc(c->mods, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return 1;
		}
		c->mods = v;
		c->cap = cap;
	}
	c->mods[c->n++] = m;
	return 0;
}

static int mod_cmp(const void *a, const void *b)
{
	const module *x = *(module *const *)a, *y = *(module *const *)b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Wait until no signal handler is inside the unwinder (bounded). */
static bool quiesce(void)
{
	for (int i = 0; i < 2000; i++) {
		if (atomic_load(&cprof__unwind_users) == 0)
			return true;
		struct timespec ts = {0, 500000};
		nanosleep(&ts, NULL);
	}
	return false;
}

int cprof__unwind_refresh(void)
{
	pthread_mutex_lock(&ctl_lock);
	generation++;
	collect c = {0};
	dl_iterate_phdr(collect_cb, &c);
	if (c.oom) {
		cprof__arena_free(c.mods);
		pthread_mutex_unlock(&ctl_lock);
		return -ENOMEM;
	}
	qsort(c.mods, c.n, sizeof(*c.mods), mod_cmp);
	table *t = cprof__arena_alloc(sizeof(*t) + c.n * sizeof(module *));
	if (!t) {
		cprof__arena_free(c.mods);
		pthread_mutex_unlock(&ctl_lock);
		return -ENOMEM;
	}
	t->n = c.n;
	t->salt = (uint64_t)generation * 0x9e3779b97f4a7c15ULL;
	memcpy(t->mods, c.mods, c.n * sizeof(module *));
	cprof__arena_free(c.mods);
	table *old = atomic_exchange(&cur_table, t);
	/* Free the old table and unloaded modules once no handler can see them;
	 * if handlers never drain (should not happen), leak rather than crash. */
	if (quiesce()) {
		cprof__arena_free(old);
		module **pp = &all_modules;
		while (*pp) {
			module *m = *pp;
			if (m->mark != generation) {
				*pp = m->next;
				cprof__arena_free(m->rows);
				cprof__arena_free(m);
			} else {
				pp = &m->next;
			}
		}
	}
	pthread_mutex_unlock(&ctl_lock);
	return 0;
}

void cprof__unwind_shutdown(void)
{
	pthread_mutex_lock(&ctl_lock);
	table *old = atomic_exchange(&cur_table, NULL);
	if (quiesce()) {
		cprof__arena_free(old);
		while (all_modules) {
			module *m = all_modules;
			all_modules = m->next;
			cprof__arena_free(m->rows);
			cprof__arena_free(m);
		}
	}
	pthread_mutex_unlock(&ctl_lock);
}

/* ------------------------------------------------------------------ */
/* Unwinding (async-signal-safe from here on).                        */

typedef struct guard {
	uintptr_t lo, hi; /* readable range known so far */
} guard;

/* async-signal-safe: is the page holding addr readable? */
static bool page_readable(uintptr_t addr)
{
	long rc = syscall(SYS_rt_sigprocmask, ~0, (void *)(addr & ~(uintptr_t)4095), NULL, 8);
	return !(rc == -1 && errno == EFAULT);
}

/* async-signal-safe */
CPROF_NO_SANITIZE static bool load(guard *g, uintptr_t addr, uintptr_t *out)
{
	if (addr & 7)
		return false; /* stack slots are 8-byte aligned */
	if (addr < g->lo || addr + 8 > g->hi) {
		uintptr_t page = addr & ~(uintptr_t)4095;
		if (addr < 4096 || !page_readable(addr))
			return false;
		if (page == g->hi)
			g->hi = page + 4096;
		else if (page + 4096 == g->lo)
			g->lo = page;
		else {
			g->lo = page;
			g->hi = page + 4096;
		}
	}
	*out = *(const uintptr_t *)addr;
	return true;
}

/* async-signal-safe.  Not instrumented, like its caller: the tables it reads
 * are published by the atomics in unwind_regs, which sanitizers do not see, so
 * instrumenting these reads alone shows ThreadSanitizer races that are not. */
CPROF_NO_SANITIZE static const row *find_row(const table *t, uintptr_t pc)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->mods[mid]->lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	module *m = t->mods[lo - 1]; /* not const: its row cache is written */
	if (pc >= m->hi || !m->nrows)
		return NULL;
	uint32_t off = (uint32_t)(pc - m->lo);
	_Atomic uint32_t *slot = &m->cache[(off >> 4) % CPROF_ARRAY_LEN(m->cache)];
	uint32_t i = atomic_load_explicit(slot, memory_order_relaxed);
	if (i < m->nrows && m->rows[i].pc <= off && (i + 1 == m->nrows || m->rows[i + 1].pc > off))
		return &m->rows[i]; /* the last row at or below off, as the search gives */
	size_t a = 0, b = m->nrows;
	while (a < b) {
		size_t mid = (a + b) / 2;
		if (m->rows[mid].pc <= off)
			a = mid + 1;
		else
			b = mid;
	}
	if (!a)
		return NULL;
	atomic_store_explicit(slot, (uint32_t)(a - 1), memory_order_relaxed);
	return &m->rows[a - 1];
}

/* A direct-mapped cache of pc -> row in front of find_row.  Stacks repeat
 * the same few hundred pcs, and a hit reads one cache line where find_row
 * reads the module table, the module, its row cache and its rows — misses,
 * when the program's own data has evicted them between two samples (heap
 * sampling in a malloc-heavy program pays them on every sample: callgrind and
 * perf on bench/heap_churn).  Any thread or signal handler reads and writes
 * entries without a lock: an entry holds val (the row, bit 63 set) and
 * key = pc ^ mix(val, salt), so a torn entry (key and val of two writers)
 * fails the check, as does an entry made with another table (the salt
 * changes with every refresh: after a dlclose, pcs may mean other code). */
typedef struct pc_entry {
	_Atomic uint64_t key, val;
} pc_entry;
static pc_entry pc_cache[4096];

static inline pc_entry *pc_slot(uintptr_t pc)
{
	return &pc_cache[(pc ^ (pc >> 12)) % CPROF_ARRAY_LEN(pc_cache)];
}

static inline uint64_t pc_mix(uint64_t val, uint64_t salt)
{
	uint64_t h = (val ^ salt) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

/* async-signal-safe */
CPROF_NO_SANITIZE static const row *lookup_row(const table *t, uintptr_t pc, row *buf)
{
	pc_entry *e = pc_slot(pc);
	uint64_t key = atomic_load_explicit(&e->key, memory_order_relaxed);
	uint64_t val = atomic_load_explicit(&e->val, memory_order_relaxed);
	if (val && (key ^ pc_mix(val, t->salt)) == pc) {
		buf->off = (int32_t)(uint32_t)val;
		buf->rbp_off = (int16_t)(uint16_t)(val >> 32);
		buf->kind = (uint8_t)(val >> 48);
		buf->thr = (uint8_t)(val >> 56) & 0x7f;
		buf->pc = 0; /* unused by the unwinder */
		return buf;
	}
	const row *r = find_row(t, pc);
	if (r) {
		val = (uint64_t)(uint32_t)r->off | (uint64_t)(uint16_t)r->rbp_off << 32 |
		      (uint64_t)r->kind << 48 | (uint64_t)(r->thr & 0x7f) << 56 | 1ULL << 63;
		atomic_store_explicit(&e->val, val, memory_order_relaxed);
		atomic_store_explicit(&e->key, pc ^ pc_mix(val, t->salt), memory_order_relaxed);
	}
	return r;
}

/* async-signal-safe */
void cprof__unwind_prefetch(const uintptr_t *pcs, int n)
{
	for (int i = 0; i < n; i++)
		__builtin_prefetch(pc_slot(pcs[i]));
}

/* async-signal-safe */
CPROF_NO_SANITIZE static int unwind_regs(uintptr_t pc, uintptr_t sp, uintptr_t bp, uintptr_t *pcs, int max)
{
	if (max <= 0)
		return 0;
	/* Both seq_cst: with cprof__unwind_refresh's exchange of cur_table and
	 * its load of the count this is Dekker's pattern — either the refresh
	 * sees us counted, or we see its new table.  With acquire alone both
	 * may miss each other, and the old table is freed while we read it. */
	atomic_fetch_add(&cprof__unwind_users, 1);
	const table *t = atomic_load(&cur_table);
	guard g = {0, 0};
	if (cprof__stack_hi && sp >= cprof__stack_lo && sp < cprof__stack_hi) {
		g.lo = sp & ~(uintptr_t)7;
		g.hi = cprof__stack_hi;
	}
	int n = 0;
	bool exact = true; /* pc is not a return address (leaf, or after a signal frame) */
	pcs[n++] = pc;
	while (n < max) {
		uintptr_t lookup = exact ? pc : pc - 1;
		row rbuf;
		const row *r = t ? lookup_row(t, lookup, &rbuf) : NULL;
		uintptr_t cfa, ra, nbp = bp;
		int kind = r ? r->kind : K_NONE;
		bool next_exact = false;
		switch (kind) {
		case K_END:
			goto out;
		case K_SIGNAL: {
			/* rsp points at the ucontext_t the kernel pushed. */
			uintptr_t nsp;
			if (!load(&g, sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]), &ra) ||
			    !load(&g, sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP]), &nsp) ||
			    !load(&g, sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RBP]), &nbp))
				goto out;
			sp = nsp;
			bp = nbp;
			pc = ra;
			if (!pc)
				goto out;
			pcs[n++] = pc;
			exact = true;
			continue;
		}
		case K_RSP: cfa = sp + (intptr_t)r->off; break;
		case K_RBP: cfa = bp + (intptr_t)r->off; break;
		case K_DEREF_RBP:
			if (!load(&g, bp + (intptr_t)r->off, &cfa))
				goto out;
			break;
		case K_PLT:
			cfa = sp + (intptr_t)r->off + ((pc & 15) >= r->thr ? 8 : 0);
			break;
		default: {
			/* No CFI here (code generated at run time, objects without
			 * .eh_frame).  The interrupted frame itself may be a leaf that
			 * pushed nothing: its return address is at rsp — believed only
			 * if it returns into code whose unwind rules we know. */
			const row *rr;
			if (exact && t && load(&g, sp, &ra) && ra >= 4096 &&
			    (rr = find_row(t, ra - 1)) != NULL && rr->kind != K_NONE) {
				cfa = sp + 8;
				break;
			}
			/* Otherwise the frame-pointer chain. */
			if (bp <= sp || bp - sp > (1u << 24))
				goto out;
			cfa = bp + 16;
			if (!load(&g, bp, &nbp))
				goto out;
			break;
		}
		}
		if (!load(&g, cfa - 8, &ra))
			goto out;
		if (r && kind != K_NONE && r->rbp_off && !load(&g, cfa + r->rbp_off, &nbp))
			goto out;
		if (cfa <= sp || ra < 4096)
			goto out; /* the stack must grow towards the root */
		sp = cfa;
		bp = nbp;
		pc = ra;
		exact = next_exact;
		pcs[n++] = pc - 1;
	}
out:
	atomic_fetch_sub_explicit(&cprof__unwind_users, 1, memory_order_release);
	return n;
}

/* async-signal-safe */
int cprof__unwind_uc(const void *ucontext, uintptr_t *pcs, int max)
{
	const ucontext_t *uc = ucontext;
	return unwind_regs((uintptr_t)uc->uc_mcontext.gregs[REG_RIP],
			   (uintptr_t)uc->uc_mcontext.gregs[REG_RSP],
			   (uintptr_t)uc->uc_mcontext.gregs[REG_RBP], pcs, max);
}

/* async-signal-safe.  noinline: the registers captured below must belong to
 * this function's own frame, whose CFI row covers the asm. */
__attribute__((noinline)) int cprof__unwind_here(uintptr_t *pcs, int max, int skip)
{
	uintptr_t ip, sp, bp;
	__asm__ volatile("lea 0(%%rip), %0\n\t"
			 "mov %%rsp, %1\n\t"
			 "mov %%rbp, %2"
			 : "=r"(ip), "=r"(sp), "=r"(bp));
	uintptr_t tmp[CPROF_MAX_DEPTH + 8];
	int want = max + skip + 1;
	if (want > (int)CPROF_ARRAY_LEN(tmp))
		want = (int)CPROF_ARRAY_LEN(tmp);
	int n = unwind_regs(ip, sp, bp, tmp, want);
	int out = 0;
	for (int i = skip + 1; i < n && out < max; i++)
		pcs[out++] = tmp[i];
	return out;
}
