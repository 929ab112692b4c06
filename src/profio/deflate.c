/*
 * deflate.c — see deflate.h.  RFC 1951 section numbers in comments.
 */
#include "compat.h"
#include "profio/deflate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BITS 15
#define WINDOW 32768
#define MIN_MATCH 4 /* matches shorter than 4 rarely pay in profile bytes */
#define MAX_MATCH 258
#define BLOCK_TOKENS 65536

/* Token: a literal byte (dist 0), or a match: (dist << 8) | (len - 3). */
typedef uint32_t token;

struct cprof__deflate {
	uint32_t head[1 << HASH_BITS]; /* hash of 4 bytes -> position + 1 */
	token tok[BLOCK_TOKENS];
	uint32_t lfreq[286], dfreq[30];
};

/* ---- tables (3.2.5) ------------------------------------------------------- */

static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
				      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
				      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
	1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
	193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
				       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t clen_order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
				       11, 4,  12, 3, 13, 2, 14, 1, 15};

static inline unsigned len_code(unsigned len) /* 3..258 -> 0..28 */
{
	unsigned c = 0;
	while (c < 28 && len_base[c + 1] <= len)
		c++;
	return c;
}

static inline unsigned dist_code(unsigned dist) /* 1..32768 -> 0..29 */
{
	if (dist <= 4)
		return dist - 1;
	unsigned b = 31 - (unsigned)__builtin_clz(dist - 1); /* dist-1 in [2^b, 2^(b+1)) */
	return 2 * b + (((dist - 1) >> (b - 1)) & 1);
}

/* Length codes by len - 3, computed once per call (cheap: 256 entries). */
typedef struct lentab {
	uint8_t code[256];
} lentab;

static void lentab_init(lentab *t)
{
	for (unsigned l = 3; l <= 258; l++)
		t->code[l - 3] = (uint8_t)len_code(l);
}

/* ---- bit output ----------------------------------------------------------- */

typedef struct bits {
	unsigned char *p; /* room reserved by the caller */
	uint64_t acc;
	unsigned n;
} bits;

static inline void put(bits *w, uint32_t v, unsigned n) /* n <= 32 */
{
	w->acc |= (uint64_t)v << w->n;
	w->n += n;
	if (w->n >= 32) {
		uint32_t lo = (uint32_t)w->acc;
		memcpy(w->p, &lo, 4); /* little-endian hosts (compat.h's targets) */
		w->p += 4;
		w->acc >>= 32;
		w->n -= 32;
	}
}

static void align(bits *w)
{
	while (w->n > 0) {
		*w->p++ = (unsigned char)w->acc;
		w->acc >>= 8;
		w->n = w->n > 8 ? w->n - 8 : 0;
	}
	w->acc = 0;
}

/* ---- Huffman codes (3.2.2) ------------------------------------------------ */

typedef struct node {
	uint32_t freq;
	uint16_t sym;
} node;

