/*
 * cmd_web.c — `cprof web [-http HOST:PORT] [report options] PROFILE...`: a
 * local web UI over libmicrohttpd (docs/WEB.md).  Views: flame graph
 * (default, the --html page), top, graph (Graphviz SVG), peek, source and
 * disassembly of the functions matching p, and /download (the filtered
 * profile.proto).  Every page has the same bar (nav()): pprof's VIEW,
 * SAMPLE, REFINE, CONFIG and DOWNLOAD menus, one search box, the active
 * filters; the state is the query (si, f, i, h, s, p, b), so Back/Forward
 * and shared links work; the sources are fetched and decoded once
 * (web_fetch) and each page is built from a copy as `cprof top` would, then
 * kept for the next request of the same page (the default ones are built
 * ahead, on a thread); a bad parameter is a 400 page with the CLI's
 * message.  The look and behaviour are web/web.css and web/web.js.
 * Binds 127.0.0.1 on a free port by default and answers 403 to non-local
 * clients, and to requests whose Host is not a loopback name (DNS
 * rebinding), unless another host was given explicitly (pprof's rule for
 * clients).  Sources are read as by `cprof flame` (folded stacks too).
 */
#include "compat.h"
#include "cli/cli.h"
#include "cli/cmd_flame.h"
#include "profile/profile.h"
#include "report/flame.h"
#include "report/report.h"
#include "cli/lazylib.h"
#include "cli/mhd.h"
#include "cli/live.h"
#include "base/escape.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static struct {
	char **argv; /* report options and sources given on the command line */
	int argc;
	bool any_client;
	bool has_base; /* -diff_base on the command line: b=none drops it */
	char *dir;     /* the directory of the last source file (NULL: none) */
	char **bases;  /* the profiles in it, other than the sources: the base menu */
	size_t nbases;
	char **types; /* the profile's sample types (the si menu) */
	size_t ntypes;
	char *deftype; /* the one shown without si */
} web;

/* The sources (and bases) as fetched and decoded, by name: a request
 * reports on a copy, since reports change their profile.  As pprof -http,
 * a URL is fetched once (a 30 s CPU profile per view would be absurd), and
 * a 200k-stack file is not decoded again for every view.  Used under
 * render_mu. */
static struct web_src {
	char *src;
	int seconds;
	cprof__profile p;
} * srcs;
static size_t nsrcs;

static int web_fetch(cprof__profile *p, const char *src, int seconds, char *err, size_t errlen)
{
	size_t k = 0;
	while (k < nsrcs && (strcmp(srcs[k].src, src) || srcs[k].seconds != seconds))
		k++;
	if (k == nsrcs) {
		int rc = cprof__flame_fetch(p, src, seconds, err, errlen);
		struct web_src *ns = rc == 0 ? realloc(srcs, (nsrcs + 1) * sizeof(*srcs)) : NULL;
		if (ns) {
			srcs = ns;
			ns[nsrcs].seconds = seconds;
			/* Not cached when out of memory: fetched again next time. */
			if ((ns[nsrcs].src = strdup(src)) &&
			    cprof__profile_copy(&ns[nsrcs].p, p) == 0)
				nsrcs++;
			else
				free(ns[nsrcs].src);
		}
		return rc;
	}
	cprof__profile_free(p);
	if (cprof__profile_copy(p, &srcs[k].p) < 0) {
		cprof__profile_init(p);
		snprintf(err, errlen, "%s: out of memory", src);
		return -1;
	}
	return 0;
}

/* HTML-escape (text and attribute values) or query-encode the C string s
 * (NULL: nothing) into f. */
static void hesc(FILE *f, const char *s)
{
	if (s)
		cprof__html_escape(f, s, strlen(s));
}

static void qesc(FILE *f, const char *s)
{
	if (s)
		cprof__query_escape(f, s);
}

static const char *const params[][2] = {
	{"f", "focus"},         {"i", "ignore"}, {"h", "hide"}, {"s", "show"},
	{"si", "sample_index"}, {"p", "regexp"}, {"b", "base"},
};

/* -diff_base=X or -diff_base X (one or two dashes): the number of argv
 * entries it takes, 0 if a is not it. */
static int diff_base_arg(const char *a)
{
	const char *nm = a[0] == '-' ? a + 1 + (a[1] == '-') : NULL;
	if (!nm || strncmp(nm, "diff_base", 9))
		return 0;
	return nm[9] == '=' ? 1 : nm[9] == 0 ? 2 : 0;
}

/* The views, in the VIEW menu's order: path, menu label, page title. */
static const char *const views[][3] = {
	{"/", "Flame graph", "Flame graph"}, {"/top", "Top", "Top"},
	{"/graph", "Graph", "Graph"},        {"/peek", "Peek", "Peek"},
	{"/source", "Source", "Source"},     {"/disasm", "Disassembly", "Disassembly"},
};

/* The favicon: a small flame graph (three rows of boxes), as a data: URL in
 * every page (no request) and as /favicon.ico for clients that ask anyway. */
#define FAVICON_SVG                                                          \
	"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"       \
	"<rect x='1' y='11' width='14' height='4' rx='1' fill='%23e0591b'/>" \
	"<rect x='1' y='6' width='9' height='4' rx='1' fill='%23f0a21b'/>"   \
	"<rect x='11' y='6' width='4' height='4' rx='1' fill='%23e8c31b'/>"  \
	"<rect x='2' y='1' width='5' height='4' rx='1' fill='%23f4d35e'/></svg>"

