/*
 * readfile.c — profiles read from files: a regular file is decoded as it is
 * read (and gunzipped, on a thread of its own when it is big), one top-level
 * field at a time through the decoder's incremental interface (decode.h), so
 * neither the compressed nor the decompressed file is ever whole in memory;
 * pipes, stdin and the legacy formats are read whole and handed to
 * cprof__profile_decode.
 */
#include "compat.h"
#include "profio/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* 0 or a negative errno (-EFBIG past the cap). */
static int read_fd(int fd, cprof__buf *out)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > CPROF_DECODE_MAX)
			return -EFBIG;
		if (!cprof__buf_reserve(out, (size_t)st.st_size + 1))
			return -ENOMEM;
	}
	for (;;) {
		if (out->cap - out->len < 4096) {
			if (out->len >= CPROF_DECODE_MAX)
				return -EFBIG;
			size_t extra = out->cap > 65536 ? out->cap : 65536;
			if (extra > CPROF_DECODE_MAX - out->len)
				extra = CPROF_DECODE_MAX - out->len;
			if (!cprof__buf_reserve(out, extra))
				return -ENOMEM;
		}
		size_t room = out->cap - out->len;
		if (room > CPROF_DECODE_MAX - out->len)
			room = CPROF_DECODE_MAX - out->len;
		if (room == 0)
			return -EFBIG;
		ssize_t r = read(fd, out->data + out->len, room);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return 0;
		out->len += (size_t)r;
	}
}

int cprof__read_fd(int fd, cprof__buf *out, char *err, size_t errlen)
{
	int rc = read_fd(fd, out);
	if (rc == -EFBIG)
		return cprof__errf(err, errlen, "larger than the size limit of a profile");
	return rc < 0 ? cprof__errf(err, errlen, "%s", strerror(-rc)) : 0;
}

/* ---- streaming reader for regular files ----------------------------------- */

/* Decompresses a file chunk by chunk into a window that holds at least one
 * whole top-level field, so neither the compressed nor the decompressed
 * profile is ever in memory at once (peak memory is the model's). */
/* The source of a stream: the file and its inflater.  One thread at a time
 * uses it: the reader, or the inflate thread when there is one. */
typedef struct source {
	int fd;
	bool gz, in_eof, eof;
	z_stream z;
	uint8_t *in;
	size_t in_cap;
	const char *err; /* static message or zmsg; NULL */
	char zmsg[128];
} source;

enum { STREAM_IN = 1 << 18, STREAM_OUT = 1 << 18, AHEAD_BLOCKS = 4 };

/* A thread inflating ahead of the decoder (gunzip is a third of reading a
 * big profile): a ring of STREAM_OUT-byte blocks. */
typedef struct ahead {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *blk[AHEAD_BLOCKS];
	size_t len[AHEAD_BLOCKS];
	size_t made, used; /* blocks produced, consumed */
	size_t off;        /* bytes of block `used` consumed */
	bool done, stop;   /* source at its end or failed; reader gone */
} ahead;

typedef struct stream {
	source src;
	ahead *ah;    /* NULL: the reader drives src itself */
	cprof__buf w; /* window: w.data[pos..w.len) not parsed yet */
	size_t pos;
	size_t total; /* decompressed bytes so far */
	bool eof;
	const char *err; /* static message, or NULL */
	char zmsg[128];
} stream;

