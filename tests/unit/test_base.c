/*
 * test_base.c — src/base/: the buffer's and the string builder's caps and
 * failure latch, hashes against published values, UTF-8 on multi-byte and
 * invalid input, the escapers, Go's durations (values printed by Go's
 * time.Duration.String), running a program, the u64 map (key 0, growth,
 * overwrite, a failing allocator).
 */
#include "compat.h"
#include "base/buf.h"
#include "base/duration.h"
#include "base/escape.h"
#include "base/hash.h"
#include "base/sb.h"
#include "base/spawn.h"
#include "base/u64map.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void test_buf(void)
{
	cprof__buf b;
	cprof__buf_init(&b, 16);
	cprof__buf_append(&b, "0123456789", 10);
	CHECK("buf_append",
	      b.len == 10 && !memcmp(b.data, "0123456789", 10) && !cprof__buf_failed(&b), "len %zu",
	      b.len);
	CHECK("buf_reserve_within_cap", cprof__buf_reserve(&b, 6) && b.cap <= 16, "cap %zu", b.cap);
	CHECK("buf_reserve_past_cap", !cprof__buf_reserve(&b, 7) && cprof__buf_failed(&b),
	      "latched");
	cprof__buf_append(&b, "x", 1);
	CHECK("buf_latched_ignores_appends", b.len == 10, "len %zu", b.len);
	cprof__buf_free(&b);

	cprof__buf_init(&b, 0);
	cprof__buf_append(&b, "abc", 3);
	CHECK("buf_size_overflow", !cprof__buf_reserve(&b, SIZE_MAX - 1) && cprof__buf_failed(&b),
	      "SIZE_MAX - 1 more bytes accepted");
	cprof__buf_free(&b);

	char err[8];
	int rc = cprof__errf(err, sizeof(err), "%s", "truncated message");
	CHECK("errf", rc == -1 && !strcmp(err, "truncat"), "rc %d '%s'", rc, err);
}

static void test_sb(void)
{
	/* A zero-initialised builder works (the default cap). */
	cprof__sb s = {0};
	CHECK("sb_empty_str", !strcmp(cprof__sb_str(&s), "") && cprof__sb_len(&s) == 0,
	      "not empty");
	cprof__sb_puts(&s, "ab");
	cprof__sb_add(&s, "c\0d", 3);
	cprof__sb_printf(&s, "-%d-%s", 42, "x");
	CHECK("sb_append", cprof__sb_len(&s) == 10 && !memcmp(cprof__sb_str(&s), "abc\0d-42-x", 11),
	      "len %zu", cprof__sb_len(&s));

	/* printf growth: far beyond the first allocation, in one call and in
	 * many; the text is exact and NUL-terminated. */
	char big[5000];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	cprof__sb_reset(&s);
	cprof__sb_printf(&s, "<%s>", big);
	const char *text = cprof__sb_str(&s);
	CHECK("sb_printf_grows",
	      cprof__sb_len(&s) == 5001 && strlen(text) == 5001 && text[0] == '<' &&
		      strchr(text, '>') == text + 5000 && strspn(text + 1, "y") == 4999,
	      "len %zu", cprof__sb_len(&s));
	cprof__sb_reset(&s);
	for (int i = 0; i < 1000; i++)
		cprof__sb_printf(&s, "%03d,", i);
	bool same = cprof__sb_len(&s) == 4000;
	for (int i = 0; same && i < 1000; i++) {
		char want[8];
		snprintf(want, sizeof(want), "%03d,", i);
		same = !memcmp(cprof__sb_str(&s) + 4 * i, want, 4);
	}
	CHECK("sb_printf_many", same && !cprof__sb_failed(&s), "len %zu", cprof__sb_len(&s));

	cprof__sb_truncate(&s, 8);
	CHECK("sb_truncate", !strcmp(cprof__sb_str(&s), "000,001,"), "'%s'", cprof__sb_str(&s));
	cprof__sb_drop_front(&s, 4);
	CHECK("sb_drop_front", !strcmp(cprof__sb_str(&s), "001,") && cprof__sb_len(&s) == 4, "'%s'",
	      cprof__sb_str(&s));
	char *d = cprof__sb_detach(&s);
	CHECK("sb_detach",
	      d && !strcmp(d, "001,") && cprof__sb_len(&s) == 0 && !strcmp(cprof__sb_str(&s), ""),
	      "'%s'", d ? d : "(null)");
	free(d);
	d = cprof__sb_detach(&s);
	CHECK("sb_detach_empty", d && !*d, "not an empty string");
	free(d);
	cprof__sb_free(&s);

	/* The cap counts the text, and its NUL needs a byte within it. */
	cprof__sb_init(&s, 8);
	cprof__sb_puts(&s, "1234567");
	CHECK("sb_cap_fits", !cprof__sb_failed(&s) && cprof__sb_len(&s) == 7, "failed at 7 of 8");
	cprof__sb_puts(&s, "8");
	CHECK("sb_cap_latches", cprof__sb_failed(&s) && !strcmp(cprof__sb_str(&s), "1234567"),
	      "'%s'", cprof__sb_str(&s));
	cprof__sb_puts(&s, "");
	cprof__sb_printf(&s, "%d", 1);
	CHECK("sb_latched_ignores_appends", !strcmp(cprof__sb_str(&s), "1234567"), "'%s'",
	      cprof__sb_str(&s));
	CHECK("sb_detach_failed", cprof__sb_detach(&s) == NULL && !cprof__sb_failed(&s),
	      "a failed builder's text was handed out");
	/* printf past the cap: fails, the text before it stays terminated. */
	cprof__sb_puts(&s, "abc");
	cprof__sb_printf(&s, "%s", "defghijk");
	CHECK("sb_printf_cap",
	      cprof__sb_failed(&s) && !strcmp(cprof__sb_str(&s), "abc") && cprof__sb_len(&s) == 3,
	      "'%s'", cprof__sb_str(&s));
	cprof__sb_free(&s);
	CHECK("sb_free_clears_latch", !cprof__sb_failed(&s) && s.b.max == 8, "max %zu", s.b.max);

	/* Size arithmetic: a length that would wrap is refused, not wrapped. */
	cprof__sb_puts(&s, "a");
	cprof__sb_add(&s, "", SIZE_MAX);
	CHECK("sb_add_overflow", cprof__sb_failed(&s) && !strcmp(cprof__sb_str(&s), "a"), "'%s'",
	      cprof__sb_str(&s));
	cprof__sb_free(&s);

	cprof__sb t = CPROF_SB_INIT;
	cprof__sb_printf(&t, "%s-%d", "BenchmarkX", 8);
	CHECK("sb_init_macro", !strcmp(cprof__sb_str(&t), "BenchmarkX-8"), "'%s'",
	      cprof__sb_str(&t));
	cprof__sb_free(&t);
}

