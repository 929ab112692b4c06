#include "compat.h"
#include "base/escape.h"
#include "base/utf8.h"

/* Writes the pending plain bytes s[*run..i) and rep, which stands for the l
 * bytes at i; returns where the scan goes on (the next run starts there). */
static size_t put_rep(FILE *out, const char *s, size_t *run, size_t i, const char *rep, size_t l)
{
	fwrite(s + *run, 1, i - *run, out);
	fputs(rep, out);
	*run = i + l;
	return *run;
}

/* XML, or HTML text when keep_lines. */
static void markup_escape(FILE *out, const char *s, size_t n, bool keep_lines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0; /* start of the pending run of plain bytes */
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		const char *rep = NULL;
		size_t l = 1;
		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"')
			rep = "&quot;";
		else if (c == '\'')
			rep = "&#39;";
		else if (c < 0x20 && c != '\t' && !(keep_lines && (c == '\n' || c == '\r')))
			rep = "\xef\xbf\xbd";
		else if (c >= 0x80 && !(l = cprof__utf8_seq(u + i, n - i))) {
			rep = "\xef\xbf\xbd";
			l = 1;
		}
		i = rep ? put_rep(out, s, &run, i, rep, l) : i + l;
	}
	fwrite(s + run, 1, n - run, out);
}

void cprof__xml_escape(FILE *out, const char *s, size_t n)
{
	markup_escape(out, s, n, false);
}

void cprof__html_escape(FILE *out, const char *s, size_t n)
{
	markup_escape(out, s, n, true);
}

void cprof__json_escape(FILE *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		char rep[8];
		size_t l = 1;
		bool esc = true;
		if (c == '"' || c == '\\')
			snprintf(rep, sizeof(rep), "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			snprintf(rep, sizeof(rep), "\\u%04x", c);
		else if (c >= 0x80 && !(l = cprof__utf8_seq(u + i, n - i))) {
			snprintf(rep, sizeof(rep), "\\ufffd");
			l = 1;
		} else if (l == 3 && c == 0xe2 && u[i + 1] == 0x80 &&
			   (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
			/* U+2028/U+2029 end lines in older JavaScript. */
			snprintf(rep, sizeof(rep), "\\u%04x",
				 0x2000 + (u[i + 2] == 0xa8 ? 0x28 : 0x29));
		} else {
			esc = false;
		}
		i = esc ? put_rep(out, s, &run, i, rep, l) : i + l;
	}
	fwrite(s + run, 1, n - run, out);
}

void cprof__query_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			fputc(c, out);
		else
			fprintf(out, "%%%02X", c);
	}
}