/* A query parameter of the request (NULL: absent, or no request: a page
 * rendered ahead of one, see prewarm()). */
static const char *arg(struct MHD_Connection *c, const char *name)
{
	return c ? cprof__mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

static void q_param(FILE *f, struct MHD_Connection *c, const char *skip)
{
	for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
		const char *v = arg(c, params[j][0]);
		if (v && *v && (!skip || strcmp(skip, params[j][0]))) {
			fprintf(f, "%s=", params[j][0]);
			qesc(f, v);
			fputs("&amp;", f);
		}
	}
}

/* What goes in every page's <head>: the icon, the stylesheet, and the
 * theme chosen before anything is drawn (no flash of the other theme). */
static void head_extras(FILE *f)
{
	fputs("<link rel=\"icon\" type=\"image/svg+xml\" href=\"data:image/svg+xml," FAVICON_SVG
	      "\">\n<style>",
	      f);
	fputs(cprof__web_css, f);
	fputs("</style>\n<script>try{var t=localStorage.getItem('cprof-flame-theme');"
	      "if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))"
	      "document.documentElement.classList.add('dark')}catch(e){}</script>\n",
	      f);
}

static const char *view_title(const char *view)
{
	for (size_t k = 0; k < CPROF_ARRAY_LEN(views); k++)
		if (!strcmp(view, views[k][0]))
			return views[k][2];
	return "cprof";
}

static void page_begin(FILE *f, const char *view)
{
	fprintf(f,
		"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<title>%s \xe2\x80\x94 cprof</title>\n",
		view_title(view));
	head_extras(f);
	fprintf(f, "</head><body data-view=\"%s\">", view);
}

static void page_end(FILE *f)
{
	fputs("<script>", f);
	fputs(cprof__web_js, f);
	fputs("</script></body></html>\n", f);
}

/* The navigation bar, the same on every view, as pprof's: VIEW, SAMPLE,
 * REFINE, CONFIG, DOWNLOAD menus and one search box (p: the regexp that
 * highlights, selects the functions of peek/source/disassembly, and that
 * REFINE turns into a filter), the active filters as removable chips.  A
 * GET form: the state is the URL, so Back/Forward and shared links work. */
