#include "wordfreq.h"

const struct wordfreq_version wordfreq_versions[] = {
	{"v0", wordfreq_v0, "fgetc, a word grown per character, a linked list, insertion sort"},
	{"v1", wordfreq_v1, "a hash table instead of the list"},
	{NULL, NULL, NULL},
};
