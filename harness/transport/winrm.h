/* A WinRM session with one node: WS-Management over HTTP (5985, every
 * message sealed by Kerberos or NTLM as MS-WSMV requires) or HTTPS (5986,
 * Negotiate with channel binding, or Basic), with libcurl. One session per
 * node and thread; one authenticated, kept-alive connection, authenticated
 * again when the server asks (401). Every call has a deadline; errors name
 * the node and say what failed. */
#ifndef XPV_WINRM_H
#define XPV_WINRM_H

#include "results.h"
#include "scenario.h"
#include "wsman.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One HTTP exchange, for the evidence transcript. Authorization headers and
 * every registered secret are already redacted. */
struct xpv_winrm_exchange {
	const char *node;
	const char *url;
	int64_t start_us, end_us;
	const char *request_headers;
	const char *request_body;
	long status;                 /* 0 when no answer came */
	const char *response_headers;
	const char *response_body;
	const char *error;           /* what went wrong, or NULL */
	const char *security;        /* "sealed with Kerberos" ... or NULL */
};

typedef void (*xpv_winrm_transcript_fn)(void *arg, const struct xpv_winrm_exchange *ex);

struct xpv_winrm_opts {
	const char *node;            /* name for messages */
	const char *host;
	long port;                   /* 5985 (http) or 5986 (https) when 0 */
	enum xpv_winrm_transport transport;
	enum xpv_winrm_auth auth;
	const char *username;
	const char *password;
	const char *realm;           /* Kerberos: see struct xpv_gss_creds */
	const char *keytab;
	const char *ccache;
	const char *spn_service;     /* service class of the node's SPN; "HTTP" when NULL */
	const char *spn_host;        /* host part of the SPN; NULL: host */
	const char *ca_file;         /* NULL: the system store */
	bool insecure;               /* no certificate verification */
	long connect_timeout_ms;     /* 10000 when 0 */
	long request_timeout_ms;     /* per HTTP request; 60000 when 0 */
	long operation_timeout_s;    /* w:OperationTimeout; 20 when 0 */
	const struct xpv_resolve *resolve; /* host -> address pins */
	size_t n_resolve;
	size_t max_response;         /* bytes; 16 MiB when 0 */
	xpv_winrm_transcript_fn transcript;
	void *transcript_arg;
	/* Timing, on the thread using the session: on_connect when a
	 * connection has been made for an exchange, before its request goes
	 * out, with what making it took (TCP, and TLS over HTTPS);
	 * on_exchange when an exchange has ended (answered or not), with what
	 * it took less making a connection. Either may be NULL. */
	void (*on_connect)(void *arg, int64_t connect_us);
	void (*on_exchange)(void *arg, int64_t exchange_us);
	void *timing_arg;
};

struct xpv_winrm;

/* Sets up libcurl and libxml2 once for the process; call before threads
 * start (libxml2's lazy initialisation is not thread-safe). */
void xpv_winrm_global_init(void);

/* Opens a session (no traffic yet). */
int xpv_winrm_open(struct xpv_winrm **out, const struct xpv_winrm_opts *opts);

void xpv_winrm_close(struct xpv_winrm *s);


/* Runs WQL `query` in namespace `ns` ("root/cimv2", "root/mscluster"):
 * Enumerate, then Pull until EndOfSequence. `*rows` is a new JSON array of
 * objects. */
int xpv_winrm_wql(json_t **rows, struct xpv_winrm *s, const char *ns, const char *query);

/* Runs `command` with `args` in a remote cmd shell and waits for it. The
 * shell is deleted on every path. */
int xpv_winrm_exec(struct xpv_shell_output *out, struct xpv_winrm *s, const char *command,
		   const char *const *args, size_t n_args);

/* Invokes WMI `method` of the instance of `class_uri` named by `selectors`
 * with input `params`; `*out` is a new JSON object of the output
 * parameters (ReturnValue included). */
int xpv_winrm_invoke(json_t **out, struct xpv_winrm *s, const char *class_uri, const char *method,
		     const struct xpv_kv *selectors, size_t n_selectors, const struct xpv_kv *params,
		     size_t n_params);

/* The last SOAP fault the server sent in this session (code 0 if none). */
const struct xpv_wsman_fault *xpv_winrm_last_fault(const struct xpv_winrm *s);

/* Fills session options from a scenario's winrm section for `node`. */
void xpv_winrm_opts_from_scenario(struct xpv_winrm_opts *o, const struct xpv_scenario *sc,
				  const struct xpv_node *node);

#endif
