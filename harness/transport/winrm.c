#include "winrm.h"

#include "error.h"
#include "secrets.h"
#include "util.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ELEMENTS 32000
#define MAX_PULLS 100000       /* a server that never ends an enumeration */
#define MAX_RECEIVES 100000    /* a command that never reports Done */

struct xpv_winrm {
	struct xpv_winrm_opts o;
	char *name;        /* "node (host:port)" for messages */
	char *url;
	CURL *curl;
	struct curl_slist *headers, *resolve;
	char errbuf[CURL_ERROR_SIZE];
	/* current exchange */
	char *resp;
	size_t resp_len, resp_cap;
	bool resp_too_big;
	char *req_headers;
	struct xpv_wsman_fault fault;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	/* both must be set up before any thread uses them */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
}

void xpv_winrm_global_init(void)
{
	pthread_once(&once, global_init);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xpv_winrm *s = arg;
	size_t len = size * n;

	if (s->resp_len + len > s->o.max_response) {
		s->resp_too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (s->resp_len + len + 1 > s->resp_cap) {
		s->resp_cap = (s->resp_len + len + 1) * 2;
		s->resp = xpv_realloc(s->resp, s->resp_cap);
	}
	memcpy(s->resp + s->resp_len, data, len);
	s->resp_len += len;
	s->resp[s->resp_len] = '\0';
	return len;
}

/* Keeps the request headers curl sent, Authorization redacted. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct xpv_winrm *s = arg;
	char *copy, *line, *save = NULL, *out = xpv_strdup(s->req_headers ? s->req_headers : "");

	(void)c;
	if (type != CURLINFO_HEADER_OUT || s->o.transcript == NULL) {
		free(out);
		return 0;
	}
	copy = strndup(data, size);
	for (line = strtok_r(copy, "\r\n", &save); line != NULL; line = strtok_r(NULL, "\r\n", &save)) {
		char *next;

		if (strncasecmp(line, "Authorization:", 14) == 0 || strncasecmp(line, "Proxy-Authorization:", 20) == 0)
			next = xpv_asprintf("%s%.*s [REDACTED]\n", out, (int)(strchr(line, ':') - line + 1), line);
		else
			next = xpv_asprintf("%s%s\n", out, line);
		free(out);
		out = next;
	}
	free(copy);
	free(s->req_headers);
	s->req_headers = out;
	return 0;
}

void xpv_winrm_opts_from_scenario(struct xpv_winrm_opts *o, const struct xpv_scenario *sc,
				  const struct xpv_node *node)
{
	memset(o, 0, sizeof(*o));
	o->node = node->name;
	o->host = node->host;
	o->port = sc->winrm.port;
	o->auth = sc->winrm.auth;
	o->username = sc->winrm.username;
	o->password = sc->winrm.password.value;
	o->ca_file = sc->winrm.ca_file;
	o->insecure = sc->winrm.insecure;
	o->connect_timeout_ms = (long)(sc->winrm.connect_timeout_s * 1000);
	o->request_timeout_ms = (long)(sc->winrm.request_timeout_s * 1000);
	o->operation_timeout_s = (long)sc->winrm.operation_timeout_s;
	o->resolve = sc->resolve;
	o->n_resolve = sc->n_resolve;
}

int xpv_winrm_open(struct xpv_winrm **out, const struct xpv_winrm_opts *opts)
{
	struct xpv_winrm *s = xpv_calloc(1, sizeof(*s));
	bool v6 = strchr(opts->host, ':') != NULL;

	xpv_winrm_global_init();
	s->o = *opts;
	if (s->o.port == 0)
		s->o.port = 5986;
	if (s->o.connect_timeout_ms <= 0)
		s->o.connect_timeout_ms = 10000;
	if (s->o.request_timeout_ms <= 0)
		s->o.request_timeout_ms = 60000;
	if (s->o.operation_timeout_s <= 0)
		s->o.operation_timeout_s = 20;
	if (s->o.max_response == 0)
		s->o.max_response = 16u << 20;
	s->url = xpv_asprintf("https://%s%s%s:%ld/wsman", v6 ? "[" : "", opts->host, v6 ? "]" : "", s->o.port);
	s->name = xpv_asprintf("%s (%s:%ld)", opts->node ? opts->node : opts->host, opts->host, s->o.port);
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		xpv_winrm_close(s);
		return xpv_error_set(XPV_ENOMEM, "cannot start a WinRM session with %s", opts->host);
	}
	for (size_t i = 0; i < opts->n_resolve; i++) {
		char *entry = xpv_asprintf("%s:%ld:%s", opts->resolve[i].host, s->o.port, opts->resolve[i].address);

		s->resolve = curl_slist_append(s->resolve, entry);
		free(entry);
	}
	s->headers = curl_slist_append(NULL, "Content-Type: application/soap+xml;charset=UTF-8");
	s->headers = curl_slist_append(s->headers, "Expect:");
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_RESOLVE, s->resolve);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, opts->transcript != NULL ? 1L : 0L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, s->o.connect_timeout_ms);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, s->o.request_timeout_ms);
	curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, opts->insecure ? 0L : 1L);
	curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, opts->insecure ? 0L : 2L);
	if (opts->ca_file != NULL)
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, opts->ca_file);
	if (opts->username != NULL) {
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, opts->username);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, opts->password ? opts->password : "");
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPAUTH,
			 opts->auth == XPV_AUTH_BASIC ? (long)CURLAUTH_BASIC : (long)CURLAUTH_NEGOTIATE);
	*out = s;
	return 0;
}

void xpv_winrm_close(struct xpv_winrm *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	curl_slist_free_all(s->resolve);
	free(s->url);
	free(s->name);
	free(s->resp);
	free(s->req_headers);
	xpv_wsman_fault_clear(&s->fault);
	free(s);
}

const struct xpv_wsman_fault *xpv_winrm_last_fault(const struct xpv_winrm *s)
{
	return &s->fault;
}

/* The auth schemes the server offered with a 401 ("Negotiate, Basic"). */
static char *offered_schemes(CURL *c)
{
	char *list = xpv_strdup("");
	struct curl_header *h;

	for (size_t i = 0; curl_easy_header(c, "WWW-Authenticate", i, CURLH_HEADER, -1, &h) == CURLHE_OK; i++) {
		char *next = xpv_asprintf("%s%s%.*s", list, i ? ", " : "", (int)strcspn(h->value, " "), h->value);

		free(list);
		list = next;
		if (i + 1 >= h->amount)
			break;
	}
	if (list[0] == '\0') {
		free(list);
		list = xpv_strdup("none");
	}
	return list;
}

static char *response_headers(CURL *c)
{
	char *out = xpv_strdup("");
	struct curl_header *h, *prev = NULL;

	while ((h = curl_easy_nextheader(c, CURLH_HEADER, -1, prev)) != NULL) {
		char *next = xpv_asprintf("%s%s: %s\n", out, h->name, h->value);

		free(out);
		out = next;
		prev = h;
	}
	return out;
}

static void record(struct xpv_winrm *s, const char *body, int64_t start_us, long status, const char *error)
{
	struct xpv_winrm_exchange ex = { 0 };
	char *req_h, *req_b, *resp_h, *resp_b, *raw_h;

	if (s->o.transcript == NULL)
		return;
	raw_h = status != 0 ? response_headers(s->curl) : xpv_strdup("");
	req_h = xpv_redact(s->req_headers ? s->req_headers : "");
	req_b = xpv_redact(body);
	resp_h = xpv_redact(raw_h);
	resp_b = xpv_redact(s->resp ? s->resp : "");
	ex.node = s->o.node;
	ex.url = s->url;
	ex.start_us = start_us;
	ex.end_us = xpv_now_us();
	ex.request_headers = req_h;
	ex.request_body = req_b;
	ex.status = status;
	ex.response_headers = resp_h;
	ex.response_body = resp_b;
	ex.error = error;
	s->o.transcript(s->o.transcript_arg, &ex);
	free(raw_h);
	free(req_h);
	free(req_b);
	free(resp_h);
	free(resp_b);
}

/* Maps a libcurl failure to our code and message. */
static int curl_failure(struct xpv_winrm *s, CURLcode cc)
{
	const char *detail = s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return xpv_error_set(XPV_EDNS, "%s: host name not resolved: %s", s->name, detail);
	case CURLE_COULDNT_CONNECT:
		return xpv_error_set(XPV_ECONNECT, "%s: connection failed: %s", s->name, detail);
	case CURLE_OPERATION_TIMEDOUT:
		return xpv_error_set(XPV_ETIMEOUT, "%s: no answer in time: %s", s->name, detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return xpv_error_set(XPV_ETLS, "%s: TLS failed: %s", s->name, detail);
	case CURLE_WRITE_ERROR:
		if (s->resp_too_big)
			return xpv_error_set(XPV_ETOOBIG, "%s: answer larger than %zu bytes refused", s->name,
					     s->o.max_response);
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return xpv_error_set(XPV_ECONNECT, "%s: connection broken: %s", s->name, detail);
	default:
		break;
	}
	return xpv_error_set(XPV_EIO, "%s: request failed: %s", s->name, detail);
}

static void fault_copy(struct xpv_wsman_fault *dst, const struct xpv_wsman_fault *src)
{
	xpv_wsman_fault_clear(dst);
	dst->code = src->code;
	dst->subcode = xpv_strdup(src->subcode);
	dst->reason = xpv_strdup(src->reason);
	dst->message = xpv_strdup(src->message);
	dst->machine = xpv_strdup(src->machine);
}

/* Posts `body` and parses the answer into `reply`. SOAP faults come back as
 * XPV_EFAULT with the reply kept (the caller decides). */
static int post(struct xpv_wsman_reply *reply, struct xpv_winrm *s, const char *body, size_t len,
		const char *message_id)
{
	int64_t start = xpv_now_us();
	CURLcode cc;
	long status = 0;
	int rc;

	memset(reply, 0, sizeof(*reply));
	s->resp_len = 0;
	s->resp_too_big = false;
	if (s->resp != NULL)
		s->resp[0] = '\0';
	free(s->req_headers);
	s->req_headers = NULL;
	s->errbuf[0] = '\0';
	xpv_wsman_fault_clear(&s->fault);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	cc = curl_easy_perform(s->curl);
	if (cc != CURLE_OK) {
		rc = curl_failure(s, cc);
		record(s, body, start, 0, xpv_error_last());
		return rc;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 401) {
		char *schemes = offered_schemes(s->curl);

		rc = xpv_error_set(XPV_EAUTH, "%s: authentication refused (HTTP 401; the server offers: %s)", s->name,
				   schemes);
		free(schemes);
		goto out;
	}
	if (status == 413) {
		rc = xpv_error_set(XPV_ETOOBIG, "%s: request refused as too large (HTTP 413)", s->name);
		goto out;
	}
	if (status != 200 && status != 500) {
		rc = xpv_error_set(XPV_EHTTP, "%s: unexpected HTTP status %ld", s->name, status);
		goto out;
	}
	rc = xpv_wsman_parse(reply, s->resp ? s->resp : "", s->resp_len);
	if (rc < 0) {
		char *why = xpv_strdup(xpv_error_last());

		rc = status == 500 ? xpv_error_set(XPV_EHTTP, "%s: HTTP 500 without a SOAP fault (%s)", s->name, why)
				   : xpv_error_set(rc, "%s: %s", s->name, why);
		free(why);
		goto out;
	}
	if (reply->is_fault) {
		char *text = xpv_wsman_fault_text(&reply->fault);

		fault_copy(&s->fault, &reply->fault);
		rc = xpv_error_set(XPV_EFAULT, "%s: WS-Management fault %s", s->name, text);
		free(text);
		goto out;
	}
	if (status != 200) {
		rc = xpv_error_set(XPV_EHTTP, "%s: HTTP %ld without a SOAP fault", s->name, status);
		goto out;
	}
	if (reply->relates_to == NULL || strcasecmp(reply->relates_to, message_id) != 0) {
		rc = xpv_error_set(XPV_EPROTO, "%s: malformed answer: RelatesTo '%s' does not match MessageID %s",
				   s->name, reply->relates_to ? reply->relates_to : "", message_id);
		goto out;
	}
	rc = 0;
out:
	record(s, body, start, status, rc < 0 ? xpv_error_last() : NULL);
	if (rc < 0 && rc != XPV_EFAULT)
		xpv_wsman_reply_clear(reply);
	return rc;
}

typedef int (*build_fn)(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg);

/* Builds a request with a fresh MessageID and posts it. */
static int exchange(struct xpv_wsman_reply *reply, struct xpv_winrm *s, struct xpv_wsman_request *req,
		    build_fn build, const void *arg)
{
	char *mid = xpv_wsman_message_id(), *body = NULL;
	size_t len = 0;
	int rc;

	req->to = s->url;
	req->message_id = mid;
	req->operation_timeout_s = s->o.operation_timeout_s;
	req->max_envelope_size = 512000;
	rc = build(&body, &len, req, arg);
	if (rc == 0)
		rc = post(reply, s, body, len, mid);
	free(body);
	free(mid);
	return rc;
}

/* ---- WQL ------------------------------------------------------------------ */

struct enum_arg {
	const char *text; /* WQL or context */
};

static int build_enumerate(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	return xpv_wsman_build_enumerate(out, len, req, ((const struct enum_arg *)arg)->text, MAX_ELEMENTS);
}

static int build_pull(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	return xpv_wsman_build_pull(out, len, req, ((const struct enum_arg *)arg)->text, MAX_ELEMENTS);
}

int xpv_winrm_wql(json_t **rows, struct xpv_winrm *s, const char *ns, const char *query)
{
	char *uri = xpv_asprintf("%s%s/*", XPV_URI_WMI, ns);
	struct xpv_wsman_request req = { .action = XPV_ACTION_ENUMERATE, .resource_uri = uri };
	struct xpv_wsman_reply reply;
	struct enum_arg a = { query };
	char *context = NULL;
	bool end = false;
	int rc;

	*rows = json_array();
	rc = exchange(&reply, s, &req, build_enumerate, &a);
	for (int pulls = 0; rc == 0; pulls++) {
		free(context);
		context = NULL;
		rc = xpv_wsman_parse_enumeration(*rows, &context, &end, &reply);
		xpv_wsman_reply_clear(&reply);
		if (rc < 0) {
			char *why = xpv_strdup(xpv_error_last());

			rc = xpv_error_set(rc, "%s: %s", s->name, why);
			free(why);
			break;
		}
		if (end)
			break;
		if (pulls >= MAX_PULLS) {
			rc = xpv_error_set(XPV_EPROTO, "%s: enumeration did not end after %d pulls", s->name, MAX_PULLS);
			break;
		}
		req.action = XPV_ACTION_PULL;
		a.text = context;
		rc = exchange(&reply, s, &req, build_pull, &a);
	}
	if (rc == XPV_EFAULT)
		xpv_wsman_reply_clear(&reply);
	free(context);
	free(uri);
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
	}
	return rc;
}