/* read(2) retrying EINTR; -1 with s->err set on an error. */
static ssize_t source_read(source *s, void *dst, size_t n)
{
	ssize_t r;
	while ((r = read(s->fd, dst, n)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		snprintf(s->zmsg, sizeof(s->zmsg), "%s", strerror(errno));
		s->err = s->zmsg;
	}
	return r;
}

/* Read more compressed input; false on a read error. */
static bool source_read_in(source *s)
{
	/* Keep unconsumed input at the front. */
	if (s->z.avail_in && s->z.next_in != s->in)
		memmove(s->in, s->z.next_in, s->z.avail_in);
	s->z.next_in = s->in;
	ssize_t r = source_read(s, s->in + s->z.avail_in, s->in_cap - s->z.avail_in);
	if (r < 0)
		return false;
	s->in_eof = r == 0;
	s->z.avail_in += (uInt)r;
	return true;
}

/* Up to room (< 4 GiB) more bytes of the profile at dst; *got may be 0
 * before the end.  false on an error (s->err); s->eof at the end. */
static bool source_get(source *s, uint8_t *dst, size_t room, size_t *got)
{
	*got = 0;
	if (!s->gz) {
		ssize_t r = source_read(s, dst, room);
		if (r < 0)
			return false;
		s->eof = r == 0;
		*got = (size_t)r;
		return true;
	}
	if (s->z.avail_in < 2 && !s->in_eof && !source_read_in(s))
		return false;
	s->z.next_out = dst;
	s->z.avail_out = (uInt)room;
	int zr = inflate(&s->z, Z_NO_FLUSH);
	size_t n = room - s->z.avail_out;
	if (zr == Z_STREAM_END) {
		/* Another gzip member may follow (Go reads on). */
		if (s->z.avail_in < 2 && !s->in_eof && !source_read_in(s))
			return false;
		if (s->z.avail_in == 0 && s->in_eof) {
			s->eof = true;
		} else if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f &&
			   s->z.next_in[1] == 0x8b) {
			inflateReset(&s->z);
		} else {
			s->err = "decompressing profile: gzip: invalid header";
			return false;
		}
	} else if (zr == Z_BUF_ERROR && s->z.avail_in == 0 && s->in_eof) {
		s->err = "decompressing profile: unexpected EOF";
		return false;
	} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
		snprintf(s->zmsg, sizeof(s->zmsg), "decompressing profile: %s",
			 zr == Z_MEM_ERROR ? "out of memory"
			 : s->z.msg        ? s->z.msg
					   : "corrupt gzip data");
		s->err = s->zmsg;
		return false;
	} else if (s->z.avail_in == 0 && !s->in_eof && !source_read_in(s)) {
		return false;
	}
	*got = n;
	return true;
}

