/*
 * gzwrite.c — see gzwrite.h.  The pieces: each chunk is raw deflate ending
 * in a sync flush (the last one in a final block), so they concatenate into
 * one deflate stream; the gzip trailer's CRC is combined from the chunks'.
 */
#include "compat.h"
#include "profio/gzwrite.h"
#include "profio/deflate.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZ_CHUNK ((size_t)256 << 10) /* encoded bytes per job */
#define GZ_DICT ((size_t)32 << 10)   /* deflate's window */

typedef struct gzjob {
	cprof__buf in, out; /* in: dict bytes, then the chunk */
	size_t dict;        /* leading bytes of in that are only the dictionary */
	uLong crc;
	bool last;
	int state; /* FREE, QUEUED, RUNNING, DONE */
	int rc;
} gzjob;

enum { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE };
#define GZ_MAXTHREADS 8
#define GZ_SLOTS (GZ_MAXTHREADS + 2)

typedef struct gzpar {
	int fd, rc;
	int nthreads;
	pthread_t th[GZ_MAXTHREADS];
	pthread_mutex_t mu;
	pthread_cond_t queued, done;
	bool stop;
	gzjob job[GZ_SLOTS];
	size_t nslots;
	uint64_t submitted, taken, written; /* job sequence numbers */
	uLong crc;
	uint64_t total;
	unsigned char tail[GZ_DICT]; /* last bytes of the previous chunk */
	size_t ntail;
	cprof__deflate *self; /* without workers: the caller's compressor */
} gzpar;

static int deflate_job(cprof__deflate *d, gzjob *j)
{
	size_t n = j->in.len - j->dict;
	j->crc = crc32(0L, j->in.data + j->dict, (uInt)n); /* n < 4 GiB: gz_submit */
	j->out.len = 0;
	return cprof__deflate_chunk(d, j->in.data, j->dict, j->in.len, j->last, &j->out) < 0
		       ? -ENOMEM
		       : 0;
}

static void *gz_worker(void *arg)
{
	gzpar *g = arg;
	cprof__deflate *d = cprof__deflate_new();
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->stop && g->taken == g->submitted)
			pthread_cond_wait(&g->queued, &g->mu);
		if (g->taken == g->submitted)
			break; /* stopping, nothing left */
		gzjob *j = &g->job[g->taken++ % g->nslots];
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&g->mu);
		int rc = d ? deflate_job(d, j) : -ENOMEM;
		pthread_mutex_lock(&g->mu);
		j->rc = rc;
		j->state = JOB_DONE;
		pthread_cond_broadcast(&g->done);
	}
	pthread_mutex_unlock(&g->mu);
	cprof__deflate_free(d);
	return NULL;
}

/* Wait for the oldest unwritten job, write it, free its slot. */
static void gz_write_oldest(gzpar *g)
{
	gzjob *j = &g->job[g->written % g->nslots];
	if (g->nthreads) {
		pthread_mutex_lock(&g->mu);
		while (j->state != JOB_DONE)
			pthread_cond_wait(&g->done, &g->mu);
		pthread_mutex_unlock(&g->mu);
	}
	if (g->rc == 0)
		g->rc = j->rc;
	if (g->rc == 0)
		g->rc = cprof__write_all(g->fd, j->out.data, j->out.len);
	g->crc = crc32_combine(g->crc, j->crc, (z_off_t)(j->in.len - j->dict));
	g->total += j->in.len - j->dict;
	j->state = JOB_FREE;
	g->written++;
}

