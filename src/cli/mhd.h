/*
 * mhd.h — libmicrohttpd for cprof's local servers (cmd_web.c's views,
 * cmd_live.c's dashboard): the library, loaded when a server starts
 * (lazylib.h), and what both serve with — responses, and the loopback
 * rules (a client on this machine, a Host header naming it).
 */
#ifndef CPROF_CLI_MHD_H
#define CPROF_CLI_MHD_H

#include "compat.h"

#include <microhttpd.h>

typedef struct cprof__mhd_api {
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
} cprof__mhd_api;

/* The library's functions, valid after cprof__mhd_load() returned 0. */
extern cprof__mhd_api cprof__mhd;

/* Load libmicrohttpd: 0, or -1 with "cprof: CMD: why" printed (cprof__error). */
int cprof__mhd_load(const char *cmd);

/* Queue body (malloc'd, taken over: freed whatever happens) as the response
 * with this status and Content-Type, not to be cached or sniffed. */
enum MHD_Result cprof__mhd_respond(struct MHD_Connection *c, unsigned status, const char *type,
				   char *body, size_t len);
/* The same for a plain-text message. */
enum MHD_Result cprof__mhd_respond_text(struct MHD_Connection *c, unsigned status, const char *msg);
/* Is the client on this machine (127.0.0.0/8, ::1)? */
bool cprof__mhd_local_client(struct MHD_Connection *c);
/* Does the request's Host header name this machine's loopback (localhost,
 * 127.x.x.x or [::1], with or without a port)?  A browser sends the name it
 * resolved, so a page on evil.example whose name was re-pointed at
 * 127.0.0.1 (DNS rebinding) sends "Host: evil.example" and is refused.  No
 * Host header (HTTP/1.0 clients such as scripts) is let through: browsers
 * always send one. */
bool cprof__mhd_local_host(struct MHD_Connection *c);
/* The gate of every request to cprof's servers: unless any_client, a
 * client off this machine or a foreign Host header is refused (403, why
 * and what to do); a method other than GET and HEAD too (405).  True when
 * refused, the response queued and its result in *ret. */
bool cprof__mhd_refused(struct MHD_Connection *c, bool any_client, const char *method,
			enum MHD_Result *ret);

#endif