static int node_cmp(const void *a, const void *b)
{
	const node *x = a, *y = b;
	if (x->freq != y->freq)
		return x->freq < y->freq ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

/* Code lengths for freq[0, n) at most maxbits long; symbols with freq 0 get
 * 0.  At least two symbols get a code (a complete code even when fewer are
 * used: zlib's inflate wants that of the code-length code). */
static void huff_lengths(const uint32_t *freq_in, unsigned n, unsigned maxbits, uint8_t *len)
{
	uint32_t freq[286];
	unsigned used = 0;
	for (unsigned i = 0; i < n; i++) {
		freq[i] = freq_in[i];
		used += freq[i] != 0;
	}
	for (unsigned i = 0; used < 2 && i < n; i++)
		if (!freq[i]) {
			freq[i] = 1;
			used++;
		}
	for (;;) {
		node leaf[286];
		unsigned m = 0;
		for (unsigned i = 0; i < n; i++)
			if (freq[i])
				leaf[m++] = (node){freq[i], (uint16_t)i};
		qsort(leaf, m, sizeof(*leaf), node_cmp);
		/* Two-queue construction: leaves in order, internal nodes made in
		 * nondecreasing order.  parent[] over leaves [0, m) and internal
		 * nodes [m, 2m - 1). */
		uint32_t ifreq[286];
		uint16_t parent[2 * 286];
		unsigned li = 0, ii = 0, k = 0;
		for (; k + 1 < m; k++) {
			unsigned pick[2];
			uint32_t sum = 0;
			for (int t = 0; t < 2; t++) {
				if (li < m && (ii >= k || leaf[li].freq <= ifreq[ii])) {
					pick[t] = li;
					sum += leaf[li++].freq;
				} else {
					pick[t] = m + ii;
					sum += ifreq[ii++];
				}
			}
			ifreq[k] = sum;
			parent[pick[0]] = parent[pick[1]] = (uint16_t)(m + k);
		}
		/* Depths: the root (last internal node) is 0. */
		uint8_t depth[2 * 286];
		unsigned root = m + k - 1, maxd = 0;
		depth[root] = 0;
		for (unsigned x = root; x-- > 0;) {
			depth[x] = (uint8_t)(depth[parent[x]] + 1);
			if (x < m && depth[x] > maxd)
				maxd = depth[x];
		}
		if (maxd <= maxbits) {
			memset(len, 0, n);
			for (unsigned x = 0; x < m; x++)
				len[leaf[x].sym] = depth[x];
			return;
		}
		/* Too deep: flatten the distribution and build again. */
		for (unsigned i = 0; i < n; i++)
			if (freq[i])
				freq[i] = (freq[i] >> 1) | 1;
	}
}

/* Canonical codes, bit-reversed for LSB-first output. */
static void huff_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
	unsigned count[16] = {0}, next[16];
	for (unsigned i = 0; i < n; i++)
		count[len[i]]++;
	count[0] = 0;
	unsigned c = 0;
	for (unsigned b = 1; b < 16; b++) {
		c = (c + count[b - 1]) << 1;
		next[b] = c;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned l = len[i];
		if (!l)
			continue;
		unsigned v = next[l]++, r = 0;
		for (unsigned b = 0; b < l; b++)
			r |= ((v >> b) & 1) << (l - 1 - b);
		code[i] = (uint16_t)r;
	}
}

/* ---- blocks --------------------------------------------------------------- */

/* One dynamic-Huffman block of d->tok[0, nt) (3.2.7). */
static void write_block(cprof__deflate *d, const lentab *lt, size_t nt, bool final, bits *w)
{
	memset(d->lfreq, 0, sizeof(d->lfreq));
	memset(d->dfreq, 0, sizeof(d->dfreq));
	for (size_t i = 0; i < nt; i++) {
		token t = d->tok[i];
		if (t >> 8) {
			d->lfreq[257 + lt->code[t & 0xff]]++;
			d->dfreq[dist_code(t >> 8)]++;
		} else {
			d->lfreq[t]++;
		}
	}
	d->lfreq[256] = 1;
	uint8_t ll[286 + 30], *dl = ll + 286;
	huff_lengths(d->lfreq, 286, 15, ll);
	huff_lengths(d->dfreq, 30, 15, dl);
	unsigned nlit = 286, ndist = 30;
	while (nlit > 257 && !ll[nlit - 1])
		nlit--;
	while (ndist > 1 && !dl[ndist - 1])
		ndist--;
	/* The lengths of both codes, run-length coded (3.2.7): symbols 0-15,
	 * 16 (repeat previous 3-6), 17 (zeros 3-10), 18 (zeros 11-138). */
	uint8_t all[286 + 30];
	memcpy(all, ll, nlit);
	memcpy(all + nlit, dl, ndist);
	unsigned na = nlit + ndist;
	uint8_t rle[286 + 30], rlx[286 + 30];
	unsigned nr = 0;
	uint32_t cfreq[19] = {0};
	for (unsigned i = 0; i < na;) {
		unsigned v = all[i], run = 1;
		while (i + run < na && all[i + run] == v)
			run++;
		if (v == 0 && run >= 3) {
			unsigned r = run > 138 ? 138 : run;
			rle[nr] = r >= 11 ? 18 : 17;
			rlx[nr++] = (uint8_t)(r >= 11 ? r - 11 : r - 3);
			i += r;
		} else if (v != 0 && run >= 4) {
			rle[nr] = (uint8_t)v;
			rlx[nr++] = 0;
			unsigned r = run - 1 > 6 ? 6 : run - 1;
			rle[nr] = 16;
			rlx[nr++] = (uint8_t)(r - 3);
			i += 1 + r;
		} else {
			rle[nr] = (uint8_t)v;
			rlx[nr++] = 0;
			i++;
		}
	}
	for (unsigned i = 0; i < nr; i++)
		cfreq[rle[i]]++;
	uint8_t cl[19];
	uint16_t cc[19];
	huff_lengths(cfreq, 19, 7, cl);
	huff_codes(cl, 19, cc);
	unsigned nclen = 19;
	while (nclen > 4 && !cl[clen_order[nclen - 1]])
		nclen--;

	put(w, final ? 1 : 0, 1);
	put(w, 2, 2);
	put(w, nlit - 257, 5);
	put(w, ndist - 1, 5);
	put(w, nclen - 4, 4);
	for (unsigned i = 0; i < nclen; i++)
		put(w, cl[clen_order[i]], 3);
	for (unsigned i = 0; i < nr; i++) {
		put(w, cc[rle[i]], cl[rle[i]]);
		if (rle[i] == 16)
			put(w, rlx[i], 2);
		else if (rle[i] == 17)
			put(w, rlx[i], 3);
		else if (rle[i] == 18)
			put(w, rlx[i], 7);
	}

	uint16_t lc[286], dc[30];
	huff_codes(ll, 286, lc);
	huff_codes(dl, 30, dc);
	for (size_t i = 0; i < nt; i++) {
		token t = d->tok[i];
		if (!(t >> 8)) {
			put(w, lc[t], ll[t]);
			continue;
		}
		unsigned l = lt->code[t & 0xff], dist = t >> 8, dcd = dist_code(dist);
		put(w, lc[257 + l], ll[257 + l]);
		if (len_extra[l])
			put(w, (t & 0xff) + 3 - len_base[l], len_extra[l]);
		put(w, dc[dcd], dl[dcd]);
		if (dist_extra[dcd])
			put(w, dist - dist_base[dcd], dist_extra[dcd]);
	}
	put(w, lc[256], ll[256]);
}

