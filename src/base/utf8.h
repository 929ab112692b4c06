/*
 * utf8.h — UTF-8 as the reports need it: sequence validation, character
 * counts and prefixes for layout, without locale or libc's multibyte state.
 * Pure functions: thread-safe, no allocation.
 */
#ifndef CPROF_BASE_UTF8_H
#define CPROF_BASE_UTF8_H

#include "compat.h"

/* Length (1-4) of the valid UTF-8 sequence at s[0..n), n >= 1, or 0 when it
 * is not one: a stray or truncated byte, an overlong form, a surrogate,
 * beyond U+10FFFF, or U+FFFE/U+FFFF (not XML characters, so that escaped
 * text is always well-formed XML). */
size_t cprof__utf8_seq(const unsigned char *s, size_t n);

/* Number of characters of s[0..n): valid sequences (cprof__utf8_seq) count
 * one, every other byte counts one (it is shown as U+FFFD). */
size_t cprof__utf8_len(const char *s, size_t n);

/* Byte length of the first `chars` characters of s[0..n), counted as
 * cprof__utf8_len counts (never splits a valid sequence). */
size_t cprof__utf8_prefix(const char *s, size_t n, size_t chars);

/* Runes of the C string s as Go's text/tabwriter measures cell widths:
 * every byte that is not a continuation byte (10xxxxxx) starts one. */
size_t cprof__utf8_runes(const char *s);

#endif
