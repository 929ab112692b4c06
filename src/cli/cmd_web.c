/*
 * cmd_web.c — `cprof web [-http HOST:PORT] [report options] PROFILE...`: a
 * local web UI over libmicrohttpd.  Views: flame graph (default, the --html
 * page), top, peek (callers/callees of the nodes matching p, or of every
 * node), call graph (Graphviz SVG) and source listing (functions matching
 * p).  Every view has the same bar: the sample-type menu and the
 * focus/ignore/hide/show/p controls, which are query parameters (si, f, i,
 * h, s, p), so Back/Forward and shared links work; each request re-reads
 * the sources and builds its report as `cprof top` would.
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
#include "base/escape.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

/* libmicrohttpd, loaded when the command starts (lazylib.h). */
static struct {
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
					   MHD_AccessHandlerCallback, void *, ...);
	void (*stop_daemon)(struct MHD_Daemon *);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *, enum MHD_DaemonInfoType,
						       ...);
	const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *,
							       enum MHD_ConnectionInfoType, ...);
	const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind,
					       const char *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
							    enum MHD_ResponseMemoryMode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int,
					  struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
} mhd;

static int load_mhd(void)
{
	static const char *const names[] = {"libmicrohttpd.so.12", "libmicrohttpd.so", NULL};
	const cprof__lazy_fn fns[] = {
		{"MHD_start_daemon", &mhd.start_daemon},
		{"MHD_stop_daemon", &mhd.stop_daemon},
		{"MHD_get_daemon_info", &mhd.get_daemon_info},
		{"MHD_get_connection_info", &mhd.get_connection_info},
		{"MHD_lookup_connection_value", &mhd.lookup_connection_value},
		{"MHD_create_response_from_buffer", &mhd.create_response_from_buffer},
		{"MHD_add_response_header", &mhd.add_response_header},
		{"MHD_queue_response", &mhd.queue_response},
		{"MHD_destroy_response", &mhd.destroy_response},
	};
	char err[256];
	if (cprof__lazy_load(names, "libmicrohttpd (Debian package libmicrohttpd12)", fns,
			     CPROF_ARRAY_LEN(fns), err, sizeof(err)) < 0)
		return cprof__error("web: %s", err);
	return 0;
}

static struct {
	char **argv; /* report options and sources given on the command line */
	int argc;
	bool any_client;
	bool has_base; /* -diff_base on the command line: b=none drops it */
	char **types;  /* the profile's sample types (the si menu) */
	size_t ntypes;
	char *deftype; /* the one shown without si */
} web;

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

/* The view's navigation bar and refinement form, the same on every view:
 * links to the views (keeping the query), a sample-type menu and the
 * filters.  GET: the state is the URL, so Back/Forward and links work. */
static void nav(FILE *f, struct MHD_Connection *c, const char *view)
{
	static const char *const views[][2] = {{"/", "Flame graph"},
					       {"/top", "Top"},
					       {"/peek", "Peek"},
					       {"/graph", "Graph"},
					       {"/source", "Source"}};
	fputs("<nav id=\"cprofnav\" style=\"font:13px system-ui,sans-serif;padding:4px 10px;"
	      "border-bottom:1px solid #ccc\">",
	      f);
	for (size_t k = 0; k < CPROF_ARRAY_LEN(views); k++) {
		fprintf(f, "<a href=\"%s?", views[k][0]);
		for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
			const char *v =
				mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, params[j][0]);
			if (v && *v) {
				fprintf(f, "%s=", params[j][0]);
				qesc(f, v);
				fputs("&amp;", f);
			}
		}
		fprintf(f, "\"%s>%s</a> ",
			!strcmp(view, views[k][0]) ? " style=\"font-weight:bold\"" : "",
			views[k][1]);
	}
	/* autocomplete=off: else Back shows the controls as they were left (the
	 * browser restores form state), not as the URL says. */
	fprintf(f,
		"<form method=\"get\" action=\"%s\" autocomplete=\"off\" style=\"display:inline\">",
		view);
	/* The sample type: a menu that applies itself (the button too). */
	const char *si = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "si");
	if (!si || !*si)
		si = web.deftype;
	bool found = false;
	fputs(" <label>sample <select name=\"si\" onchange=\"this.form.submit()\">", f);
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
	fputs("</select></label>", f);
	if (web.has_base) { /* the differential view, or NEW alone */
		const char *b = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "b");
		bool none = b && !strcmp(b, "none");
		fprintf(f,
			" <select name=\"b\" onchange=\"this.form.submit()\"><option value=\"\"%s>"
			"diff vs -diff_base</option><option value=\"none\"%s>no base</option></select>",
			none ? "" : " selected", none ? " selected" : "");
	}
	for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
		if (!strcmp(params[j][0], "si") || !strcmp(params[j][0], "b"))
			continue;
		const char *v = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, params[j][0]);
		fprintf(f, " %s <input name=\"%s\" size=\"10\" value=\"", params[j][1],
			params[j][0]);
		hesc(f, v);
		fputs("\">", f);
	}
	fputs(" <button>Apply</button></form></nav>\n", f);
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
	fputs("<div style=\"padding:10px;overflow:auto\">", f);
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
	fputs("</div>", f);
	if (total == 0) {
		snprintf(err, errlen, "dot -Tsvg wrote no SVG");
		return -1;
	}
	return 0;
}