static inline uint32_t load32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint32_t hash4(uint32_t v)
{
	return (v * 0x1e35a7bdU) >> (32 - HASH_BITS);
}

cprof__deflate *cprof__deflate_new(void)
{
	return malloc(sizeof(cprof__deflate));
}

void cprof__deflate_free(cprof__deflate *d)
{
	free(d);
}

int cprof__deflate_chunk(cprof__deflate *d, const unsigned char *in, size_t dict, size_t n,
			 bool last, cprof__buf *out)
{
	if (dict > WINDOW) {
		in += dict - WINDOW;
		n -= dict - WINDOW;
		dict = WINDOW;
	}
	lentab lt;
	lentab_init(&lt);
	memset(d->head, 0, sizeof(d->head));
	for (size_t i = 0; i + 4 <= dict; i++)
		d->head[hash4(load32(in + i))] = (uint32_t)(i + 1);
	bits w = {NULL, 0, 0}; /* pending bits carry from block to block */
	size_t i = dict;
	do {
		size_t nt = 0, start = i;
		while (i < n && nt < BLOCK_TOKENS) {
			if (i + MIN_MATCH <= n) {
				uint32_t v = load32(in + i);
				uint32_t h = hash4(v);
				size_t cand = d->head[h];
				d->head[h] = (uint32_t)(i + 1);
				if (cand && i - (cand - 1) <= WINDOW &&
				    load32(in + cand - 1) == v) {
					const unsigned char *a = in + i, *b = in + cand - 1;
					size_t max = n - i > MAX_MATCH ? MAX_MATCH : n - i, len = 4;
					while (len < max && a[len] == b[len])
						len++;
					d->tok[nt++] =
						((token)(i - (cand - 1)) << 8) | (token)(len - 3);
					/* Index the match's last positions too: cheap, and
					 * the next stack often repeats from there. */
					for (size_t k = len > 33 ? len - 32 : 1; k < len; k++)
						if (i + k + 4 <= n)
							d->head[hash4(load32(in + i + k))] =
								(uint32_t)(i + k + 1);
					i += len;
					continue;
				}
			}
			d->tok[nt++] = in[i++];
		}
		bool final = last && i >= n;
		/* At most 48 bits a token, a header, the sync flush. */
		if (!cprof__buf_reserve(out, nt * 6 + (i - start) / 4 + 1024))
			return -1;
		w.p = out->data + out->len;
		write_block(d, &lt, nt, final, &w);
		if (final) {
			align(&w);
		} else if (i >= n) {
			/* Sync flush: an empty stored block, byte-aligned. */
			put(&w, 0, 3);
			align(&w);
			static const unsigned char sync[4] = {0, 0, 0xff, 0xff};
			memcpy(w.p, sync, 4);
			w.p += 4;
		}
		out->len = (size_t)(w.p - out->data);
	} while (i < n);
	return 0;
}
