/*
 * unwind.c — stack unwinding inside a signal handler, with DWARF CFI.
 *
 * Why hand-written: neither libgcc's _Unwind_Backtrace (loader lock on older
 * toolchains, re-entry while the interrupted thread unwinds an exception,
 * unguarded stack reads) nor libunwind (crashes in the handler, see
 * ../shared/reference/native-profilers.md §1.5, §4) can be called from
 * SIGPROF safely.
 *
 * Nothing is built ahead of time, for any object: a process pays for the
 * unwinder only in the samples it takes (§7 of good-guest.md: building every
 * object's tables at start-up is paid by every exec, sampled or not).  For a
 * pc, in the handler itself, as libunwind and libgcc do:
 *
 *   1. _dl_find_object() (glibc ≥ 2.35, lock-free and async-signal-safe)
 *      names the object and its .eh_frame_hdr; the object's program headers
 *      (behind its ELF header) bound every read that follows to the readable
 *      segment holding that section;
 *   2. binary search of .eh_frame_hdr's sorted table for the FDE;
 *   3. the CIE's and FDE's CFA programs run up to the pc, giving a compact
 *      row: how to compute the CFA (rsp+k, rbp+k, *(rbp+k), the PLT rule, a
 *      signal trampoline, or "outermost frame"), and where rbp was saved.
 *      On x86-64 the return address is always at CFA-8.
 *
 * A direct-mapped cache of pc -> row stands in front, so a profile's
 * recurring frames cost one cache line each.  Stack loads are guarded:
 * inside the thread's known stack bounds a plain load; elsewhere the page is
 * first probed with rt_sigprocmask (the kernel copies the new mask before
 * validating `how`, so EFAULT means unreadable — the gperftools/abseil
 * trick).  Reads of an object's CFI need no probe: the object is mapped
 * while its code is on a stack, and dlclose (the one way it goes away
 * under us) waits for handlers inside the unwinder to leave and keeps new
 * ones away from CFI until the object is gone (cprof__unwind_close_begin).
 */
#include "compat.h"
#include "runtime/rt.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(DLFO_EH_SEGMENT_TYPE)
#define HAVE_DL_FIND_OBJECT 1
#endif

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
	int32_t off;     /* CFA offset */
	int16_t rbp_off; /* rbp saved at cfa + rbp_off; 0: unchanged */
	uint8_t kind;
	uint8_t thr; /* K_PLT threshold */
} row;

atomic_int cprof__unwind_users;
/* dlclose calls in progress: while non-zero, handlers read no object's CFI
 * (only the row cache).  */
static atomic_int closing;
/* Bumped after every dlclose: cache entries made before no longer match
 * (the addresses may hold other code now). */
static _Atomic uint64_t epoch = 1;

/* ------------------------------------------------------------------ */
/* Bounded readers over one readable segment of an object.            */
/* async-signal-safe, all of them: no libc calls (not even memcpy or    */
/* strstr: sanitizers intercept those, and the handler must not enter  */
/* an interceptor).                                                    */

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
	for (size_t i = 0; i < n; i++) /* little-endian */
		v |= (uint64_t)r->p[i] << (8 * i);
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

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
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
		    same_bytes(r.p, tail, sizeof(tail)) && r.p[4] >= 0x30 && r.p[4] <= 0x4f &&
		    same_bytes(r.p + 5, tail2, sizeof(tail2))) {
			st->cfa_kind = K_PLT;
			st->cfa_off = k;
			st->thr = (uint8_t)(r.p[4] - 0x30);
			return;
		}
	}
	st->cfa_kind = K_NONE;
}

/* Run a CFA program from *loc until the row holding `target` is complete
 * (the next advance would pass it) or the program ends.  False if the
 * program is malformed or uses what we do not understand. */