/* The query of the current request without p, for links that set p
 * ("k=v&amp;" each). */
static void keep_query(FILE *f, struct MHD_Connection *c)
{
	for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
		const char *v = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, params[j][0]);
		if (v && *v && strcmp(params[j][0], "p")) {
			fprintf(f, "%s=", params[j][0]);
			qesc(f, v);
			fputs("&amp;", f);
		}
	}
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
		fputs("<pre style=\"padding:10px\">", f);
		hesc(f, text);
		fputs("</pre>", f);
		return;
	}
	*rows = 0;
	rows = strchr(rows + 1, '\n') + 1;
	fputs("<pre style=\"padding:10px 10px 0;margin:0\">", f);
	hesc(f, text);
	fputs("</pre>\n<style>#top{border-collapse:collapse;margin:6px 10px;font:13px monospace}"
	      "#top th{cursor:pointer;padding:2px 8px;text-align:right}"
	      "#top td{padding:1px 8px;text-align:right;white-space:pre}"
	      "#top th:last-child,#top td:last-child{text-align:left}</style>\n"
	      "<table id=\"top\" title=\"click a header to sort\"><thead><tr>",
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
		/* The name links to its callers and callees (peek). */
		fputs("<td><a href=\"/peek?", f);
		keep_query(f, c);
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
		fputs("<pre style=\"padding:0 10px\">", f);
		hesc(f, rest);
		fputs("</pre>", f);
	}
	free(rest);
	fputs("<script>document.querySelector('#top thead').addEventListener('click', function (e) {\n"
	      "  var k = +e.target.getAttribute('data-k'), tb = document.querySelector('#top tbody');\n"
	      "  var rs = Array.prototype.slice.call(tb.rows);\n"
	      "  rs.sort(function (a, b) {\n"
	      "    if (k === 5) return a.cells[5].textContent < b.cells[5].textContent ? -1 : 1;\n"
	      "    return b.cells[k].getAttribute('data-v') - a.cells[k].getAttribute('data-v');\n"
	      "  });\n"
	      "  rs.forEach(function (r) { tb.appendChild(r); });\n"
	      "});</script>\n",
	      f);
}

static int respond(struct MHD_Connection *c, unsigned status, const char *type, char *body,
		   size_t len)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	mhd.add_response_header(r, "Content-Type", type);
	mhd.add_response_header(r, "Cache-Control", "no-store");
	int ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

static int respond_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *b = strdup(msg);
	return b ? respond(c, status, "text/plain; charset=utf-8", b, strlen(b)) : MHD_NO;
}

