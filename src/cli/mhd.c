/*
 * mhd.c — libmicrohttpd for cprof's local servers: see mhd.h.
 */
#include "compat.h"
#include "cli/mhd.h"
#include "cli/cli.h"
#include "cli/lazylib.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

cprof__mhd_api cprof__mhd;

int cprof__mhd_load(const char *cmd)
{
	static const char *const names[] = {"libmicrohttpd.so.12", "libmicrohttpd.so", NULL};
	const cprof__lazy_fn fns[] = {
		{"MHD_start_daemon", &cprof__mhd.start_daemon},
		{"MHD_stop_daemon", &cprof__mhd.stop_daemon},
		{"MHD_get_daemon_info", &cprof__mhd.get_daemon_info},
		{"MHD_get_connection_info", &cprof__mhd.get_connection_info},
		{"MHD_lookup_connection_value", &cprof__mhd.lookup_connection_value},
		{"MHD_create_response_from_buffer", &cprof__mhd.create_response_from_buffer},
		{"MHD_add_response_header", &cprof__mhd.add_response_header},
		{"MHD_queue_response", &cprof__mhd.queue_response},
		{"MHD_destroy_response", &cprof__mhd.destroy_response},
	};
	char err[256];
	if (cprof__lazy_load(names, "libmicrohttpd (Debian package libmicrohttpd12)", fns,
			     CPROF_ARRAY_LEN(fns), err, sizeof(err)) < 0)
		return cprof__error("%s: %s", cmd, err);
	return 0;
}

enum MHD_Result cprof__mhd_respond(struct MHD_Connection *c, unsigned status, const char *type,
				   char *body, size_t len)
{
	struct MHD_Response *r =
		cprof__mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	cprof__mhd.add_response_header(r, "Content-Type", type);
	cprof__mhd.add_response_header(r, "Cache-Control", "no-store");
	cprof__mhd.add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = cprof__mhd.queue_response(c, status, r);
	cprof__mhd.destroy_response(r);
	return ret;
}

enum MHD_Result cprof__mhd_respond_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *b = strdup(msg);
	return b ? cprof__mhd_respond(c, status, "text/plain; charset=utf-8", b, strlen(b))
		 : MHD_NO;
}

bool cprof__mhd_local_client(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		cprof__mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

bool cprof__mhd_local_host(struct MHD_Connection *c)
{
	const char *h = cprof__mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Host");
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

bool cprof__mhd_refused(struct MHD_Connection *c, bool any_client, const char *method,
			enum MHD_Result *ret)
{
	if (!any_client && !cprof__mhd_local_client(c))
		*ret = cprof__mhd_respond_text(
			c, 403,
			"cprof web: forbidden: only clients on this machine (loopback) are "
			"served; start cprof web with -http HOST:PORT to serve other hosts\n");
	else if (!any_client && !cprof__mhd_local_host(c))
		*ret = cprof__mhd_respond_text(
			c, 403,
			"cprof web: forbidden: the Host header is not localhost or a "
			"loopback address (a DNS-rebinding page?); open the URL cprof web "
			"printed, or start it with -http HOST:PORT\n");
	else if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		*ret = cprof__mhd_respond_text(c, 405, "method not allowed\n");
	else
		return false;
	return true;
}
