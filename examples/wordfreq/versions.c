#include "wordfreq.h"

const struct wordfreq_version wordfreq_versions[] = {
	{"v0", wordfreq_v0, "fgetc, a word grown per character, a linked list, insertion sort"},
	{NULL, NULL, NULL},
};