static void gz_submit(gzpar *g, const unsigned char *data, size_t n, bool last)
{
	if (g->submitted - g->written == g->nslots)
		gz_write_oldest(g);
	gzjob *j = &g->job[g->submitted % g->nslots];
	j->in.len = 0;
	cprof__buf_append(&j->in, g->tail, g->ntail);
	cprof__buf_append(&j->in, data, n);
	j->dict = g->ntail;
	j->last = last;
	if (cprof__buf_failed(&j->in) || n > UINT32_MAX) {
		g->rc = g->rc ? g->rc : -ENOMEM;
		return;
	}
	/* The next chunk's dictionary: the last 32 KiB before it. */
	size_t keep = n >= GZ_DICT ? GZ_DICT : n;
	if (keep < GZ_DICT && g->ntail) {
		size_t old = g->ntail + keep > GZ_DICT ? GZ_DICT - keep : g->ntail;
		memmove(g->tail, g->tail + g->ntail - old, old);
		g->ntail = old;
	} else {
		g->ntail = 0;
	}
	memcpy(g->tail + g->ntail, data + n - keep, keep);
	g->ntail += keep;
	if (!g->nthreads) { /* no workers: compress here */
		g->submitted++;
		j->rc = g->self ? deflate_job(g->self, j) : -ENOMEM;
		j->state = JOB_DONE;
		return;
	}
	pthread_mutex_lock(&g->mu);
	j->state = JOB_QUEUED;
	g->submitted++;
	pthread_cond_signal(&g->queued);
	pthread_mutex_unlock(&g->mu);
}

static void gzpar_drain(void *ctx, cprof__buf *b)
{
	gzpar *g = ctx;
	if (g->rc == 0)
		gz_submit(g, b->data, b->len, false);
	b->len = 0;
}

/* 0 or a negative errno. */
static int write_gz(const cprof__profile *p, int fd, int threads)
{
	if (threads > GZ_MAXTHREADS)
		threads = GZ_MAXTHREADS;
	gzpar *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->fd = fd;
	g->crc = crc32(0L, Z_NULL, 0);
	g->nslots = (size_t)(threads > 0 ? threads : 0) + 2;
	for (size_t i = 0; i < g->nslots; i++) {
		cprof__buf_init(&g->job[i].in, 0);
		cprof__buf_init(&g->job[i].out, 0);
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->queued, NULL);
	pthread_cond_init(&g->done, NULL);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&g->th[g->nthreads], NULL, gz_worker, g) == 0)
			g->nthreads++;
	if (!g->nthreads)
		g->self = cprof__deflate_new();
	/* gzip header (RFC 1952): deflate, no flags, no mtime, fastest, Unix. */
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};
	g->rc = cprof__write_all(fd, hdr, sizeof(hdr));
	cprof__buf b;
	cprof__buf_init(&b, 0);
	int rc = cprof__profile_encode_chunked(p, &b, GZ_CHUNK, gzpar_drain, g);
	if (rc == 0 && g->rc == 0)
		gz_submit(g, b.data, b.len, true);
	cprof__buf_free(&b);
	while (g->written < g->submitted)
		gz_write_oldest(g);
	if (rc == 0 && g->rc == 0) {
		unsigned char tr[8]; /* CRC-32 and length mod 2^32, little-endian */
		for (int i = 0; i < 4; i++) {
			tr[i] = (unsigned char)(g->crc >> (8 * i));
			tr[4 + i] = (unsigned char)(g->total >> (8 * i));
		}
		g->rc = cprof__write_all(fd, tr, sizeof(tr));
	}
	if (rc == 0)
		rc = g->rc;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_broadcast(&g->queued);
	pthread_mutex_unlock(&g->mu);
	for (int i = 0; i < g->nthreads; i++)
		pthread_join(g->th[i], NULL);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->queued);
	pthread_cond_destroy(&g->done);
	for (size_t i = 0; i < g->nslots; i++) {
		cprof__buf_free(&g->job[i].in);
		cprof__buf_free(&g->job[i].out);
	}
	cprof__deflate_free(g->self);
	free(g);
	return rc;
}

int cprof__profile_write_gz(const cprof__profile *p, int fd, int threads, char *err, size_t errlen)
{
	int rc = write_gz(p, fd, threads);
	return rc < 0 ? cprof__errf(err, errlen, "%s", strerror(-rc)) : 0;
}
