#include "wordfreq.h"

const struct wordfreq_version wordfreq_versions[] = {
	{"v0", wordfreq_v0, "fgetc, a word grown per character, a linked list, insertion sort"},
	{"v1", wordfreq_v1, "a hash table instead of the list"},
	{"v2", wordfreq_v2, "qsort of an array instead of a sorted list"},
	{"v3", wordfreq_v3, "fread blocks, a letter table, no allocation per character or word"},
	{"v4", wordfreq_v4, "an open-addressing table, the hash computed while reading, words in one arena"},
	{NULL, NULL, NULL},
};
