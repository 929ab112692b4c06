/*
 * workload.c — the bundled example for `make demo`: a small "log analyser"
 * with a few distinct hot spots on two threads, built -O2 without frame
 * pointers like most C software.
 *
 *   generate_lines  formats synthetic log lines (snprintf: libc)
 *   parse_line      tokenises them by hand
 *   sort_latencies  qsort (libc) with a comparison callback
 *   checksum        a CRC over every line, on a second thread
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLINES 400000

static char (*lines)[96];
static double *latency;

__attribute__((noinline)) static void generate_lines(void)
{
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < NLINES; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		snprintf(lines[i], sizeof(lines[i]), "2026-11-26T10:%02d:%02d GET /api/v1/item/%llu %llu.%03llu ms",
			 (int)(x % 60), (int)(x / 60 % 60), (unsigned long long)(x % 100000),
			 (unsigned long long)(x % 900), (unsigned long long)(x % 1000));
	}
}

__attribute__((noinline)) static double parse_line(const char *s)
{
	/* the 5th space-separated field is the latency */
	for (int field = 0; field < 4 && s; field++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	return s ? strtod(s, NULL) : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

__attribute__((noinline)) static void sort_latencies(void)
{
	qsort(latency, NLINES, sizeof(double), cmp_double);
}

static uint32_t crc_table[256];

__attribute__((noinline)) static uint32_t checksum(const char *s)
{
	uint32_t c = 0xffffffff;
	for (; *s; s++)
		c = crc_table[(c ^ (uint8_t)*s) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffff;
}

static void *checksum_all(void *arg)
{
	uint32_t *sum = arg;
	for (int round = 0; round < 12; round++)
		for (int i = 0; i < NLINES; i++)
			*sum ^= checksum(lines[i]);
	return NULL;
}

int main(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	lines = malloc(sizeof(*lines) * NLINES);
	latency = malloc(sizeof(double) * NLINES);
	if (!lines || !latency)
		return 1;
	double p99 = 0;
	uint32_t sum = 0;
	for (int round = 0; round < 3; round++) {
		generate_lines();
		pthread_t t;
		pthread_create(&t, NULL, checksum_all, &sum);
		pthread_setname_np(t, "checksum");
		for (int i = 0; i < NLINES; i++)
			latency[i] = parse_line(lines[i]);
		sort_latencies();
		p99 += latency[NLINES * 99 / 100];
		pthread_join(t, NULL);
	}
	printf("p99 latency %.3f ms, checksum %08x\n", p99 / 3, sum);
	free(lines);
	free(latency);
	return 0;
}