static void test_hash(void)
{
	/* The published FNV-1a test vectors. */
	CHECK("fnv1a32_empty", cprof__fnv1a32("", 0) == 0x811c9dc5u, "%08x", cprof__fnv1a32("", 0));
	CHECK("fnv1a32_a", cprof__fnv1a32("a", 1) == 0xe40c292cu, "%08x", cprof__fnv1a32("a", 1));
	CHECK("fnv1a32_foobar", cprof__fnv1a32("foobar", 6) == 0xbf9cf968u, "%08x",
	      cprof__fnv1a32("foobar", 6));
	CHECK("fnv1a64_empty", cprof__fnv1a64("", 0) == 0xcbf29ce484222325ULL, "%016llx",
	      (unsigned long long)cprof__fnv1a64("", 0));
	CHECK("fnv1a64_a", cprof__fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL, "%016llx",
	      (unsigned long long)cprof__fnv1a64("a", 1));
	CHECK("fnv1a64_foobar", cprof__fnv1a64("foobar", 6) == 0x85944171f73967e8ULL, "%016llx",
	      (unsigned long long)cprof__fnv1a64("foobar", 6));
	/* Bytes are unsigned: 0xff hashes as 255 whatever char's sign. */
	CHECK("fnv1a32_high_byte", cprof__fnv1a32("\xff", 1) == ((0x811c9dc5u ^ 0xffu) * 16777619u),
	      "%08x", cprof__fnv1a32("\xff", 1));
	/* The mix (values computed independently); the flame graphs' colours
	 * depend on these exact bits. */
	CHECK("mix64_0", cprof__mix64(0) == 0, "%016llx", (unsigned long long)cprof__mix64(0));
	CHECK("mix64_1", cprof__mix64(1) == 0xff51afd792fd5b26ULL, "%016llx",
	      (unsigned long long)cprof__mix64(1));
	CHECK("mix64_deadbeef", cprof__mix64(0xdeadbeef) == 0x1280ffa5f4a7e6b1ULL, "%016llx",
	      (unsigned long long)cprof__mix64(0xdeadbeef));
	CHECK("mix64_max", cprof__mix64(UINT64_MAX) == 0x0955399984aa9cccULL, "%016llx",
	      (unsigned long long)cprof__mix64(UINT64_MAX));
	CHECK("flame_colour_bits", (cprof__mix64(cprof__fnv1a64("main", 4)) & 0xffffff) == 0xbcf12c,
	      "%06llx", (unsigned long long)(cprof__mix64(cprof__fnv1a64("main", 4)) & 0xffffff));
}