static bool run_cfa(const cie *c, const uint8_t *p, const uint8_t *end, cfstate *st,
		    const cfstate *init, uint64_t *loc, uint64_t target, uint8_t fde_enc)
{
	cfstate stack[8];
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
			case 0x02:
				adv = rd_fixed(&r, 1) * c->code_align;
				advance = true;
				break;
			case 0x03:
				adv = rd_fixed(&r, 2) * c->code_align;
				advance = true;
				break;
			case 0x04:
				adv = rd_fixed(&r, 4) * c->code_align;
				advance = true;
				break;
			case 0x05:
				reg = rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = (int64_t)rd_uleb(&r) * c->data_align;
				else
					rd_uleb(&r);
				break;
			case 0x06:
				reg = rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = init ? init->rbp_off : 0;
				break;
			case 0x07:
				reg = rd_uleb(&r);
				if (reg == c->ra_reg)
					st->ra_undef = true;
				else if (reg == 6)
					st->rbp_off = 0;
				break;
			case 0x08:
				reg = rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = 0;
				break;
			case 0x09:
				reg = rd_uleb(&r);
				rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = 0;
				break;
			case 0x0a:
				if (sp < (int)CPROF_ARRAY_LEN(stack))
					stack[sp++] = *st;
				else
					r.bad = true;
				break;
			case 0x0b:
				/* DWARF restores all rules, the CFA's included. */
				if (sp > 0)
					*st = stack[--sp];
				else
					r.bad = true;
				break;
			case 0x0c:
				reg = rd_uleb(&r);
				st->cfa_off = (int64_t)rd_uleb(&r);
				st->cfa_kind = reg == 7 ? K_RSP : reg == 6 ? K_RBP : K_NONE;
				break;
			case 0x0d:
				reg = rd_uleb(&r);
				st->cfa_kind = reg == 7 ? K_RSP : reg == 6 ? K_RBP : K_NONE;
				break;
			case 0x0e: st->cfa_off = (int64_t)rd_uleb(&r); break;
			case 0x0f:
				len = rd_uleb(&r);
				if (len > (uint64_t)(r.end - r.p)) {
					r.bad = true;
					break;
				}
				cfa_expression(st, r.p, len);
				r.p += len;
				break;
			case 0x10:
			case 0x16:
				reg = rd_uleb(&r);
				len = rd_uleb(&r);
				if (len > (uint64_t)(r.end - r.p)) {
					r.bad = true;
					break;
				}
				r.p += len;
				if (reg == 6)
					st->rbp_off = 0; /* unsupported rule: treat as unknown */
				break;
			case 0x11:
				reg = rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = rd_sleb(&r) * c->data_align;
				else
					rd_sleb(&r);
				break;
			case 0x12:
				reg = rd_uleb(&r);
				st->cfa_off = rd_sleb(&r) * c->data_align;
				st->cfa_kind = reg == 7 ? K_RSP : reg == 6 ? K_RBP : K_NONE;
				break;
			case 0x13: st->cfa_off = rd_sleb(&r) * c->data_align; break;
			case 0x14:
				reg = rd_uleb(&r);
				rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = 0;
				break;
			case 0x15:
				reg = rd_uleb(&r);
				rd_sleb(&r);
				if (reg == 6)
					st->rbp_off = 0;
				break;
			case 0x2e: rd_uleb(&r); break;
			case 0x2f:
				reg = rd_uleb(&r);
				if (reg == 6)
					st->rbp_off = -(int64_t)rd_uleb(&r) * c->data_align;
				else
					rd_uleb(&r);
				break;
			default: r.bad = true; break;
			}
		}
		if (advance && !r.bad) {
			if (adv > target - *loc)
				return true; /* the current row covers target */
			*loc += adv;
		}
	}
	return !r.bad;
}

/* Open the CIE or FDE at p (at least `head` bytes inside the segment): its
 * length read (32-bit, or 64-bit after 0xffffffff), *r set to read its
 * body up to its end, which is returned; NULL when it does not fit the
 * segment, or is the zero-length terminator. */
static const uint8_t *entry_open(rd *r, const uint8_t *p, const uint8_t *seg_lo,
				 const uint8_t *seg_hi, size_t head)
{
	if (p < seg_lo || p + head > seg_hi)
		return NULL;
	*r = (rd){p, seg_hi, false};
	uint64_t len = rd_fixed(r, 4);
	if (len == 0xffffffff)
		len = rd_fixed(r, 8);
	if (r->bad || len == 0 || len > (uint64_t)(seg_hi - r->p))
		return NULL;
	r->end = r->p + len;
	return r->end;
}