static bool local_client(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

/* The Host header names this machine's loopback: localhost, 127.x.x.x or
 * [::1], with or without a port.  A browser sends the name it resolved, so a
 * page on evil.example whose name was re-pointed at 127.0.0.1 (DNS
 * rebinding) sends "Host: evil.example" and is refused.  No Host header
 * (HTTP/1.0 clients such as scripts) is let through: browsers always send
 * one. */
static bool local_host_header(struct MHD_Connection *c)
{
	const char *h = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!h)
		return true;
	const char *end = h[0] == '[' ? strchr(h, ']') : NULL; /* [IPv6]:port */
	if (h[0] == '[' && !end)
		return false;
	end = end ? end + 1 : h + strcspn(h, ":");
	if (*end == ':') {
		if (!end[1] || strspn(end + 1, "0123456789") != strlen(end + 1))
			return false;
	} else if (*end) {
		return false;
	}
	char name[64];
	size_t n = (size_t)(end - h);
	if (n >= sizeof(name))
		return false;
	memcpy(name, h, n);
	name[n] = 0;
	if (!strcasecmp(name, "localhost") || !strcmp(name, "[::1]"))
		return true;
	struct in_addr a;
	return inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version, (void)upload, (void)upload_size, (void)con_cls;
	if (!web.any_client && !local_client(c))
		return respond_text(
			c, 403,
			"cprof web: forbidden: only clients on this machine (loopback) are "
			"served; start cprof web with -http HOST:PORT to serve other hosts\n");
	if (!web.any_client && !local_host_header(c))
		return respond_text(
			c, 403,
			"cprof web: forbidden: the Host header is not localhost or a "
			"loopback address (a DNS-rebinding page?); open the URL cprof web "
			"printed, or start it with -http HOST:PORT\n");
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return respond_text(c, 405, "method not allowed\n");
	const char *view = url;
	if (!strcmp(url, "/flamegraph"))
		view = "/";
	bool flame = !strcmp(view, "/"), top = !strcmp(view, "/top"), peek = !strcmp(view, "/peek");
	bool graph = !strcmp(view, "/graph"), source = !strcmp(view, "/source");
	if (!flame && !top && !peek && !graph && !source)
		return respond_text(c, 404, "not found\n");
	/* argv: the command line's, then this request's filters (later wins). */
	char **argv = calloc((size_t)web.argc + 16, sizeof(char *));
	char *owned[16];
	size_t nowned = 0;
	int argc = 0;
	if (!argv)
		return MHD_NO;
	argv[argc++] = "web";
	for (size_t j = 0; j < CPROF_ARRAY_LEN(params); j++) {
		const char *v = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, params[j][0]);
		const char *flag = params[j][1];
		if (!strcmp(flag, "regexp"))
			flag = peek ? "peek" : source ? "list" : NULL;
		else if (!strcmp(flag, "base"))
			flag = NULL;
		if (flag && v && *v && asprintf(&owned[nowned], "-%s=%s", flag, v) >= 0)
			argv[argc++] = owned[nowned++];
	}
	if (source && !mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "p")) {
		free(argv);
		for (size_t k = 0; k < nowned; k++)
			free(owned[k]);
		char *b = NULL;
		size_t bl = 0;
		FILE *bf = open_memstream(&b, &bl);
		if (!bf)
			return MHD_NO;
		fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>cprof Source</title>"
		      "</head><body style=\"margin:0\">",
		      bf);
		nav(bf, c, view);
		fputs("<p style=\"padding:10px\">Enter a regexp: the source of the matching functions "
		      "is listed.</p></body></html>\n",
		      bf);
		fclose(bf);
		return respond(c, 200, "text/html; charset=utf-8", b, bl);
	}
	const char *b = mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "b");
	bool nobase = b && !strcmp(b, "none");
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
	int rc = -1;
	cprof__profile p;
	cprof__profile_init(&p);
	int status = 0;
	const char *output = NULL;
	/* Errors of the report (bad regexp...) go to stderr and to the page. */
	cprof__report *r = f ? cprof__cli_report_open(argc, argv,
						      top      ? CPROF_FMT_TEXT
						      : graph  ? CPROF_FMT_DOT
						      : source ? CPROF_FMT_LIST
							       : CPROF_FMT_TREE,
						      cprof__flame_fetch, &p, &output, &status)
			     : NULL;
	(void)output;
	if (r && flame) {
		cprof__flame_opts o;
		cprof__flame_opts_init(&o);
		char *fb = NULL;
		size_t fl = 0;
		FILE *ff = open_memstream(&fb, &fl);
		rc = ff ? cprof__report_flame_html(r, &o, ff, NULL, err, sizeof(err)) : -1;
		if (ff)
			fclose(ff);
		/* The navigation bar goes in right after <body>. */
		char *at = fb && rc == 0 ? strstr(fb, "<body>") : NULL;
		if (at) {
			at += 6;
			fwrite(fb, 1, (size_t)(at - fb), f);
			nav(f, c, "/");
			fputs(at, f);
		}
		free(fb);
	} else if (r) {
		const char *title = top ? "Top" : peek ? "Peek" : graph ? "Graph" : "Source";
		fprintf(f,
			"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>cprof %s</title>"
			"</head><body style=\"margin:0\">",
			title);
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
			else
				rc = cprof__report_tree(r, tf, err, sizeof(err));
			fclose(tf);
		}
		if (rc == 0 && graph) {
			rc = render_dot(tb, tl, f, err, sizeof(err));
		} else if (rc == 0 && top) {
			top_table(f, c, tb);
		} else if (rc == 0) {
			fputs("<pre style=\"padding:10px\">", f);
			hesc(f, tb);
			fputs("</pre>", f);
		}
		free(tb);
		fputs("</body></html>\n", f);
	}
	cprof__report_free(r);
	cprof__profile_free(&p);
	for (size_t k = 0; k < nowned; k++)
		free(owned[k]);
	free(argv);
	if (f)
		fclose(f);
	if (!r || rc != 0) {
		free(body);
		char msg[700];
		snprintf(msg, sizeof(msg), "cprof web: %s\n",
			 *err ? err : "could not build the report (see the server's stderr)");
		return respond_text(c, 400, msg);
	}
	return respond(c, 200, "text/html; charset=utf-8", body, len);
}