/* ---- remote shell ----------------------------------------------------------- */

struct cmd_arg {
	const char *command;
	const char *const *args;
	size_t n_args;
	const char *id;
};

static int build_create(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	(void)arg;
	return xpv_wsman_build_shell_create(out, len, req);
}

static int build_command(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	const struct cmd_arg *c = arg;

	return xpv_wsman_build_command(out, len, req, c->command, c->args, c->n_args);
}

static int build_receive(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	return xpv_wsman_build_receive(out, len, req, ((const struct cmd_arg *)arg)->id);
}

static int build_signal(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	return xpv_wsman_build_signal(out, len, req, ((const struct cmd_arg *)arg)->id, XPV_SIGNAL_TERMINATE);
}

static int build_delete(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	(void)arg;
	return xpv_wsman_build_empty(out, len, req);
}

/* A step that must not lose the error of an earlier one. */
static void quiet_exchange(struct xpv_winrm *s, struct xpv_wsman_request *req, build_fn build, const void *arg)
{
	struct xpv_wsman_reply reply;
	char *keep = xpv_strdup(xpv_error_last());

	exchange(&reply, s, req, build, arg);
	xpv_wsman_reply_clear(&reply);
	xpv_error_set(XPV_OK, "%s", keep);
	free(keep);
}