CPROF_NO_SANITIZE static bool parse_cie(const uint8_t *p, const uint8_t *seg_lo,
					const uint8_t *seg_hi, cie *c)
{
	*c = (cie){0};
	rd r;
	const uint8_t *end = entry_open(&r, p, seg_lo, seg_hi, 4);
	if (!end || rd_fixed(&r, 4) != 0) /* CIE id */
		return false;
	uint8_t version = rd_u8(&r);
	const char *aug = (const char *)r.p;
	size_t auglen = 0;
	while (r.p + auglen < r.end && aug[auglen])
		auglen++;
	if (r.p + auglen == r.end)
		return false;
	r.p += auglen + 1;
	for (size_t i = 0; i + 1 < auglen; i++)
		if (aug[i] == 'e' && aug[i + 1] == 'h')
			return false; /* the pre-2000 "eh" data word: not parsed */
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra_reg = version == 1 ? rd_u8(&r) : rd_uleb(&r);
	c->fde_enc = 0; /* absptr */
	if (auglen && aug[0] == 'z') {
		c->has_z = true;
		uint64_t alen = rd_uleb(&r);
		if (r.bad || alen > (uint64_t)(r.end - r.p))
			return false;
		const uint8_t *aend = r.p + alen;
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

/* The row for pc from the FDE at p, which the search chose; false when the
 * FDE does not cover pc or is not understood. */
CPROF_NO_SANITIZE static bool fde_row(const uint8_t *p, const uint8_t *seg_lo,
				      const uint8_t *seg_hi, uintptr_t pc, row *out)
{
	rd r;
	const uint8_t *end = entry_open(&r, p, seg_lo, seg_hi, 8);
	if (!end)
		return false;
	const uint8_t *idp = r.p;
	uint32_t cie_off = (uint32_t)rd_fixed(&r, 4);
	if (cie_off == 0 || r.bad || cie_off > (uintptr_t)(idp - seg_lo))
		return false;
	cie c;
	if (!parse_cie(idp - cie_off, seg_lo, seg_hi, &c))
		return false;
	uint64_t pc_begin = rd_ptr(&r, c.fde_enc, 0);
	uint64_t pc_range = rd_ptr(&r, c.fde_enc & 0x0f, 0);
	if (r.bad || pc < pc_begin || pc - pc_begin >= pc_range)
		return false;
	if (c.has_z) {
		uint64_t alen = rd_uleb(&r);
		if (r.bad || alen > (uint64_t)(r.end - r.p))
			return false;
		r.p += alen;
	}
	cfstate init = {.cfa_kind = K_NONE};
	uint64_t loc = pc_begin;
	if (!run_cfa(&c, c.insns, c.insns_end, &init, NULL, &loc, pc, c.fde_enc))
		return false;
	cfstate st = init;
	loc = pc_begin;
	if (!run_cfa(&c, r.p, end, &st, &init, &loc, pc, c.fde_enc))
		return false;
	*out = (row){0};
	if (c.signal) {
		out->kind = K_SIGNAL;
	} else if (st.ra_undef) {
		out->kind = K_END;
	} else if (st.cfa_off >= INT32_MIN && st.cfa_off <= INT32_MAX) {
		out->kind = (uint8_t)st.cfa_kind;
		out->off = (int32_t)st.cfa_off;
		out->thr = st.thr;
		if (st.rbp_off >= INT16_MIN && st.rbp_off <= INT16_MAX)
			out->rbp_off = (int16_t)st.rbp_off;
	}
	return true;
}

/* Not instrumented, nor are the readers of CFI below: they read the
 * loader's tables and other objects' mappings, which ld.so (not
 * instrumented) writes under its own synchronisation — a threads snapshot
 * unwinds a copied stack in normal context while another thread dlopens
 * or dlcloses (cprof's own libdw included).
 *
 * Which object holds pc, and the readable segment holding its
 * .eh_frame_hdr (hdr; [*seg_lo, *seg_hi) bounds every CFI read).  False
 * when pc is in no object or the object has no usable CFI. */
CPROF_NO_SANITIZE static bool object_cfi(uintptr_t pc, const uint8_t **hdr, const uint8_t **seg_lo,
					 const uint8_t **seg_hi)
{
#ifdef HAVE_DL_FIND_OBJECT
	struct dl_find_object fo;
	if (_dl_find_object((void *)pc, &fo) != 0 || !fo.dlfo_eh_frame || !fo.dlfo_link_map)
		return false;
	/* The program headers follow the ELF header, which the first page of
	 * the object's mapping holds (its first PT_LOAD maps file offset 0). */
	uintptr_t base = (uintptr_t)fo.dlfo_map_start;
	if (base < 4096 || (base & 4095) || (uintptr_t)fo.dlfo_map_end - base < 4096)
		return false;
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(ElfW(Phdr)) ||
	    eh->e_phoff > 4096 || (eh->e_phoff & 7) ||
	    eh->e_phnum > (4096 - eh->e_phoff) / sizeof(ElfW(Phdr)))
		return false;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	uintptr_t bias = fo.dlfo_link_map->l_addr;
	const uint8_t *h = fo.dlfo_eh_frame;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const uint8_t *a = (const uint8_t *)(bias + ph[i].p_vaddr);
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_R) && h >= a &&
		    h < a + ph[i].p_filesz) {
			*hdr = h;
			*seg_lo = a;
			*seg_hi = a + ph[i].p_filesz;
			return true;
		}
	}
	return false;
