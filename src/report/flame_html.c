/*
 * flame_html.c — the flame graph as one self-contained HTML page (see
 * flame.h); the page itself is web/flame.html, embedded by web/embed.sh.
 */
#include "compat.h"
#include "report/flame_int.h"

#include <stdio.h>

int cprof_report_flame_html(cprof_report *r, const cprof_flame_opts *o, FILE *out, bool *empty,
			    char *err, size_t errlen)
{
	(void)r;
	(void)o;
	(void)out;
	(void)empty;
	snprintf(err, errlen, "--html is not implemented yet");
	return -1;
}