static void nav(FILE *f, struct MHD_Connection *c, const char *view)
{
	fputs("<nav id=\"cprofnav\" aria-label=\"cprof web\"><a class=\"brand\" href=\"/?", f);
	q_param(f, c, "p");
	fputs("\" title=\"cprof web\"><img alt=\"\" width=\"18\" height=\"18\" "
	      "src=\"data:image/svg+xml," FAVICON_SVG "\">cprof</a>",
	      f);
	/* autocomplete=off: else Back shows the controls as they were left (the
	 * browser restores form state), not as the URL says. */
	fprintf(f, "<form method=\"get\" action=\"%s\" autocomplete=\"off\">", view);
	fputs("<details class=\"menu\" id=\"m-view\"><summary>VIEW</summary><div class=\"drop\">",
	      f);
	for (size_t k = 0; k < CPROF_ARRAY_LEN(views); k++) {
		fprintf(f, "<a href=\"%s?", views[k][0]);
		q_param(f, c, NULL);
		fprintf(f, "\"%s>%s</a>", !strcmp(view, views[k][0]) ? " class=\"cur\"" : "",
			views[k][1]);
	}
	fputs("</div></details>", f);
	/* The sample type: a menu that applies itself. */
	const char *si = arg(c, "si");
	if (!si || !*si)
		si = web.deftype;
	bool found = false;
	fputs("<label class=\"lbl\" for=\"si\">SAMPLE</label><select id=\"si\" name=\"si\" "
	      "onchange=\"this.form.submit()\">",
	      f);
	for (size_t k = 0; k < web.ntypes; k++) {
		bool sel = si && !strcmp(si, web.types[k]);
		found |= sel;
		fputs("<option", f);
		fputs(sel ? " selected>" : ">", f);
		hesc(f, web.types[k]);
		fputs("</option>", f);
	}
	if (!found && si) { /* an index or an alias pprof accepts */
		fputs("<option selected>", f);
		hesc(f, si);
		fputs("</option>", f);
	}
	fputs("</select>", f);
	if (web.has_base || web.nbases) {
		/* The base of the differential view: -diff_base, none, or another
		 * profile from the source's directory (b=NAME). */
		const char *b = arg(c, "b");
		bool none = b && !strcmp(b, "none"), dflt = !b || !*b;
		fputs("<label class=\"lbl\" for=\"b\">BASE</label><select id=\"b\" name=\"b\" "
		      "onchange=\"this.form.submit()\" title=\"the base of a differential flame "
		      "graph (and of every view: -diff_base)\">",
		      f);
		if (web.has_base)
			fprintf(f,
				"<option value=\"\"%s>diff vs -diff_base</option><option "
				"value=\"none\"%s>no base</option>",
				dflt ? " selected" : "", none ? " selected" : "");
		else
			fprintf(f, "<option value=\"\"%s>no base</option>",
				dflt || none ? " selected" : "");
		for (size_t k = 0; k < web.nbases; k++) {
			fputs("<option value=\"", f);
			hesc(f, web.bases[k]);
			fputs(b && !strcmp(b, web.bases[k]) ? "\" selected>diff vs "
							    : "\">diff vs ",
			      f);
			hesc(f, web.bases[k]);
			fputs("</option>", f);
		}
		fputs("</select>", f);
	}
	fputs("<details class=\"menu\" id=\"m-refine\"><summary>REFINE</summary><div "
	      "class=\"drop\"><div class=\"hint\">The search box's regexp, as a filter of every "
	      "view:</div>"
	      "<button type=\"button\" class=\"item\" data-refine=\"f\">Focus</button>"
	      "<button type=\"button\" class=\"item\" data-refine=\"i\">Ignore</button>"
	      "<button type=\"button\" class=\"item\" data-refine=\"h\">Hide</button>"
	      "<button type=\"button\" class=\"item\" data-refine=\"s\">Show</button>"
	      "<button type=\"button\" class=\"item\" data-refine=\"reset\">Reset</button><hr>",
	      f);
	for (size_t j = 0; j < 4; j++) { /* f, i, h, s */
		const char *v = arg(c, params[j][0]);
		fprintf(f, "<label>%s <input name=\"%s\" value=\"", params[j][1], params[j][0]);
		hesc(f, v);
		fputs("\"></label>", f);
	}
	fputs("<div class=\"row\"><button type=\"submit\" id=\"apply\">Apply</button></div>"
	      "</div></details>",
	      f);
	fputs("<details class=\"menu\" id=\"m-config\"><summary>CONFIG</summary><div "
	      "class=\"drop\"><div class=\"hint\">Save this view's settings (kept in this "
	      "browser):</div><div class=\"row\"><input id=\"cfgname\" placeholder=\"name\" "
	      "aria-label=\"configuration name\"><button type=\"button\" id=\"cfgsave\">Save"
	      "</button></div><hr><div id=\"cfglist\"></div></div></details>",
	      f);
	fputs("<details class=\"menu\" id=\"m-download\"><summary>DOWNLOAD</summary><div "
	      "class=\"drop\"><a id=\"dlproto\" download=\"profile.pb.gz\" href=\"/download?",
	      f);
	q_param(f, c, "p");
	fputs("\">profile.pb.gz (as filtered)</a></div></details>", f);
	const char *p = arg(c, "p");
	fputs("<input name=\"p\" type=\"search\" placeholder=\"regexp  ( / )\" "
	      "aria-label=\"search regexp\" title=\"highlights matches; selects the functions of "
	      "peek, source and disassembly; REFINE filters by it\" value=\"",
	      f);
	hesc(f, p);
	fputs("\"><span class=\"chips\">", f);
	for (size_t j = 0; j < 4; j++) {
		const char *v = arg(c, params[j][0]);
		if (!v || !*v)
			continue;
		fprintf(f, "<span class=\"chip\">%s <code>", params[j][1]);
		hesc(f, v);
		fprintf(f, "</code><a href=\"%s?", view);
		q_param(f, c, params[j][0]);
		fprintf(f,
			"\" title=\"remove %s\" aria-label=\"remove %s\">\xe2\x9c\x95</a></span>",
			params[j][1], params[j][1]);
	}
	fprintf(f,
		"</span><span class=\"grow\"></span><span class=\"view\">%s</span>"
		"<button type=\"button\" id=\"themebtn\" title=\"light or dark theme\" "
		"aria-label=\"switch theme\">\xe2\x97\x90</button></form></nav>\n",
		view_title(view));
}

/* Graphviz: dot -Tsvg on the DOT text, the SVG (without its XML prolog)
 * inlined into f.  0, or -1 with a message in err. */
static int render_dot(const char *dot, size_t n, FILE *f, char *err, size_t errlen)
{
	FILE *svg = tmpfile();
	if (!svg) {
		snprintf(err, errlen, "temporary file: %s", strerror(errno));
		return -1;
	}
	if (cprof__cli_graphviz("svg", dot, n, fileno(svg), true, err, errlen) < 0) {
		fclose(svg);
		return -1;
	}
	rewind(svg);
	char buf[65536];
	size_t k, total = 0;
	bool in_svg = false;
	fputs("<div id=\"graphwrap\"><div id=\"graphtools\">"
	      "<button type=\"button\" id=\"gfit\" title=\"fit to window (0)\">Fit</button>"
	      "<button type=\"button\" id=\"g11\" title=\"actual size\">1:1</button>"
	      "<button type=\"button\" id=\"gin\" title=\"zoom in (+, wheel)\">+</button>"
	      "<button type=\"button\" id=\"gout\" title=\"zoom out (-, wheel)\">\xe2\x88\x92"
	      "</button></div><div id=\"graphbox\">",
	      f);
	while ((k = fread(buf, 1, sizeof(buf) - 1, svg)) > 0) {
		buf[k] = 0;
		char *s = buf;
		if (!in_svg) { /* skip <?xml ...?> and the DOCTYPE */
			char *at = strstr(buf, "<svg");
			if (!at)
				continue;
			s = at;
			in_svg = true;
		}
		fwrite(s, 1, k - (size_t)(s - buf), f);
		total += k;
	}
	fclose(svg);
	fputs("</div></div>", f);
	if (total == 0) {
		snprintf(err, errlen, "dot -Tsvg wrote no SVG");
		return -1;
	}
	return 0;
}

/* s as a regexp that matches it literally, anchored, query-encoded. */
static void qregexp(FILE *f, const char *s)
{
	fputs("%5E", f); /* ^ */
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			fputs("%5C", f); /* \ */
		char one[2] = {*s, 0};
		qesc(f, one);
	}
	fputs("%24", f); /* $ */
}