#else
	/* No lock-free way to find an object from a pc: frame pointers only. */
	(void)pc, (void)hdr, (void)seg_lo, (void)seg_hi;
	return false;
#endif
}

/* The unwind row for pc: false if pc is in no object with CFI; a K_NONE row
 * if the object has CFI but none for pc. */
CPROF_NO_SANITIZE static bool cfi_row(uintptr_t pc, row *out)
{
	const uint8_t *hdr, *seg_lo, *seg_hi;
	if (!object_cfi(pc, &hdr, &seg_lo, &seg_hi))
		return false;
	if (hdr + 4 > seg_hi || hdr[0] != 1)
		return false;
	rd r = {hdr + 4, seg_hi, false};
	uint8_t ptr_enc = hdr[1], cnt_enc = hdr[2], tab_enc = hdr[3];
	rd_ptr(&r, ptr_enc, (uintptr_t)hdr);
	uint64_t count = rd_ptr(&r, cnt_enc, (uintptr_t)hdr);
	if (r.bad || tab_enc != 0x3b || count > (uint64_t)(seg_hi - r.p) / 8)
		return false; /* only the universal datarel|sdata4 table is supported */
	/* Last entry whose initial location is at or below pc. */
	int64_t want = (int64_t)(pc - (uintptr_t)hdr);
	size_t a = 0, b = (size_t)count;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		rd e = {r.p + 8 * mid, r.p + 8 * mid + 4, false};
		if ((int64_t)(int32_t)rd_fixed(&e, 4) <= want)
			a = mid + 1;
		else
			b = mid;
	}
	*out = (row){.kind = K_NONE};
	if (a == 0)
		return true;
	rd e = {r.p + 8 * (a - 1) + 4, r.p + 8 * a, false};
	int64_t fde_off = (int64_t)(int32_t)rd_fixed(&e, 4);
	if (!fde_row(hdr + fde_off, seg_lo, seg_hi, pc, out))
		*out = (row){.kind = K_NONE};
	return true;
}

/* ------------------------------------------------------------------ */
/* Normal context: start, dlclose.                                    */

int cprof__unwind_refresh(void)
{
	return 0; /* nothing to build: see the top of this file */
}

void cprof__unwind_shutdown(void)
{
}

void cprof__unwind_close_begin(void)
{
	atomic_fetch_add(&closing, 1); /* seq_cst: Dekker with unwind_regs */
	/* Handlers that entered before us may be reading CFI of the object
	 * about to go: let them finish (microseconds; bounded, in case one sits
	 * in a stopped thread). */
	for (int i = 0; i < 20000 && atomic_load(&cprof__unwind_users) != 0; i++) {
		if (i < 100) {
			sched_yield();
		} else {
			struct timespec ts = {0, 50000};
			nanosleep(&ts, NULL);
		}
	}
}

void cprof__unwind_close_end(void)
{
	atomic_fetch_add(&epoch, 1);
	atomic_fetch_sub(&closing, 1);
}

