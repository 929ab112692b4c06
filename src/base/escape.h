/*
 * escape.h — text escaped for XML/HTML, JSON and URL queries, written to a
 * stdio stream.  The XML/HTML and JSON escapers always produce well-formed
 * output whatever the input holds: invalid UTF-8 bytes and control
 * characters become U+FFFD.  Thread-safe as the FILE is; they do not check
 * for write errors (callers check ferror once).
 */
#ifndef CPROF_BASE_ESCAPE_H
#define CPROF_BASE_ESCAPE_H

#include "compat.h"

#include <stdio.h>

/* s[0..n) for XML text and attribute values: & < > " ' become entities,
 * control characters other than tab (newlines too: an attribute would
 * normalise them) and invalid UTF-8 bytes become U+FFFD. */
void cprof__xml_escape(FILE *out, const char *s, size_t n);

/* The same for HTML text, where line breaks are kept: tab, newline and
 * carriage return pass through. */
void cprof__html_escape(FILE *out, const char *s, size_t n);

/* s[0..n) as the body of a JSON string (without the quotes), also safe
 * inside an HTML <script> element: " and \ escaped, control characters and
 * < > & as \u00XX, U+2028/U+2029 as \u2028/\u2029 (line ends in older
 * JavaScript), invalid UTF-8 bytes as \ufffd. */
void cprof__json_escape(FILE *out, const char *s, size_t n);

/* The C string s percent-encoded for a URL query value (RFC 3986: all but
 * letters, digits and - _ . ~). */
void cprof__query_escape(FILE *out, const char *s);

#endif