/* The top report as a table sortable by clicking its headers: the header
 * lines (File, Type, filters, Showing...) in a <pre>, then one row per
 * "flat flat% sum% cum cum% name" line (flat sorts by flat%, cum by cum%:
 * the values are printed in scaled units); a name links to its peek view.  Lines that do not parse go in
 * a <pre> after the table. */
static void top_table(FILE *f, struct MHD_Connection *c, char *text)
{
	char *rows = strstr(text, "\n      flat  flat%   sum%        cum   cum%\n");
	if (!rows) {
		fputs("<pre>", f);
		hesc(f, text);
		fputs("</pre>", f);
		return;
	}
	*rows = 0;
	rows = strchr(rows + 1, '\n') + 1;
	fputs("<pre>", f);
	hesc(f, text);
	fputs("</pre>\n<table id=\"top\" title=\"click a header to sort, a name for its views\">"
	      "<thead><tr>",
	      f);
	static const char *const cols[] = {"flat", "flat%", "sum%", "cum", "cum%", "name"};
	for (size_t k = 0; k < CPROF_ARRAY_LEN(cols); k++)
		fprintf(f, "<th data-k=\"%zu\">%s</th>", k, cols[k]);
	fputs("</tr></thead><tbody>\n", f);
	char *rest = NULL;
	size_t restn = 0;
	FILE *rf = open_memstream(&rest, &restn);
	for (char *line = rows, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char v[5][64];
		int name_at = 0;
		if (sscanf(line, " %63s %63s %63s %63s %63s %n", v[0], v[1], v[2], v[3], v[4],
			   &name_at) < 5 ||
		    !name_at || !line[name_at]) {
			if (rf)
				fprintf(rf, "%s\n", line);
			continue;
		}
		fputs("<tr>", f);
		for (int k = 0; k < 5; k++) {
			/* sort keys: the shares (flat%, cum%) for the values */
			const char *key = k == 0 ? v[1] : k == 3 ? v[4] : v[k];
			fprintf(f, "<td data-v=\"%g\">", strtod(key, NULL));
			hesc(f, v[k]);
			fputs("</td>", f);
		}
		/* The name opens the function menu (web.js); without script,
		 * its callers and callees (peek). */
		fputs("<td><a class=\"fn\" href=\"/peek?", f);
		q_param(f, c, "p");
		fputs("p=", f);
		qregexp(f, line + name_at);
		fputs("\">", f);
		hesc(f, line + name_at);
		fputs("</a></td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (rf)
		fclose(rf);
	if (rest && *rest) {
		fputs("<pre>", f);
		hesc(f, rest);
		fputs("</pre>", f);
	}
	free(rest);
}

/* ---- rendered pages, kept ----
 * The sources never change while the server runs, so neither does a page
 * for the same view and parameters: the pages rendered are kept (the
 * oldest dropped past PAGES_MAX bytes) and served again as they are.  The
 * views' default pages are rendered ahead of their first request
 * (prewarm()).  One lock, render_mu, serialises rendering (the reports,
 * web_fetch's sources and the error capture are one thread's) and the
 * cache. */
#define PAGES_MAX (64u << 20)
#define WEB_FRAMES 100000
static pthread_mutex_t render_mu = PTHREAD_MUTEX_INITIALIZER;
static struct page {
	char *key, *body;
	size_t len;
} pages[32];
static size_t pages_bytes;

/* The key of a page: its view and every parameter that shapes it, each
 * absent or with its value (length-prefixed: no two requests share one). */
static char *page_key(struct MHD_Connection *c, const char *view)
{
	char *k = NULL;
	size_t kl = 0;
	FILE *f = open_memstream(&k, &kl);
	if (!f)
		return NULL;
	fputs(view, f);
	for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
		const char *v = arg(c, params[j][0]);
		if (v)
			fprintf(f, "\n%zu:%s", strlen(v), v);
		else
			fputs("\n-", f);
	}
	if (fclose(f) != 0) {
		free(k);
		return NULL;
	}
	return k;
}

static struct page *cache_find(const char *key)
{
	for (size_t k = 0; k < CPROF_ARRAY_LEN(pages) && pages[k].key; k++)
		if (!strcmp(pages[k].key, key))
			return &pages[k];
	return NULL;
}

/* A copy of the page kept under key, if one is. */
static bool cache_get(const char *key, char **body, size_t *len)
{
	struct page *pg = cache_find(key);
	char *b = pg ? malloc(pg->len ? pg->len : 1) : NULL;
	if (!b)
		return false;
	memcpy(b, pg->body, pg->len);
	*body = b, *len = pg->len;
	return true;
}

static void cache_drop(size_t k)
{
	pages_bytes -= pages[k].len;
	free(pages[k].key);
	free(pages[k].body);
	memmove(&pages[k], &pages[k + 1], (CPROF_ARRAY_LEN(pages) - k - 1) * sizeof(pages[0]));
	memset(&pages[CPROF_ARRAY_LEN(pages) - 1], 0, sizeof(pages[0]));
}

/* Keep a copy of body under key (nothing when out of memory or too big). */
static void cache_put(const char *key, const char *body, size_t len)
{
	if (len > PAGES_MAX / 2)
		return;
	char *kc = strdup(key), *bc = malloc(len ? len : 1);
	if (!kc || !bc) {
		free(kc);
		free(bc);
		return;
	}
	memcpy(bc, body, len);
	while (pages[CPROF_ARRAY_LEN(pages) - 1].key || pages_bytes + len > PAGES_MAX)
		cache_drop(0);
	size_t k = 0;
	while (pages[k].key)
		k++;
	pages[k] = (struct page){kc, bc, len};
	pages_bytes += len;
}

static int render(struct MHD_Connection *c, const char *view, char **out, size_t *outlen,
		  unsigned *status);

static atomic_bool prewarm_stop;

/* Render view's page without parameters, unless it is kept already. */
static void render_ahead(const char *view)
{
	char *key = page_key(NULL, view), *body = NULL;
	size_t len = 0;
	unsigned status = 0;
	pthread_mutex_lock(&render_mu);
	if (key && !cache_find(key) && render(NULL, view, &body, &len, &status) == 0 &&
	    status == 200)
		cache_put(key, body, len);
	pthread_mutex_unlock(&render_mu);
	free(body);
	free(key);
}

/* The thread that renders the top and graph pages without parameters
 * while the server waits for its first requests (the flame graph's, the
 * first view, is rendered before the URL is printed): the first visit of
 * each finds it ready.  A request that comes first renders its page
 * itself (the lock orders them); a stop request ends the work between two
 * pages. */
static void *prewarm(void *arg_)
{
	(void)arg_;
	static const char *const ahead[] = {"/top", "/graph"};
	for (size_t k = 0; k < CPROF_ARRAY_LEN(ahead) && !atomic_load(&prewarm_stop); k++)
		render_ahead(ahead[k]);
	return NULL;
}

/* The page of view for the request c (NULL: one without parameters) in
 * *out (malloc'd), *outlen bytes, with its HTTP status.  -1: out of
 * memory.  On the server's thread, or prewarm's, under render_mu. */
static int render(struct MHD_Connection *c, const char *view, char **out, size_t *outlen,
		  unsigned *status)
{
	bool flame = !strcmp(view, "/"), top = !strcmp(view, "/top"), peek = !strcmp(view, "/peek");
	bool graph = !strcmp(view, "/graph"), source = !strcmp(view, "/source");
	bool disasm = !strcmp(view, "/disasm"), download = !strcmp(view, "/download");
	/* argv: the command line's, then this request's filters (later wins). */
	char **argv = calloc((size_t)web.argc + 16, sizeof(char *));
	char *owned[16];
	size_t nowned = 0;
	int argc = 0;
	if (!argv)
		return -1;
	argv[argc++] = "web";
	for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
		const char *v = arg(c, params[j][0]);
		const char *flag = params[j][1];
		if (!strcmp(flag, "regexp"))
			flag = peek ? "peek" : source ? "list" : disasm ? "disasm" : NULL;
		else if (!strcmp(flag, "base"))
			flag = NULL;
		if (flag && v && *v && asprintf(&owned[nowned], "-%s=%s", flag, v) >= 0)
			argv[argc++] = owned[nowned++];
	}
	const char *pv = arg(c, "p");
	if ((source || disasm) && (!pv || !*pv)) {
		free(argv);
		for (size_t k = 0; k < nowned; k++)
			free(owned[k]);
		char *b = NULL;
		size_t bl = 0;
		FILE *bf = open_memstream(&b, &bl);
		if (!bf)
			return -1;
		page_begin(bf, view);
		nav(bf, c, view);
		fprintf(bf,
			"<div class=\"page\"><p class=\"note\">Enter a regexp in the search box: the "
			"%s of the matching functions is listed (or pick a function in Top, Graph or "
			"the flame graph).</p></div>",
			source ? "source" : "disassembly");
		page_end(bf);
		fclose(bf);
		*out = b, *outlen = bl, *status = 200;
		return 0;
	}
	const char *b = arg(c, "b");
	bool nobase = b && !strcmp(b, "none"), bad_base = false;
	if (b && *b && !nobase) { /* a profile beside the source, by name only */
		size_t k = 0;
		while (k < web.nbases && strcmp(b, web.bases[k]))
			k++;
		bad_base = k == web.nbases;
		if (!bad_base && asprintf(&owned[nowned], "-diff_base=%s/%s", web.dir, b) >= 0)
			argv[argc++] = owned[nowned++];
		nobase = true; /* instead of the command line's */
	}
	for (int k = 1; k < web.argc; k++) {
		int skip = nobase ? diff_base_arg(web.argv[k]) : 0;
		if (skip)
			k += skip - 1;
		else
			argv[argc++] = web.argv[k];
	}
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	char err[512] = "";
	/* The CLI's own messages (bad sample_index, regexp...) for the page;
	 * they still go to stderr too.  One page at a time is rendered (under
	 * render_mu), so one buffer serves. */
	char cli_err[1024];
	cprof__error_capture(cli_err, sizeof(cli_err));
	int rc = -1;
	cprof__profile p;
	cprof__profile_init(&p);
	int cli_status = 0;
	const char *output = NULL;
	if (bad_base)
		cprof__error("base \"%s\": not a profile in %s (the base menu lists them)", b,
			     web.dir ? web.dir : "the source's directory");
	cprof__report *r = f && !bad_base
				   ? cprof__cli_report_open(argc, argv,
							    top        ? CPROF_FMT_TEXT
							    : graph    ? CPROF_FMT_DOT
							    : source   ? CPROF_FMT_LIST
							    : disasm   ? CPROF_FMT_DISASM
							    : download ? CPROF_FMT_PROTO
								       : CPROF_FMT_TREE,
							    web_fetch, &p, &output, &cli_status)
				   : NULL;
	(void)output;
	/* Bad parameters (options, regexps that match nothing): 400; a graph
	 * that Graphviz could not draw: 500. */
	unsigned fail = 400;
	if (r && download) {
		FILE *pf = tmpfile();
		rc = pf ? cprof__report_proto(r, fileno(pf), err, sizeof(err)) : -1;
		if (!pf)
			snprintf(err, sizeof(err), "temporary file: %s", strerror(errno));
		if (rc == 0) {
			rewind(pf);
			char buf[65536];
			size_t k;
			while ((k = fread(buf, 1, sizeof(buf), pf)) > 0)
				fwrite(buf, 1, k, f);
		}
		if (pf)
			fclose(pf);
	} else if (r && flame) {
		cprof__flame_opts o;
		cprof__flame_opts_init(&o);
		/* A page a browser draws at once: past WEB_FRAMES frames, those
		 * narrower than a share of the total are dropped (the page
		 * says so; at that size they are far below a pixel until a
		 * frame is zoomed to a small fraction of the width).  cprof
		 * flame -o FILE.html keeps up to 2 000 000. */
		o.max_frames = WEB_FRAMES;
		char *fb = NULL;
		size_t fl = 0;
		FILE *ff = open_memstream(&fb, &fl);
		rc = ff ? cprof__report_flame_html(r, &o, ff, NULL, err, sizeof(err)) : -1;
		if (ff)
			fclose(ff);
		/* The page's style and icon before </head>, the navigation bar
		 * right after <body>, the shared script before </body>. */
		char *head = fb && rc == 0 ? strstr(fb, "</head>") : NULL;
		char *at = head ? strstr(head, "<body>") : NULL;
		char *end = at ? strstr(at, "</body>") : NULL;
		if (end) {
			fwrite(fb, 1, (size_t)(head - fb), f);
			head_extras(f);
			fwrite(head, 1, (size_t)(at - head), f);
			fputs("<body data-view=\"/\" class=\"web\">", f);
			nav(f, c, "/");
			fwrite(at + 6, 1, (size_t)(end - (at + 6)), f);
			fputs("<script>", f);
			fputs(cprof__web_js, f);
			fputs("</script>", f);
			fputs(end, f);
		} else if (rc == 0) {
			rc = -1;
			snprintf(err, sizeof(err), "flame page without <body>");
		}
		free(fb);
	} else if (r) {
		page_begin(f, view);
		nav(f, c, view);
		char *tb = NULL;
		size_t tl = 0;
		FILE *tf = open_memstream(&tb, &tl);
		if (tf) {
			if (top)
				rc = cprof__report_text(r, tf, err, sizeof(err));
			else if (graph)
				rc = cprof__report_dot(r, tf, err, sizeof(err));
			else if (source)
				rc = cprof__report_list(r, tf, err, sizeof(err));
			else if (disasm)
				rc = cprof__report_disasm(r, tf, err, sizeof(err));
			else
				rc = cprof__report_tree(r, tf, err, sizeof(err));
			fclose(tf);
		}
		if (rc == 0 && graph) {
			rc = render_dot(tb, tl, f, err, sizeof(err));
			fail = rc ? 500 : fail;
		} else if (rc == 0 && top) {
			fputs("<div class=\"page\">", f);
			top_table(f, c, tb);
			fputs("</div>", f);
		} else if (rc == 0) {
			/* The report as the CLI prints it; web.js links its names. */
			fputs("<div class=\"page\"><pre class=\"report\">", f);
			hesc(f, tb);
			fputs("</pre></div>", f);
		}
		free(tb);
		page_end(f);
	}
	cprof__error_capture(NULL, 0);
	cprof__report_free(r);
	cprof__profile_free(&p);
	for (size_t k = 0; k < nowned; k++)
		free(owned[k]);
	free(argv);
	if (f)
		fclose(f);
	if (!r || rc != 0) {
		free(body);
		body = NULL;
		len = 0;
		FILE *ef = open_memstream(&body, &len);
		if (!ef)
			return -1;
		/* The page of the view, with its bar (to fix the parameter), and
		 * the reason in the CLI's words. */
		page_begin(ef, download ? "/" : view);
		nav(ef, c, download ? "/" : view);
		fputs("<div class=\"error\" role=\"alert\">", ef);
		if (*cli_err)
			hesc(ef, cli_err);
		if (*err) {
			if (*cli_err)
				fputc('\n', ef);
			fputs("cprof: ", ef);
			hesc(ef, err);
		}
		if (!*cli_err && !*err)
			fputs("cprof: could not build the report", ef);
		fputs("</div>", ef);
		page_end(ef);
		fclose(ef);
		*out = body, *outlen = len, *status = fail;
		return 0;
	}
	*out = body, *outlen = len, *status = 200;
	return 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version, (void)upload, (void)upload_size, (void)con_cls;
	enum MHD_Result refused;
	if (cprof__mhd_refused(c, web.any_client, method, &refused))
		return refused;
	if (!strcmp(url, "/favicon.ico")) {
		/* The SVG of the data: URL, %23 back to # */
		static const char icon[] = FAVICON_SVG;
		char *b = malloc(sizeof(icon));
		size_t n = 0;
		if (!b)
			return MHD_NO;
		for (const char *q = icon; *q; q++) {
			if (!strncmp(q, "%23", 3)) {
				b[n++] = '#';
				q += 2;
			} else {
				b[n++] = *q;
			}
		}
		return cprof__mhd_respond(c, 200, "image/svg+xml", b, n);
	}
	const char *view = url;
	if (!strcmp(url, "/flamegraph"))
		view = "/";
	size_t vk = 0;
	while (vk < CPROF_ARRAY_LEN(views) && strcmp(view, views[vk][0]))
		vk++;
	bool download = !strcmp(view, "/download");
	if (vk == CPROF_ARRAY_LEN(views) && !download)
		return cprof__mhd_respond_text(c, 404, "not found\n");
	char *key = page_key(c, view);
	char *body = NULL;
	size_t len = 0;
	unsigned status = 200;
	pthread_mutex_lock(&render_mu);
	bool kept = key && cache_get(key, &body, &len);
	int rc = kept ? 0 : render(c, view, &body, &len, &status);
	if (rc == 0 && !kept && status == 200 && !download && key)
		cache_put(key, body, len);
	pthread_mutex_unlock(&render_mu);
	free(key);
	if (rc < 0)
		return MHD_NO;
	if (status != 200 || !download)
		return cprof__mhd_respond(c, status, "text/html; charset=utf-8", body, len);
	struct MHD_Response *resp =
		cprof__mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	cprof__mhd.add_response_header(resp, "Content-Type", "application/octet-stream");
	cprof__mhd.add_response_header(resp, "Content-Disposition",
				       "attachment; filename=\"profile.pb.gz\"");
	cprof__mhd.add_response_header(resp, "Cache-Control", "no-store");
	int ret = cprof__mhd.queue_response(c, 200, resp);
	cprof__mhd.destroy_response(resp);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The base menu's files: the profiles (by name: .pb.gz, .pb, .pprof, .prof,
 * .heap, .folded) in the directory of the last source that is a file,
 * other than the sources themselves; at most 500, names only (a request
 * can name nothing else). */
