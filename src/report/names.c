/*
 * names.c — pprof's default demangling of function names (symbolizer.go
 * Demangle, mode "simplified": no parameters, no template arguments, no
 * return type), applied to functions whose name is still their system name.
 * Mangled names go through libstdc++'s demangler (profile/demangle.h) and are
 * then simplified; names that merely look like demangled C++ get pprof's
 * textual simplification.
 */
#include "compat.h"
#include "profile/demangle.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

/* pprof's removeMatching: drop every outermost (open ... close) group. */
static void remove_matching(char *s, char open, char close)
{
	int nest = 0;
	size_t first = 0;
	for (size_t i = 0; s[i];) {
		if (s[i] == open) {
			if (++nest == 1)
				first = i;
		} else if (s[i] == close) {
			if (--nest < 0)
				return; /* mismatch: leave as is */
			if (nest == 0) {
				memmove(s + first, s + i + 1, strlen(s + i + 1) + 1);
				i = first;
				continue;
			}
		}
		i++;
	}
}

/* pprof's looksLikeDemangledCPlusPlus. */
static bool looks_like_cxx(const char *s)
{
	if (strstr(s, ".<") || strstr(s, "]).")) /* Java "<init>", Go generics */
		return false;
	return strpbrk(s, "<>[]") != NULL || strstr(s, "::") != NULL;
}

/* Mark the symbol characters of operator names ("operator()",
 * "operator<<=", "operator->*"...) so that they are not taken for parameter
 * lists or template arguments.  prot has strlen(s) entries. */
static void protect_operators(const char *s, bool *prot)
{
	static const char *ops[] = {"()", "[]", "<<=", ">>=", "<=>", "->*", "<<",
				    ">>", "<=", ">=",  "->",  "<",   ">"};
	for (const char *p = s; (p = strstr(p, "operator")) != NULL; p += 8) {
		const char *q = p + 8;
		for (size_t k = 0; k < CPROF_ARRAY_LEN(ops); k++)
			if (!strncmp(q, ops[k], strlen(ops[k]))) {
				for (size_t j = 0; j < strlen(ops[k]); j++)
					prot[(q - s) + j] = true;
				break;
			}
	}
}

/* Go's demangler with NoParams and NoTemplateParams, applied to the text of
 * a full demangling: drop the clone suffix, the parameter list and what
 * follows it (cv/ref qualifiers), template arguments, and the return type. */
static void simplify_demangled(char *s)
{
	static const char anon[] = "(anonymous namespace)";
	char *c = strstr(s, " [clone ");
	if (c)
		*c = 0;
	size_t n = strlen(s);
	bool *prot = calloc(n + 1, sizeof(bool));
	if (!prot)
		return;
	protect_operators(s, prot);
	/* Parameters: the first top-level '(' that is not part of a name. */
	int nest = 0;
	for (size_t i = 0; s[i]; i++) {
		if (!strncmp(s + i, anon, sizeof(anon) - 1)) {
			i += sizeof(anon) - 2;
			continue;
		}
		if (prot[i])
			continue;
		if (s[i] == '<')
			nest++;
		else if (s[i] == '>')
			nest--;
		else if (s[i] == '(' && nest == 0) {
			s[i] = 0;
			break;
		}
	}
	/* Template arguments. */
	nest = 0;
	size_t w = 0;
	for (size_t i = 0; s[i]; i++) {
		if (!prot[i]) {
			if (s[i] == '<') {
				nest++;
				continue;
			}
			if (s[i] == '>' && nest > 0) {
				nest--;
				continue;
			}
		}
		if (nest == 0)
			s[w++] = s[i];
	}
	s[w] = 0;
	free(prot);
	/* Return type: text before the last space outside "(anonymous
	 * namespace)" and operator names ("operator new"). */
	size_t cut = 0;
	bool found = false;
	for (size_t i = 0; s[i]; i++) {
		if (!strncmp(s + i, anon, sizeof(anon) - 1)) {
			i += sizeof(anon) - 2;
			continue;
		}
		if (s[i] == ' ' && !(i >= 8 && !strncmp(s + i - 8, "operator", 8))) {
			cut = i;
			found = true;
		}
	}
	if (found)
		memmove(s, s + cut + 1, strlen(s + cut + 1) + 1);
}

static char *simplify(const char *name)
{
	if (!strncmp(name, "_Z", 2)) {
		char *d = cprof__demangle(name);
		if (d)
			simplify_demangled(d);
		return d;
	}
	if (!looks_like_cxx(name))
		return NULL;
	char *s = strdup(name);
	if (s) {
		remove_matching(s, '(', ')');
		remove_matching(s, '<', '>');
	}
	return s;
}

int cprof__report_demangle(cprof__profile *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < p->function.n; i++) {
		cprof__function *f = &p->function.v[i];
		const char *name = cprof__profile_string(p, f->name);
		const char *sys = cprof__profile_string(p, f->system_name);
		if (*name && strcmp(name, sys))
			continue; /* already demangled */
		char *s = simplify(sys);
		if (!s || !strcmp(s, sys)) {
			/* Unchanged: no interning (a big profile's string hash
			 * is memory for nothing). */
			f->name = f->system_name;
			free(s);
			continue;
		}
		f->name = cprof__profile_str(p, s);
		free(s);
	}
	return p->oom ? cprof__errf(err, errlen, "out of memory") : 0;
}
