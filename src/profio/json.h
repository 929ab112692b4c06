/*
 * json.h — a bounded JSON reader (RFC 8259) for the tools: `cprof trace`
 * reads Chrome trace-event files with it.  The input is untrusted: nesting
 * is capped (CPROF_JSON_MAX_DEPTH), so are the number of values
 * (CPROF_JSON_MAX_VALUES); every malformed input is refused with a
 * one-line message naming the line and what was wrong.  Strings are
 * decoded in place in the caller's buffer (escapes, \u surrogate pairs
 * to UTF-8) and NUL-terminated there; the buffer must outlive the tree.
 */
#ifndef CPROF_PROFIO_JSON_H
#define CPROF_PROFIO_JSON_H

#include "compat.h"

#include <stddef.h>
#include <stdint.h>

#define CPROF_JSON_MAX_DEPTH 64
#define CPROF_JSON_MAX_VALUES ((size_t)50000000)

enum {
	CPROF_JSON_NULL,
	CPROF_JSON_FALSE,
	CPROF_JSON_TRUE,
	CPROF_JSON_NUMBER,
	CPROF_JSON_STRING,
	CPROF_JSON_ARRAY,
	CPROF_JSON_OBJECT
};

typedef struct cprof__json {
	int type;
	size_t n;        /* ARRAY, OBJECT: members; STRING: bytes */
	const char *key; /* a member of an OBJECT: its name (NUL-terminated) */
	union {
		double num;               /* NUMBER */
		const char *str;          /* STRING: NUL-terminated (may hold NULs: use n) */
		struct cprof__json *kids; /* ARRAY, OBJECT */
	} v;
} cprof__json;

/* Parse buf[0..len) (modified: strings are decoded in place) into a tree.
 * Returns the root (free with cprof__json_free), or NULL with a one-line
 * message in err ("line 3: expected ',' or ']'", "out of memory"). */
cprof__json *cprof__json_parse(char *buf, size_t len, char *err, size_t errlen);
void cprof__json_free(cprof__json *j);

/* The member `key` of an OBJECT, or NULL (also when j is not an object). */
const cprof__json *cprof__json_get(const cprof__json *j, const char *key);
/* j's string, or NULL when j is NULL or not a string. */
const char *cprof__json_str(const cprof__json *j);
/* j's number, or def when j is NULL or not a number. */
double cprof__json_num(const cprof__json *j, double def);

#endif