/* fork: the child has only the forking thread; a dlclose or a handler that
 * was in progress in another thread will never finish there. */
void cprof__unwind_atfork_child(void)
{
	atomic_store(&closing, 0);
	atomic_store(&cprof__unwind_users, 0);
	atomic_fetch_add(&epoch, 1);
}

/* ------------------------------------------------------------------ */
/* Unwinding (async-signal-safe from here on).                        */

typedef struct guard {
	uintptr_t lo, hi; /* readable range known so far */
	/* 0 for the live stack.  A copy of another thread's stack
	 * (cprof__unwind_copy): [lo, hi) is the copied window of the
	 * original, read at addr + delta, and nothing outside it is read. */
	uintptr_t delta;
	bool copy;
} guard;

/* async-signal-safe: is the page holding addr readable?  (The call always
 * fails: EFAULT for an unreadable page, EINVAL for the bad `how`.)  errno
 * is put back: unwinds run inside the program's calls (malloc, a contended
 * lock), and in its signal handlers, whose errno they must not change. */
static bool page_readable(uintptr_t addr)
{
	int saved = errno;
	long rc = syscall(SYS_rt_sigprocmask, ~0, (void *)(addr & ~(uintptr_t)4095), NULL, 8);
	bool readable = !(rc == -1 && errno == EFAULT);
	errno = saved;
	return readable;
}

