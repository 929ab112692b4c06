/*
 * gen.c — writes a large English-like text for the word-frequency counter:
 * a vocabulary of VOCAB made-up words drawn with Zipf's law (rank r has
 * weight 1/r, as in real text), capitalised sentences, commas and
 * full stops, lines of at most 72 columns.  The same seed every run.
 *
 *     ./gen MEGABYTES [VOCAB] > corpus.txt
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	static const char *const syl[] = {"ka", "to", "re", "mi", "lo", "an", "ver", "sta", "qui",
					  "el", "dor", "pa", "ne", "ith", "gra", "u", "o", "ble",
					  "men", "tion", "ous", "ing", "er", "sh", "wa", "de"};
	const int nsyl = (int)(sizeof syl / sizeof syl[0]);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen MEGABYTES [VOCAB]\n");
		return 2;
	}
	double mb = strtod(argv[1], NULL);
	long vocab = argc > 2 ? strtol(argv[2], NULL, 10) : 30000;
	if (mb <= 0 || mb > 4096 || vocab < 1 || vocab > 10000000) {
		fprintf(stderr, "gen: MEGABYTES in (0, 4096], VOCAB in [1, 1e7]\n");
		return 2;
	}
	char(*words)[32] = malloc((size_t)vocab * sizeof *words);
	double *cdf = malloc((size_t)vocab * sizeof *cdf);
	if (!words || !cdf) {
		fprintf(stderr, "gen: out of memory\n");
		return 1;
	}
	double sum = 0;
	for (long i = 0; i < vocab; i++) {
		/* distinct by construction: the rank in base nsyl, then a random tail */
		char *w = words[i];
		size_t n = 0;
		long r = i;
		do {
			const char *s = syl[r % nsyl];
			memcpy(w + n, s, strlen(s));
			n += strlen(s);
			r /= nsyl;
		} while (r > 0);
		w[n] = '\0';
		sum += 1.0 / (double)(i + 1);
		cdf[i] = sum;
	}
	long long target = (long long)(mb * 1e6), written = 0;
	int col = 0, start = 1;
	while (written < target) {
		double u = (double)(next() >> 11) / 9007199254740992.0 * sum;
		long lo = 0, hi = vocab - 1;
		while (lo < hi) {
			long mid = (lo + hi) / 2;
			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		char buf[40];
		int n = snprintf(buf, sizeof buf, "%s", words[lo]);
		if (start)
			buf[0] = (char)(buf[0] - 'a' + 'A');
		uint64_t p = next() % 100;
		start = p < 7;
		if (p < 7)
			buf[n++] = '.';
		else if (p < 12)
			buf[n++] = ',';
		buf[n] = '\0';
		if (col + 1 + n > 72) {
			putchar('\n');
			written++;
			col = 0;
		} else if (col > 0) {
			putchar(' ');
			written++;
			col++;
		}
		fputs(buf, stdout);
		written += n;
		col += n;
	}
	putchar('\n');
	free(words);
	free(cdf);
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