static void *ahead_run(void *arg)
{
	stream *s = arg;
	ahead *a = s->ah;
	pthread_mutex_lock(&a->mu);
	while (!a->stop && !a->done) {
		if (a->made - a->used == AHEAD_BLOCKS) {
			pthread_cond_wait(&a->cv, &a->mu);
			continue;
		}
		size_t k = a->made % AHEAD_BLOCKS, n = 0, got;
		pthread_mutex_unlock(&a->mu);
		bool ok = true;
		while (ok && !s->src.eof && n < STREAM_OUT) {
			ok = source_get(&s->src, a->blk[k] + n, STREAM_OUT - n, &got);
			if (ok)
				n += got;
		}
		pthread_mutex_lock(&a->mu);
		a->len[k] = n;
		a->made++;
		a->done = !ok || s->src.eof;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static void ahead_free(ahead *a)
{
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	for (int i = 0; i < AHEAD_BLOCKS; i++)
		free(a->blk[i]);
	free(a);
}

/* Start inflating ahead; false (and nothing started) if that fails. */
static bool ahead_start(stream *s)
{
	ahead *a = calloc(1, sizeof(*a));
	if (!a)
		return false;
	bool ok = true;
	for (int i = 0; i < AHEAD_BLOCKS; i++)
		ok &= (a->blk[i] = malloc(STREAM_OUT)) != NULL;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	s->ah = a;
	if (ok && pthread_create(&a->th, NULL, ahead_run, s) == 0)
		return true;
	s->ah = NULL;
	ahead_free(a);
	return false;
}

static void ahead_stop(stream *s)
{
	ahead *a = s->ah;
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->th, NULL);
	ahead_free(a);
	s->ah = NULL;
}

/* source_get's contract, from the inflate thread's blocks. */
static bool ahead_take(stream *s, uint8_t *dst, size_t room, size_t *got)
{
	ahead *a = s->ah;
	*got = 0;
	pthread_mutex_lock(&a->mu);
	while (a->made == a->used && !a->done)
		pthread_cond_wait(&a->cv, &a->mu);
	bool have = a->made > a->used;
	pthread_mutex_unlock(&a->mu);
	if (!have) {
		/* The thread is done with src (seen under the lock). */
		if (s->src.err) {
			s->err = s->src.err;
			return false;
		}
		s->eof = true;
		return true;
	}
	size_t k = a->used % AHEAD_BLOCKS, n = a->len[k] - a->off;
	if (n > room)
		n = room;
	memcpy(dst, a->blk[k] + a->off, n);
	a->off += n;
	*got = n;
	if (a->off == a->len[k]) {
		pthread_mutex_lock(&a->mu);
		a->used++;
		a->off = 0;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
	return true;
}

/* Make at least need unparsed bytes available (fewer only at the end).
 * false on an error (s->err). */
static bool stream_fill(stream *s, size_t need)
{
	while (!s->eof && s->w.len - s->pos < need) {
		if (s->pos > 0 && (s->pos >= s->w.len / 2 || s->w.cap - s->w.len < STREAM_OUT)) {
			memmove(s->w.data, s->w.data + s->pos, s->w.len - s->pos);
			s->w.len -= s->pos;
			s->pos = 0;
		}
		/* Grow at most by doubling per round, so a bogus length in
		 * the input costs memory only as data actually arrives. */
		size_t missing = need - (s->w.len - s->pos);
		size_t want = missing < STREAM_OUT ? STREAM_OUT : missing;
		if (want > s->w.cap && s->w.cap >= STREAM_OUT)
			want = s->w.cap;
		if (!cprof__buf_reserve(&s->w, want)) {
			snprintf(s->zmsg, sizeof(s->zmsg), "profile larger than the %zu MiB limit",
				 (size_t)CPROF_DECODE_MAX >> 20);
			s->err = s->zmsg;
			return false;
		}
		size_t room = s->w.cap - s->w.len;
		if (room > (1u << 30))
			room = 1u << 30;
		if (s->total + room > CPROF_DECODE_MAX)
			room = CPROF_DECODE_MAX - s->total;
		if (room == 0) {
			snprintf(s->zmsg, sizeof(s->zmsg), "profile larger than the %zu MiB limit",
				 (size_t)CPROF_DECODE_MAX >> 20);
			s->err = s->zmsg;
			return false;
		}
		size_t got;
		if (s->ah) {
			if (!ahead_take(s, s->w.data + s->w.len, room, &got))
				return false;
		} else {
			if (!source_get(&s->src, s->w.data + s->w.len, room, &got)) {
				s->err = s->src.err;
				return false;
			}
			s->eof = s->src.eof;
		}
		s->w.len += got;
		s->total += got;
	}
	return true;
}

/* Decode the regular file fd as it is read.  0 ok; -1 error in err;
 * 1: not a profile.proto (the caller retries with the whole file, for the
 * legacy parsers). */
static int stream_decode(cprof__profile *p, int fd, char *err, size_t errlen)
{
	stream s;
	memset(&s, 0, sizeof(s));
	s.src.fd = fd;
	cprof__buf_init(&s.w, CPROF_DECODE_MAX);
	int rc = -1;
	cprof__dec *d = cprof__dec_new(p);
	bool ok = true;
	if (!d) {
		s.err = "out of memory";
		goto out;
	}
	if (!stream_fill(&s, 2))
		goto out;
	if (s.w.len >= 2 && s.w.data[0] == 0x1f && s.w.data[1] == 0x8b) {
		/* The bytes read so far are compressed input. */
		source *src = &s.src;
		src->in_cap = STREAM_IN;
		src->in = malloc(src->in_cap);
		if (!src->in || inflateInit2(&src->z, 16 + MAX_WBITS) != Z_OK) {
			free(src->in);
			src->in = NULL;
			s.err = "out of memory";
			goto out;
		}
		src->gz = true;
		memcpy(src->in, s.w.data, s.w.len);
		src->z.next_in = src->in;
		src->z.avail_in = (uInt)s.w.len;
		src->in_eof = src->eof;
		src->eof = s.eof = false;
		s.w.len = s.total = 0;
		/* Big files: inflate on a thread of its own. */
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_size > (off_t)STREAM_IN * 4)
			ahead_start(&s);
	}
	for (;;) {
		/* A field header is at most 20 bytes. */
		if (!stream_fill(&s, 20))
			goto out;
		if (s.pos == s.w.len)
			break;
		size_t need, used;
		if (!cprof__dec_need(d, s.w.data + s.pos, s.w.len - s.pos, &need)) {
			ok = false;
			break;
		}
		if (need && !stream_fill(&s, need))
			goto out;
		/* The whole field is in the window now (or the file ended). */
		if (!cprof__dec_field(d, s.w.data + s.pos, s.w.len - s.pos, &used)) {
			ok = false;
			break;
		}
		s.pos += used;
	}
	if (ok && s.total == 0) {
		rc = cprof__errf(err, errlen, "parsing profile: empty input file");
		cprof__dec_free(d);
		goto done;
	}
	rc = cprof__dec_finish(d, ok, err, errlen);
	goto done;
out:
	cprof__dec_free(d);
	rc = cprof__errf(err, errlen, "%s", s.err ? s.err : "read error");
done:
	ahead_stop(&s);
	if (s.src.gz)
		inflateEnd(&s.src.z);
	free(s.src.in);
	cprof__buf_free(&s.w);
	return rc;
}

int cprof__profile_read_file(cprof__profile *p, const char *path, char *err, size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cprof__errf(err, errlen, "%s: %s", path, strerror(errno));
	struct stat st;
	/* A device (/dev/zero, /dev/urandom, a disk) is no profile, and may never
	 * end: refuse it rather than read up to the size limit.  Regular files,
	 * pipes and sockets are read. */
	if (!is_stdin && fstat(fd, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return cprof__errf(err, errlen, "%s: a device, not a profile file", path);
	}
	if (!is_stdin && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		char e[256];
		int sr = stream_decode(p, fd, e, sizeof(e));
		if (sr <= 0) {
			close(fd);
			return sr == 0 ? 0 : cprof__errf(err, errlen, "%s: %s", path, e);
		}
		/* Not a profile.proto: read it whole for the legacy parsers. */
		cprof__profile_free(p);
		cprof__profile_init(p);
		if (lseek(fd, 0, SEEK_SET) != 0) {
			close(fd);
			return cprof__errf(err, errlen, "%s: %s", path, strerror(errno));
		}
	}
	cprof__buf b;
	cprof__buf_init(&b, CPROF_DECODE_MAX + 4096);
	char e[256];
	int rc = cprof__read_fd(fd, &b, e, sizeof(e));
	if (!is_stdin)
		close(fd);
	if (rc < 0) {
		cprof__buf_free(&b);
		return cprof__errf(err, errlen, "%s: %s", path, e);
	}
	if (b.len >= 2 && b.data[0] == 0x1f && b.data[1] == 0x8b) {
		/* Gunzip here so the compressed bytes are freed before the
		 * model is built (peak memory). */
		cprof__buf raw;
		cprof__buf_init(&raw, CPROF_DECODE_MAX);
		rc = cprof__gunzip(b.data, b.len, &raw, CPROF_DECODE_MAX, e, sizeof(e));
		cprof__buf_free(&b);
		b = raw;
		if (rc < 0) {
			cprof__buf_free(&b);
			return cprof__errf(err, errlen, "%s: %s", path, e);
		}
		if (b.len >= 2 && b.data[0] == 0x1f && b.data[1] == 0x8b) {
			/* gzip inside gzip: pprof would not unwrap it either */
			cprof__buf_free(&b);
			return cprof__errf(err, errlen,
					   "%s: parsing profile: unrecognized profile format",
					   path);
		}
	}
	rc = cprof__profile_decode(p, b.data, b.len, e, sizeof(e));
	cprof__buf_free(&b);
	if (rc < 0)
		return cprof__errf(err, errlen, "%s: %s", path, e);
	return 0;
}