/* async-signal-safe */
CPROF_NO_SANITIZE static bool load(guard *g, uintptr_t addr, uintptr_t *out)
{
	if (addr & 7)
		return false; /* stack slots are 8-byte aligned */
	if (addr < g->lo || addr + 8 > g->hi) {
		if (g->copy)
			return false;
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
	*out = *(const uintptr_t *)(addr + g->delta);
	return true;
}

/* A direct-mapped cache of pc -> row in front of the CFI lookup.  Stacks
 * repeat the same few hundred pcs, and a hit reads one cache line where the
 * lookup reads the loader's object table, the object's headers, its FDE
 * index and its CFA programs — misses, when the program's own data has
 * evicted them between two samples (heap sampling in a malloc-heavy program
 * pays them on every sample: callgrind and perf on bench/heap_churn).  Any
 * thread or signal handler reads and writes entries without a lock: an entry
 * holds val (the row, bit 63 set) and key = pc ^ mix(val, salt), so a torn
 * entry (key and val of two writers) fails the check, as does an entry made
 * before a dlclose (the salt changes with each: the pc may be other code
 * now). */
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

/* async-signal-safe.  cfi: may read objects' CFI on a cache miss (no
 * dlclose in progress).  Not instrumented: it reads other objects' read-only
 * sections, and the cache is shared with handlers by atomics. */
CPROF_NO_SANITIZE static const row *lookup_row(uintptr_t pc, uint64_t salt, bool cfi, row *buf)
{
	pc_entry *e = pc_slot(pc);
	uint64_t key = atomic_load_explicit(&e->key, memory_order_relaxed);
	uint64_t val = atomic_load_explicit(&e->val, memory_order_relaxed);
	if (val && (key ^ pc_mix(val, salt)) == pc) {
		buf->off = (int32_t)(uint32_t)val;
		buf->rbp_off = (int16_t)(uint16_t)(val >> 32);
		buf->kind = (uint8_t)(val >> 48);
		buf->thr = (uint8_t)(val >> 56) & 0x7f;
		return buf;
	}
	if (!cfi || !cfi_row(pc, buf))
		return NULL;
	val = (uint64_t)(uint32_t)buf->off | (uint64_t)(uint16_t)buf->rbp_off << 32 |
	      (uint64_t)buf->kind << 48 | (uint64_t)(buf->thr & 0x7f) << 56 | 1ULL << 63;
	atomic_store_explicit(&e->val, val, memory_order_relaxed);
	atomic_store_explicit(&e->key, pc ^ pc_mix(val, salt), memory_order_relaxed);
	return buf;
}

/* async-signal-safe */
void cprof__unwind_prefetch(const uintptr_t *pcs, int n)
{
	for (int i = 0; i < n; i++)
		__builtin_prefetch(pc_slot(pcs[i]));
}

/* async-signal-safe */
CPROF_NO_SANITIZE static int unwind_regs(uintptr_t pc, uintptr_t sp, uintptr_t bp, uintptr_t *pcs,
					 int max, const guard *win)
{
	if (max <= 0)
		return 0;
	/* Both seq_cst: with cprof__unwind_close_begin's increment of `closing`
	 * and its load of the count this is Dekker's pattern — either it sees us
	 * counted and waits, or we see the dlclose coming and read no CFI. */
	atomic_fetch_add(&cprof__unwind_users, 1);
	bool cfi = atomic_load(&closing) == 0;
	uint64_t salt = atomic_load(&epoch) * 0x9e3779b97f4a7c15ULL;
	if (!cfi) /* reads nothing that dlclose may take away: need not be waited for */
		atomic_fetch_sub_explicit(&cprof__unwind_users, 1, memory_order_release);
	guard g = {0, 0, 0, false};
	if (win) {
		g = *win;
	} else if (cprof__stack_hi && sp >= cprof__stack_lo && sp < cprof__stack_hi) {
		g.lo = sp & ~(uintptr_t)7;
		g.hi = cprof__stack_hi;
	}
	int n = 0;
	bool exact = true; /* pc is not a return address (leaf, or after a signal frame) */
	pcs[n++] = pc;
	while (n < max) {
		uintptr_t lookup = exact ? pc : pc - 1;
		row rbuf;
		const row *r = lookup_row(lookup, salt, cfi, &rbuf);
		uintptr_t cfa, ra, nbp = bp;
		int kind = r ? r->kind : K_NONE;
		bool next_exact = false;
		switch (kind) {
		case K_END: goto out;
		case K_SIGNAL: {
			/* rsp points at the ucontext_t the kernel pushed. */
			uintptr_t nsp;
			if (!load(&g, sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]), &ra) ||
			    !load(&g, sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP]),
				  &nsp) ||
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
		case K_PLT: cfa = sp + (intptr_t)r->off + ((pc & 15) >= r->thr ? 8 : 0); break;
		default: {
			/* No CFI here (code generated at run time, objects without
			 * .eh_frame).  The interrupted frame itself may be a leaf that
			 * pushed nothing: its return address is at rsp — believed only
			 * if it returns into code whose unwind rules we know. */
			row rr;
			const row *rp;
			if (exact && load(&g, sp, &ra) && ra >= 4096 &&
			    (rp = lookup_row(ra - 1, salt, cfi, &rr)) != NULL &&
			    rp->kind != K_NONE) {
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
	if (cfi)
		atomic_fetch_sub_explicit(&cprof__unwind_users, 1, memory_order_release);
	return n;
}

/* async-signal-safe */
int cprof__unwind_uc(const void *ucontext, uintptr_t *pcs, int max)
{
	const ucontext_t *uc = ucontext;
	return unwind_regs((uintptr_t)uc->uc_mcontext.gregs[REG_RIP],
			   (uintptr_t)uc->uc_mcontext.gregs[REG_RSP],
			   (uintptr_t)uc->uc_mcontext.gregs[REG_RBP], pcs, max, NULL);
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
	int n = unwind_regs(ip, sp, bp, tmp, want, NULL);
	int out = 0;
	for (int i = skip + 1; i < n && out < max; i++)
		pcs[out++] = tmp[i];
	return out;
}

/* Not for signal handlers (no reason to be one), but async-signal-safe all
 * the same.  The stack of a thread that cannot run (blocked in a system
 * call), copied: [lo, hi) of its stack is at copy, 8-byte aligned like lo;
 * every read of the stack is served from the copy, and one outside the
 * window ends the stack. */
int cprof__unwind_copy(uintptr_t pc, uintptr_t sp, uintptr_t bp, const void *copy, uintptr_t lo,
		       uintptr_t hi, uintptr_t *pcs, int max)
{
	if ((lo & 7) || ((uintptr_t)copy & 7) || hi < lo || sp < lo || sp >= hi)
		return 0;
	guard g = {lo, hi, (uintptr_t)copy - lo, true};
	return unwind_regs(pc, sp, bp, pcs, max, &g);
}