static void find_bases(int n, char **args)
{
	const char *src = NULL;
	struct stat st;
	for (int k = n - 1; k >= 1 && !src; k--)
		if (args[k][0] != '-' && stat(args[k], &st) == 0 && S_ISREG(st.st_mode))
			src = args[k];
	if (!src)
		return;
	const char *slash = strrchr(src, '/');
	web.dir = slash ? strndup(src, (size_t)(slash - src + (slash == src))) : strdup(".");
	DIR *d = web.dir ? opendir(web.dir) : NULL;
	if (!d)
		return;
	static const char *const exts[] = {".pb.gz", ".pb", ".pprof", ".prof", ".heap", ".folded"};
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) && web.nbases < 500) {
		size_t l = strlen(e->d_name);
		bool ok = false;
		for (size_t j = 0; j < CPROF_ARRAY_LEN(exts) && !ok; j++) {
			size_t el = strlen(exts[j]);
			ok = l > el && !strcmp(e->d_name + l - el, exts[j]);
		}
		for (int k = 1; k < n && ok; k++) { /* not a source itself */
			const char *base = strrchr(args[k], '/');
			ok = strcmp(base ? base + 1 : args[k], e->d_name) != 0;
		}
		if (!ok)
			continue;
		if (web.nbases == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nb = realloc(web.bases, nc * sizeof(*nb));
			if (!nb)
				break;
			web.bases = nb;
			cap = nc;
		}
		if ((web.bases[web.nbases] = strdup(e->d_name)))
			web.nbases++;
	}
	closedir(d);
	if (web.nbases)
		qsort(web.bases, web.nbases, sizeof(*web.bases), cmp_str);
}

