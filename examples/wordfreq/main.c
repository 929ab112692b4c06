/*
 * main.c — the wordfreq command: wordfreq [-v VERSION] [-n TOP] [FILE]
 * (default: the newest version, the top 20 words, stdin).
 */
#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

int main(int argc, char **argv)
{
	const struct wordfreq_version *v = wordfreq_versions;
	while (v[1].name)
		v++;
	int top = 20, i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-v") == 0 && i + 1 < argc) {
			const char *want = argv[++i];
			for (v = wordfreq_versions; v->name && strcmp(v->name, want) != 0; v++)
				;
			if (!v->name) {
				fprintf(stderr, "wordfreq: no version %s (v0..)\n", want);
				return 2;
			}
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			top = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: wordfreq [-v VERSION] [-n TOP] [FILE]\n");
			return 2;
		}
	}
	FILE *in = stdin;
	if (i < argc && strcmp(argv[i], "-") != 0 && !(in = fopen(argv[i], "r"))) {
		perror(argv[i]);
		return 1;
	}
	int rc = v->fn(in, stdout, top);
	if (in != stdin)
		fclose(in);
	return rc ? 1 : 0;
}