static void test_utf8(void)
{
	static const struct {
		const char *name, *s;
		size_t n, len;
	} lens[] = {
		{"ascii", "abc", 3, 3},
		{"two_byte", "a\xc3\xa9", 3, 2},
		{"three_byte", "\xe2\x82\xac", 3, 1},
		{"four_byte", "\xf0\x9f\x98\x80", 4, 1},
		{"stray_byte", "a\xc3\xa9\xff", 4, 3},
		{"lone_continuation", "\x80\x80", 2, 2},
		{"overlong", "\xc0\xaf", 2, 2},
		{"surrogate", "\xed\xa0\x80", 3, 3},
		{"truncated", "\xe2\x82", 2, 2},
		{"beyond_10ffff", "\xf4\x90\x80\x80", 4, 4},
		{"noncharacter_ffff", "\xef\xbf\xbf", 3, 3},
		{"embedded_nul", "a\0b", 3, 3},
	};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "utf8_len_%s", lens[i].name);
		size_t got = cprof__utf8_len(lens[i].s, lens[i].n);
		CHECK(name, got == lens[i].len, "%zu, want %zu", got, lens[i].len);
	}
	CHECK("utf8_seq",
	      cprof__utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4 &&
		      cprof__utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 3) == 0 &&
		      cprof__utf8_seq((const unsigned char *)"\xc3", 1) == 0,
	      "sequence lengths");
	CHECK("utf8_prefix_multibyte",
	      cprof__utf8_prefix("\xf0\x9f\x98\x80x", 5, 1) == 4 &&
		      cprof__utf8_prefix("\xc3\xa9\xc3\xa9x", 5, 2) == 4,
	      "split a sequence");
	CHECK("utf8_prefix_invalid",
	      cprof__utf8_prefix("\xff\xc3"
				 "ab",
				 4, 2) == 2,
	      "%zu",
	      cprof__utf8_prefix("\xff\xc3"
				 "ab",
				 4, 2));
	CHECK("utf8_prefix_all",
	      cprof__utf8_prefix("a\xc3\xa9", 3, 10) == 3 && cprof__utf8_prefix("abc", 3, 0) == 0,
	      "prefix bounds");
	CHECK("utf8_runes",
	      cprof__utf8_runes("h\xc3\xa9llo \xe2\x82\xac") == 7 && cprof__utf8_runes("") == 0,
	      "%zu", cprof__utf8_runes("h\xc3\xa9llo \xe2\x82\xac"));
}

/* What f wrote for escape(s, n). */
static char *escaped(void (*esc)(FILE *, const char *, size_t), const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	esc(f, s, n);
	fclose(f);
	return buf;
}

static void check_esc(const char *name, void (*esc)(FILE *, const char *, size_t), const char *s,
		      size_t n, const char *want)
{
	char *got = escaped(esc, s, n);
	CHECK(name, got && !strcmp(got, want), "'%s', want '%s'", got ? got : "(null)", want);
	free(got);
}