int cprof__cmd_web(int argc, char **argv)
{
	if (load_mhd() < 0)
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
	/* Check the options and sources once before serving. */
	cprof__profile p;
	cprof__profile_init(&p);
	const char *output = NULL;
	int status = 1;
	cprof__report *r = cprof__cli_report_open(n, rest, CPROF_FMT_TEXT, cprof__flame_fetch, &p,
						  &output, &status);
	if (!r) {
		cprof__profile_free(&p);
		free(rest);
		return status;
	}
	/* The sample types for the menu (every request re-reads the same
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
		free(rest);
		return cprof__error("out of memory"), 1;
	}
	web.argv = rest;
	web.argc = n;
	for (int k = 1; k < n; k++)
		web.has_base |= diff_base_arg(rest[k]) != 0;
	/* HOST:PORT, either part optional; default 127.0.0.1, a free port. */
	char host[256] = "127.0.0.1";
	long port = 0;
	if (http) {
		const char *colon = strrchr(http, ':');
		size_t hl = colon ? (size_t)(colon - http) : strlen(http);
		if (hl >= sizeof(host)) {
			free(rest);
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
				free(rest);
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
		free(rest);
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
	struct MHD_Daemon *d = mhd.start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | (v6 ? MHD_USE_IPv6 : 0), (uint16_t)port, NULL,
		NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_END);
	if (!d) {
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
		free(rest);
		return cprof__error("cannot listen on %s:%ld: %s", host, port, strerror(errno)), 1;
	}
	const union MHD_DaemonInfo *di = mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = di ? di->port : (unsigned)port;
	char url[300];
	snprintf(url, sizeof(url), "http://%s:%u/", !strcmp(host, "0.0.0.0") ? "localhost" : host,
		 bound);
	printf("Serving web UI on %s\n", url);
	fflush(stdout);
	const char *browser = getenv("BROWSER");
	if (browser && *browser) {
		char *args[] = {(char *)browser, url, NULL};
		pid_t pid;
		posix_spawnattr_t attr; /* the browser gets the mask we started with */
		posix_spawnattr_init(&attr);
		posix_spawnattr_setsigmask(&attr, &oldmask);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
		if (posix_spawnp(&pid, browser, NULL, &attr, args, environ) != 0)
			cprof__error("cannot start $BROWSER (%s)", browser);
		posix_spawnattr_destroy(&attr);
	}
	int sig;
	while (sigwait(&stopsigs, &sig) != 0)
		;
	mhd.stop_daemon(d);
	for (size_t k = 0; k < web.ntypes; k++)
		free(web.types[k]);
	free(web.types);
	free(rest);
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