int xpv_winrm_exec(struct xpv_shell_output *out, struct xpv_winrm *s, const char *command,
		   const char *const *args, size_t n_args)
{
	static const struct xpv_kv create_opts[] = { { "WINRS_NOPROFILE", "FALSE" }, { "WINRS_CODEPAGE", "65001" } };
	static const struct xpv_kv cmd_opts[] = { { "WINRS_CONSOLEMODE_STDIN", "TRUE" },
						  { "WINRS_SKIP_CMD_SHELL", "FALSE" } };
	struct xpv_wsman_request req = { .action = XPV_ACTION_CREATE, .resource_uri = XPV_URI_SHELL_CMD,
					 .options = create_opts, .n_options = 2 };
	struct xpv_wsman_reply reply;
	struct cmd_arg c = { .command = command, .args = args, .n_args = n_args };
	struct xpv_kv sel = { "ShellId", NULL };
	char *shell_id = NULL, *command_id = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = exchange(&reply, s, &req, build_create, NULL);
	if (rc == 0)
		rc = xpv_wsman_parse_shell_id(&shell_id, &reply);
	xpv_wsman_reply_clear(&reply);
	if (rc < 0)
		goto out;
	sel.value = shell_id;
	req = (struct xpv_wsman_request){ .action = XPV_ACTION_COMMAND, .resource_uri = XPV_URI_SHELL_CMD,
					  .selectors = &sel, .n_selectors = 1, .options = cmd_opts, .n_options = 2 };
	rc = exchange(&reply, s, &req, build_command, &c);
	if (rc == 0)
		rc = xpv_wsman_parse_command_id(&command_id, &reply);
	xpv_wsman_reply_clear(&reply);
	if (rc < 0)
		goto delete;
	c.id = command_id;
	req = (struct xpv_wsman_request){ .action = XPV_ACTION_RECEIVE, .resource_uri = XPV_URI_SHELL_CMD,
					  .selectors = &sel, .n_selectors = 1 };
	for (int i = 0; !out->done; i++) {
		if (i >= MAX_RECEIVES) {
			rc = xpv_error_set(XPV_EPROTO, "%s: command did not finish after %d receives", s->name, i);
			break;
		}
		rc = exchange(&reply, s, &req, build_receive, &c);
		if (rc == XPV_EFAULT && reply.fault.code == XPV_WSMAN_TIMED_OUT) {
			/* no output yet: ask again */
			xpv_wsman_reply_clear(&reply);
			continue;
		}
		if (rc == 0)
			rc = xpv_wsman_parse_receive(out, &reply, command_id);
		xpv_wsman_reply_clear(&reply);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		/* stop what runs before the shell goes */
		req.action = XPV_ACTION_SIGNAL;
		quiet_exchange(s, &req, build_signal, &c);
	}
delete:
	req = (struct xpv_wsman_request){ .action = XPV_ACTION_DELETE, .resource_uri = XPV_URI_SHELL_CMD,
					  .selectors = &sel, .n_selectors = 1 };
	if (rc < 0) {
		quiet_exchange(s, &req, build_delete, NULL);
	} else {
		rc = exchange(&reply, s, &req, build_delete, NULL);
		xpv_wsman_reply_clear(&reply);
	}
out:
	/* callers may print the output of a failed command: never NULL */
	if (out->out == NULL)
		out->out = xpv_calloc(1, 1);
	if (out->err == NULL)
		out->err = xpv_calloc(1, 1);
	free(shell_id);
	free(command_id);
	return rc;
}