static void test_escape(void)
{
	static const char in[] = "a&b<c>\"d'\t\n\r\x01\xff\xc3\xa9";
	size_t n = sizeof(in) - 1;
	check_esc("xml_escape", cprof__xml_escape, in, n,
		  "a&amp;b&lt;c&gt;&quot;d&#39;\t\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "\xc3\xa9");
	check_esc("html_escape", cprof__html_escape, in, n,
		  "a&amp;b&lt;c&gt;&quot;d&#39;\t\n\r\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9");
	check_esc("xml_escape_nul", cprof__xml_escape, "a\0b", 3,
		  "a\xef\xbf\xbd"
		  "b");
	check_esc("xml_escape_plain", cprof__xml_escape, "plain text", 10, "plain text");
	check_esc("xml_escape_noncharacter", cprof__xml_escape, "\xef\xbf\xbe", 3,
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	static const char js[] = "\"\\\n\x1f<&>\xe2\x80\xa8\xe2\x80\xa9\xff\xc3\xa9/";
	check_esc("json_escape", cprof__json_escape, js, sizeof(js) - 1,
		  "\\\"\\\\\\u000a\\u001f\\u003c\\u0026\\u003e\\u2028\\u2029\\ufffd\xc3\xa9/");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f) {
		cprof__query_escape(f, "a b/\xc3\xa9-_.~&=");
		fclose(f);
	}
	CHECK("query_escape", buf && !strcmp(buf, "a%20b%2F%C3%A9-_.~%26%3D"), "'%s'",
	      buf ? buf : "(null)");
	free(buf);
}

static void test_duration(void)
{
	/* Each pair printed by Go 1.19's time.Duration(d).String(). */
	static const struct {
		int64_t d;
		const char *want;
	} v[] = {
		{0, "0s"},
		{1, "1ns"},
		{750, "750ns"},
		{1000, "1\xc2\xb5s"},
		{1500, "1.5\xc2\xb5s"},
		{999999, "999.999\xc2\xb5s"},
		{12250000, "12.25ms"},
		{1000000000, "1s"},
		{3500000000, "3.5s"},
		{59999999999, "59.999999999s"},
		{120500000000, "2m0.5s"},
		{3723000000000, "1h2m3s"},
		{3600000000001, "1h0m0.000000001s"},
		{-1500, "-1.5\xc2\xb5s"},
		{INT64_MAX, "2562047h47m16.854775807s"},
		{INT64_MIN, "-2562047h47m16.854775808s"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char got[64], name[64];
		cprof__go_duration(got, sizeof(got), v[i].d);
		snprintf(name, sizeof(name), "go_duration_%lld", (long long)v[i].d);
		CHECK(name, !strcmp(got, v[i].want), "'%s', want '%s'", got, v[i].want);
	}
}

static void test_spawn(void)
{
	int status = -1;
	char *t[] = {"true", NULL}, *f[] = {"false", NULL};
	int rc = cprof__spawn_wait(t, -1, false, &status);
	CHECK("spawn_true", rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "rc %d", rc);
	rc = cprof__spawn_wait(f, -1, false, &status);
	CHECK("spawn_false", rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1, "rc %d", rc);
	char *none[] = {"cprof-test-no-such-program", NULL};
	rc = cprof__spawn_wait(none, -1, false, &status);
	CHECK("spawn_missing", rc == ENOENT, "rc %d", rc);

	/* Arguments reach the program as they are (no shell), stdout goes to
	 * the fd, stderr is discarded when quiet. */
	FILE *out = tmpfile();
	if (!out) {
		CHECK("spawn_output", false, "tmpfile: %s", strerror(errno));
		return;
	}
	char *sh[] = {"sh",      "-c", "printf '%s|' \"$@\"; echo oops >&2", "sh", "a b",
		      "$HOME;*", NULL};
	rc = cprof__spawn_wait(sh, fileno(out), true, &status);
	char got[64] = {0};
	rewind(out);
	size_t k = fread(got, 1, sizeof(got) - 1, out);
	got[k] = 0;
	fclose(out);
	CHECK("spawn_output",
	      rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		      !strcmp(got, "a b|$HOME;*|"),
	      "rc %d '%s'", rc, got);
}

static int u64map_allocs;
static void *counting_calloc(size_t n, size_t size)
{
	u64map_allocs++;
	return calloc(n, size);
}
static void *failing_calloc(size_t n, size_t size)
{
	(void)n;
	(void)size;
	return NULL;
}

static void test_u64map(void)
{
	cprof__u64map m = {0};
	CHECK("u64map_empty_get", cprof__u64map_get(&m, 0) == 0 && cprof__u64map_get(&m, 7) == 0,
	      "not empty");
	CHECK("u64map_key_0",
	      cprof__u64map_put(&m, 0, 5, counting_calloc, free) && cprof__u64map_get(&m, 0) == 5 &&
		      cprof__u64map_get(&m, 1) == 0,
	      "key 0 lost");
	bool all = true;
	for (uint64_t k = 1; k <= 10000; k++)
		all = all && cprof__u64map_put(&m, k * 4096, k, counting_calloc, free);
	for (uint64_t k = 1; k <= 10000 && all; k++)
		all = cprof__u64map_get(&m, k * 4096) == k;
	CHECK("u64map_grows",
	      all && m.n == 10001 && m.cap >= 2 * m.n && cprof__u64map_get(&m, 0) == 5,
	      "n %zu cap %zu", m.n, m.cap);
	CHECK("u64map_overwrite",
	      cprof__u64map_put(&m, 4096, 99, counting_calloc, free) &&
		      cprof__u64map_get(&m, 4096) == 99 && m.n == 10001,
	      "n %zu", m.n);
	int before = u64map_allocs;
	cprof__u64map_free(&m, free);
	CHECK("u64map_free",
	      m.cap == 0 && m.n == 0 && cprof__u64map_get(&m, 4096) == 0 && before > 2,
	      "cap %zu allocs %d", m.cap, before);
	CHECK("u64map_oom",
	      !cprof__u64map_put(&m, 1, 1, failing_calloc, free) && m.cap == 0 && m.n == 0,
	      "cap %zu", m.cap);
}

int main(void)
{
	test_buf();
	test_sb();
	test_hash();
	test_utf8();
	test_escape();
	test_duration();
	test_spawn();
	test_u64map();
	return CHECK_STATUS;
}