int cprof__cmd_web(int argc, char **argv)
{
	/* A program's address (http://HOST:PORT/), not a profile's: the live
	 * dashboard (cmd_live.c). */
	for (int i = 1; i < argc; i++)
		if (cprof__live_target(argv[i]))
			return cprof__cmd_live(argc, argv);
	if (cprof__mhd_load("web") < 0)
		return 1;
	const char *http = NULL;
	char **rest = calloc((size_t)argc + 1, sizeof(char *));
	int n = 0;
	if (!rest)
		return cprof__error("out of memory"), 1;
	rest[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *nm = a[0] == '-' ? a + 1 + (a[1] == '-') : NULL;
		if (nm && !strncmp(nm, "http", 4) && (nm[4] == 0 || nm[4] == '=')) {
			if (nm[4] == '=')
				http = nm + 5;
			else if (i + 1 < argc)
				http = argv[++i];
			else {
				free(rest);
				cprof__error("flag needs an argument: -http");
				return 2;
			}
			continue;
		}
		rest[n++] = argv[i];
	}
	int rc = cprof__web_serve(n, rest, http);
	free(rest);
	return rc;
}

int cprof__web_serve(int argc, char **args, const char *http)
{
	if (!cprof__mhd.start_daemon && cprof__mhd_load("web") < 0)
		return 1;
	/* Check the options and sources once before serving. */
	cprof__profile p;
	cprof__profile_init(&p);
	const char *output = NULL;
	int status = 1;
	cprof__report *r =
		cprof__cli_report_open(argc, args, CPROF_FMT_TEXT, web_fetch, &p, &output, &status);
	if (!r) {
		cprof__profile_free(&p);
		return status;
	}
	/* The sample types for the menu (every request reads the same
	 * sources, so they stay valid). */
	size_t sel = 0;
	cprof__flame_sample_type(r, 0, &web.ntypes, &sel);
	web.types = calloc(web.ntypes + 1, sizeof(*web.types));
	for (size_t k = 0; web.types && k < web.ntypes; k++)
		web.types[k] = strdup(cprof__flame_sample_type(r, k, &web.ntypes, &sel));
	if (web.types && sel < web.ntypes)
		web.deftype = web.types[sel];
	cprof__report_free(r);
	cprof__profile_free(&p);
	if (!web.types) {
		return cprof__error("out of memory"), 1;
	}
	web.argv = args;
	web.argc = argc;
	for (int k = 1; k < argc; k++)
		web.has_base |= diff_base_arg(args[k]) != 0;
	find_bases(argc, args);
	/* HOST:PORT, either part optional; default 127.0.0.1, a free port. */
	char host[256] = "127.0.0.1";
	long port = 0;
	if (http) {
		const char *colon = strrchr(http, ':');
		size_t hl = colon ? (size_t)(colon - http) : strlen(http);
		if (hl >= sizeof(host)) {
			return cprof__error("-http: host too long"), 2;
		}
		if (hl) {
			memcpy(host, http, hl);
			host[hl] = 0;
			web.any_client = strcmp(host, "localhost") && strcmp(host, "127.0.0.1") &&
					 strcmp(host, "[::1]");
		}
		if (colon && colon[1]) {
			char *end;
			port = strtol(colon + 1, &end, 10);
			if (*end || port < 0 || port > 65535) {
				return cprof__error("-http: bad port \"%s\"", colon + 1), 2;
			}
		}
	}
	/* IPv4, or IPv6 in brackets ([::1], [::]). */
	size_t hl = strlen(host);
	bool v6 = host[0] == '[' && hl > 2 && host[hl - 1] == ']';
	char hbuf[256];
	snprintf(hbuf, sizeof(hbuf), "%.*s", v6 ? (int)hl - 2 : (int)hl, host + v6);
	struct addrinfo hints = {.ai_family = v6 ? AF_INET6 : AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	const char *h = !strcmp(hbuf, "localhost") ? "127.0.0.1" : hbuf;
	if (getaddrinfo(h, NULL, &hints, &ai) != 0 || !ai ||
	    ai->ai_addrlen > sizeof(struct sockaddr_storage)) {
		if (ai)
			freeaddrinfo(ai);
		return cprof__error("-http: cannot resolve \"%s\" (%s)", host,
				    v6 ? "IPv6" : "IPv4"),
		       2;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (v6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	/* SIGINT/SIGTERM stop the server.  Blocked before libmicrohttpd starts
	 * its thread, which inherits the mask, so that main's sigwait takes
	 * them: a handler could run on that thread and leave main waiting. */
	sigset_t stopsigs, oldmask;
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stopsigs, &oldmask);
	struct MHD_Daemon *d = cprof__mhd.start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | (v6 ? MHD_USE_IPv6 : 0), (uint16_t)port, NULL,
		NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_END);
	if (!d) {
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
		return cprof__error("cannot listen on %s:%ld: %s", host, port, strerror(errno)), 1;
	}
	const union MHD_DaemonInfo *di = cprof__mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = di ? di->port : (unsigned)port;
	char url[300];
	snprintf(url, sizeof(url), "http://%s:%u/", !strcmp(host, "0.0.0.0") ? "localhost" : host,
		 bound);
	render_ahead("/");
	printf("Serving web UI on %s\n", url);
	fflush(stdout);
	pthread_t warm;
	bool warming = pthread_create(&warm, NULL, prewarm, NULL) == 0;
	const char *browser = getenv("BROWSER");
	if (browser && *browser) {
		char *bargs[] = {(char *)browser, url, NULL};
		pid_t pid;
		posix_spawnattr_t attr; /* the browser gets the mask we started with */
		posix_spawnattr_init(&attr);
		posix_spawnattr_setsigmask(&attr, &oldmask);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
		if (posix_spawnp(&pid, browser, NULL, &attr, bargs, environ) != 0)
			cprof__error("cannot start $BROWSER (%s)", browser);
		posix_spawnattr_destroy(&attr);
	}
	int sig;
	while (sigwait(&stopsigs, &sig) != 0)
		;
	atomic_store(&prewarm_stop, true);
	if (warming)
		pthread_join(warm, NULL);
	cprof__mhd.stop_daemon(d);
	while (pages[0].key)
		cache_drop(0);
	for (size_t k = 0; k < web.ntypes; k++)
		free(web.types[k]);
	free(web.types);
	for (size_t k = 0; k < web.nbases; k++)
		free(web.bases[k]);
	free(web.bases);
	free(web.dir);
	for (size_t k = 0; k < nsrcs; k++) {
		free(srcs[k].src);
		cprof__profile_free(&srcs[k].p);
	}
	free(srcs);
	return 0;
}

/* cprof web's own option, as usage.c shows it (the parser above takes
 * -http; the report options are cmd_report.c's). */
bool cprof__cli_web_opt(size_t i, cprof__opt *o)
{
	static const cprof__opt wopts[] = {
		{"-http", "HOST:PORT", "address to serve on (default 127.0.0.1, a free port)"},
	};
	if (i >= CPROF_ARRAY_LEN(wopts))
		return false;
	*o = wopts[i];
	return true;
}