/* ---- WMI methods ---------------------------------------------------------------- */

struct invoke_arg {
	const char *class_uri, *method;
	const struct xpv_kv *params;
	size_t n_params;
};

static int build_invoke(char **out, size_t *len, const struct xpv_wsman_request *req, const void *arg)
{
	const struct invoke_arg *a = arg;

	return xpv_wsman_build_invoke(out, len, req, a->class_uri, a->method, a->params, a->n_params);
}

int xpv_winrm_invoke(json_t **out, struct xpv_winrm *s, const char *class_uri, const char *method,
		     const struct xpv_kv *selectors, size_t n_selectors, const struct xpv_kv *params,
		     size_t n_params)
{
	char *action = xpv_asprintf("%s/%s", class_uri, method);
	struct xpv_wsman_request req = { .action = action, .resource_uri = class_uri, .selectors = selectors,
					 .n_selectors = n_selectors };
	struct invoke_arg a = { class_uri, method, params, n_params };
	struct xpv_wsman_reply reply;
	int rc;

	*out = NULL;
	rc = exchange(&reply, s, &req, build_invoke, &a);
	if (rc == 0) {
		rc = xpv_wsman_parse_invoke(out, &reply, method);
		if (rc < 0) {
			char *why = xpv_strdup(xpv_error_last());

			rc = xpv_error_set(rc, "%s: %s", s->name, why);
			free(why);
		}
	}
	xpv_wsman_reply_clear(&reply);
	free(action);
	return rc;
}
