#include "winrm.h"

#include "auth.h"
#include "error.h"
#include "http_auth.h"
#include "log.h"
#include "secrets.h"
#include "util.h"
#include "winrm_crypt.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ELEMENTS 32000
#define MAX_PULLS 100000       /* a server that never ends an enumeration */
#define MAX_RECEIVES 100000    /* a command that never reports Done */
#define MAX_OPERATION (64u << 20) /* bytes of answers to one query or command, all rounds together */
#define MAX_AUTH_LEGS 8        /* Kerberos takes 1, NTLM 2 */

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
	/* Negotiate (Kerberos, NTLM): the context of the current connection */
	bool gss_mode;
	bool encrypt;        /* plain HTTP: every message sealed */
	struct xpv_gss *gss;
	char *spn;
	char *auth_header;   /* "Authorization: Negotiate ..." of the next request, or NULL */
	char *peer_pem;      /* https: the server's certificate of the last handshake */
	struct xpv_http_tls tls;
	const char *content_type;
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
	o->transport = sc->winrm.transport;
	o->auth = sc->winrm.auth;
	o->username = sc->winrm.username;
	o->password = sc->winrm.password.value;
	o->realm = sc->winrm.realm;
	o->keytab = sc->winrm.keytab;
	o->ccache = sc->winrm.ccache;
	o->spn_host = node->fqdn ? node->fqdn : node->host;
	o->spn_service = sc->winrm.spn_service;
	o->ca_file = sc->winrm.ca_file;
	o->insecure = sc->winrm.insecure;
	o->connect_timeout_ms = (long)(sc->winrm.connect_timeout_s * 1000);
	o->request_timeout_ms = (long)(sc->winrm.request_timeout_s * 1000);
	o->operation_timeout_s = (long)sc->winrm.operation_timeout_s;
	o->resolve = sc->resolve;
	o->n_resolve = sc->n_resolve;
}

static bool is_gss(enum xpv_winrm_auth a)
{
	return a == XPV_AUTH_NEGOTIATE || a == XPV_AUTH_KERBEROS || a == XPV_AUTH_NTLM;
}

/* What making the connection of the current exchange took (TCP, and the
 * TLS handshake over HTTPS), in us; 0 when it reused one. */
static curl_off_t connect_time(struct xpv_winrm *s)
{
	curl_off_t connect = 0;
	long connects = 0;

	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &connects);
	if (connects > 0) {
		curl_easy_getinfo(s->curl, CURLINFO_APPCONNECT_TIME_T, &connect);
		if (connect == 0) /* plain HTTP */
			curl_easy_getinfo(s->curl, CURLINFO_CONNECT_TIME_T, &connect);
	}
	return connect;
}

/* libcurl's pre-request callback: a connection is up, the request not
 * sent yet. */
static int on_prereq(void *arg, char *peer, char *local, int peer_port, int local_port)
{
	struct xpv_winrm *s = arg;
	curl_off_t connect = connect_time(s);

	(void)peer;
	(void)local;
	(void)peer_port;
	(void)local_port;
	if (connect > 0)
		s->o.on_connect(s->o.timing_arg, (int64_t)connect);
	return CURL_PREREQFUNC_OK;
}

int xpv_winrm_open(struct xpv_winrm **out, const struct xpv_winrm_opts *opts)
{
	struct xpv_winrm *s = xpv_calloc(1, sizeof(*s));
	bool v6 = strchr(opts->host, ':') != NULL, https = opts->transport == XPV_TRANSPORT_HTTPS;

	xpv_winrm_global_init();
	*out = NULL;
	s->o = *opts;
	if (s->o.port == 0)
		s->o.port = https ? 5986 : 5985;
	if (s->o.connect_timeout_ms <= 0)
		s->o.connect_timeout_ms = 10000;
	if (s->o.request_timeout_ms <= 0)
		s->o.request_timeout_ms = 60000;
	if (s->o.operation_timeout_s <= 0)
		s->o.operation_timeout_s = 20;
	if (s->o.max_response == 0)
		s->o.max_response = 16u << 20;
	s->gss_mode = is_gss(opts->auth);
	s->encrypt = !https;
	s->url = xpv_asprintf("%s://%s%s%s:%ld/wsman", https ? "https" : "http", v6 ? "[" : "", opts->host,
			      v6 ? "]" : "", s->o.port);
	s->name = xpv_asprintf("%s (%s:%ld)", opts->node ? opts->node : opts->host, opts->host, s->o.port);
	s->spn = xpv_asprintf("%s/%s", opts->spn_service ? opts->spn_service : "HTTP",
			      opts->spn_host ? opts->spn_host : opts->host);
	if (!https && !s->gss_mode) {
		/* Basic over HTTP would send the password and every message in clear */
		int rc = xpv_error_set(XPV_EINVAL, "%s: auth basic needs transport https", s->name);

		xpv_winrm_close(s);
		return rc;
	}
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
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_RESOLVE, s->resolve);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, opts->transcript != NULL ? 1L : 0L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, s->o.connect_timeout_ms);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, s->o.request_timeout_ms);
	/* Negotiate authenticates a connection: keep exactly one */
	curl_easy_setopt(s->curl, CURLOPT_MAXCONNECTS, 1L);
	if (opts->on_connect != NULL) {
		curl_easy_setopt(s->curl, CURLOPT_PREREQFUNCTION, on_prereq);
		curl_easy_setopt(s->curl, CURLOPT_PREREQDATA, s);
	}
	if (https) {
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, opts->insecure ? 0L : 1L);
		curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, opts->insecure ? 0L : 2L);
		/* the server's certificate, for channel binding */
		curl_easy_setopt(s->curl, CURLOPT_CERTINFO, 1L);
		s->tls = (struct xpv_http_tls){ .ca_file = s->o.ca_file, .peer = &s->peer_pem,
					    .verify = !opts->insecure };
		xpv_http_tls(s->curl, &s->tls);
	}
	if (!s->gss_mode && opts->username != NULL) {
		xpv_secret_register_basic(opts->username, opts->password);
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, opts->username);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, opts->password ? opts->password : "");
		curl_easy_setopt(s->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
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
	xpv_gss_free(s->gss);
	free(s->spn);
	free(s->auth_header);
	free(s->peer_pem);
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

static char *response_headers(CURL *c)
{
	char *out = xpv_strdup("");
	struct curl_header *h, *prev = NULL;

	while ((h = curl_easy_nextheader(c, CURLH_HEADER, -1, prev)) != NULL) {
		bool token = strcasecmp(h->name, "WWW-Authenticate") == 0 && strchr(h->value, ' ') != NULL &&
			     strncasecmp(h->value, "Basic ", 6) != 0;
		/* a Negotiate token is the server's half of a handshake: kept out */
		char *next = token ? xpv_asprintf("%s%s: %.*s [REDACTED]\n", out, h->name,
						  (int)strcspn(h->value, " "), h->value)
				   : xpv_asprintf("%s%s: %s\n", out, h->name, h->value);

		free(out);
		out = next;
		prev = h;
	}
	return out;
}

/* Hands one exchange to the transcript: the request as sent (sealed
 * messages shown as the SOAP inside), `answer` the decrypted answer (NULL:
 * the answer as it came). */
static void record(struct xpv_winrm *s, const char *body, int64_t start_us, long status, const char *error,
		   const char *answer)
{
	struct xpv_winrm_exchange ex = { 0 };
	char *req_h, *req_b, *resp_h, *resp_b, *raw_h, *security = NULL;

	if (s->o.transcript == NULL)
		return;
	raw_h = status != 0 ? response_headers(s->curl) : xpv_strdup("");
	req_h = xpv_redact(s->req_headers ? s->req_headers : "");
	req_b = xpv_redact(body);
	resp_h = xpv_redact(raw_h);
	resp_b = xpv_redact(answer ? answer : (s->resp ? s->resp : ""));
	if (s->gss != NULL && s->encrypt && body[0] != '\0')
		security = xpv_asprintf("sealed with %s (shown decrypted)", xpv_gss_mech_name(s->gss));
	else if (s->gss != NULL && body[0] != '\0')
		security = xpv_asprintf("%s over TLS with channel binding", xpv_gss_mech_name(s->gss));
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
	ex.security = security;
	s->o.transcript(s->o.transcript_arg, &ex);
	free(raw_h);
	free(req_h);
	free(req_b);
	free(resp_h);
	free(resp_b);
	free(security);
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

/* Tells on_exchange what the exchange just made took, making a connection
 * apart. */
static void timed(struct xpv_winrm *s)
{
	curl_off_t total = 0, connect;

	if (s->o.on_exchange == NULL)
		return;
	connect = connect_time(s);
	curl_easy_getinfo(s->curl, CURLINFO_TOTAL_TIME_T, &total);
	s->o.on_exchange(s->o.timing_arg, (int64_t)(total > connect ? total - connect : 0));
}

/* One HTTP POST of `body`, typed `ctype` (none when NULL), with the
 * handshake's Authorization header when there is one. The answer goes to
 * s->resp; libcurl failures come back as our codes. */
static int http_post(struct xpv_winrm *s, const void *body, size_t len, const char *ctype, long *status)
{
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	CURLcode cc;

	*status = 0;
	s->resp_len = 0;
	s->resp_too_big = false;
	if (s->resp != NULL)
		s->resp[0] = '\0';
	free(s->req_headers);
	s->req_headers = NULL;
	s->errbuf[0] = '\0';
	if (ctype != NULL) {
		char *line = xpv_asprintf("Content-Type: %s", ctype);

		h = curl_slist_append(h, line);
		free(line);
	} else {
		h = curl_slist_append(h, "Content-Type:"); /* not curl's form type */
	}
	if (s->auth_header != NULL)
		h = curl_slist_append(h, s->auth_header);
	curl_slist_free_all(s->headers);
	s->headers = h;
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, len ? body : "");
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	cc = curl_easy_perform(s->curl);
	timed(s);
	if (cc != CURLE_OK)
		return curl_failure(s, cc);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* The TLS channel binding of this connection's server (RFC 5929), kept for
 * the session: the listener's certificate does not change under a run. */
static int channel_binding(struct xpv_winrm *s, unsigned char **cb, size_t *cb_len)
{
	struct curl_certinfo *ci = NULL;
	long status;
	int64_t start = xpv_now_us();
	int rc;

	*cb = NULL;
	*cb_len = 0;
	/* an anonymous request: it sets the connection up (and is refused) */
	rc = http_post(s, "", 0, NULL, &status);
	record(s, "", start, status, rc < 0 ? xpv_error_last() : NULL, NULL);
	if (rc < 0)
		return rc;
	/* the certificate of this very connection, kept at its handshake */
	if (s->peer_pem != NULL) {
		rc = xpv_gss_tls_binding(cb, cb_len, s->peer_pem);
		goto out;
	}
	curl_easy_getinfo(s->curl, CURLINFO_CERTINFO, &ci);
	if (ci == NULL || ci->num_of_certs < 1)
		return xpv_error_set(XPV_ETLS, "%s: the server's certificate is not known for channel binding", s->name);
	for (struct curl_slist *l = ci->certinfo[0]; l != NULL; l = l->next) {
		if (strncmp(l->data, "Cert:", 5) == 0) {
			rc = xpv_gss_tls_binding(cb, cb_len, l->data + 5);
			goto out;
		}
	}
	return xpv_error_set(XPV_ETLS, "%s: the server's certificate is not known for channel binding", s->name);
out:
	if (rc < 0) {
		char *why = xpv_strdup(xpv_error_last());

		rc = xpv_error_set(rc, "%s: %s", s->name, why);
		free(why);
	}
	return rc;
}

/* Authenticates the connection with one mechanism: tokens go in empty
 * POSTs until the server answers 200 (and its last token, Kerberos'
 * mutual authentication, checks out). */
static int handshake(struct xpv_winrm *s, enum xpv_gss_mech mech, const unsigned char *cb, size_t cb_len)
{
	struct xpv_gss_creds creds = { s->o.username, s->o.password, s->o.realm, s->o.keytab, s->o.ccache };
	struct xpv_gss *g = NULL;
	unsigned char *in = NULL, *tok = NULL;
	size_t in_len = 0, tok_len = 0;
	bool done = false;
	int rc;

	rc = xpv_gss_client_new(&g, mech, &creds, s->spn, cb, cb_len);
	for (int leg = 0; rc == 0; leg++) {
		long status;
		int64_t start;
		char *b64;

		rc = xpv_gss_step(g, in, in_len, &tok, &tok_len, &done);
		free(in);
		in = NULL;
		if (rc < 0 || tok == NULL)
			break;
		if (leg >= MAX_AUTH_LEGS) {
			rc = xpv_error_set(XPV_EAUTH, "%s authentication did not end after %d legs", xpv_gss_mech_name(g),
					   leg);
			break;
		}
		b64 = xpv_b64_encode(tok, tok_len);
		free(tok);
		tok = NULL;
		free(s->auth_header);
		s->auth_header = xpv_asprintf("Authorization: Negotiate %s", b64);
		free(b64);
		start = xpv_now_us();
		rc = http_post(s, "", 0, NULL, &status);
		free(s->auth_header);
		s->auth_header = NULL;
		record(s, "", start, status, rc < 0 ? xpv_error_last() : NULL, NULL);
		if (rc < 0)
			break;
		rc = xpv_http_negotiate_token(s->curl, &in, &in_len);
		if (rc < 0)
			break;
		if (status == 200) {
			if (in != NULL) {
				rc = xpv_gss_step(g, in, in_len, &tok, &tok_len, &done);
				free(in);
				in = NULL;
			}
			if (rc == 0 && !done)
				rc = xpv_error_set(XPV_EAUTH, "the server accepted %s authentication before it was complete",
						   xpv_gss_mech_name(g));
			break;
		}
		if (status == 401 && in != NULL)
			continue; /* the next leg (NTLM's challenge, or Kerberos' error token) */
		if (status == 401) {
			char *schemes = xpv_http_offered_schemes(s->curl);

			rc = xpv_error_set(XPV_EAUTH, "authentication refused: the server did not accept the %s "
						      "credentials of %s (HTTP 401; it offers: %s)",
					   xpv_gss_mech_name(g), s->o.username ? s->o.username : "the cached principal",
					   schemes);
			free(schemes);
			break;
		}
		rc = xpv_error_set(XPV_EHTTP, "unexpected HTTP status %ld during %s authentication", status,
				   xpv_gss_mech_name(g));
	}
	free(in);
	free(tok);
	if (rc < 0) {
		xpv_gss_free(g);
		return rc;
	}
	xpv_gss_free(s->gss);
	s->gss = g;
	return 0;
}

/* `msg` without the node's name in front ("NODE (ADDRESS:PORT): "), which
 * libcurl's failures carry already: the error names the node once. */
static const char *unnamed(const struct xpv_winrm *s, const char *msg)
{
	size_t n = strlen(s->name);

	return strncmp(msg, s->name, n) == 0 && strncmp(msg + n, ": ", 2) == 0 ? msg + n + 2 : msg;
}

/* Sets the connection up for Negotiate: Kerberos, then NTLM when Kerberos
 * cannot be had (as Windows clients fall back), or the one asked for. */
static int authenticate(struct xpv_winrm *s)
{
	unsigned char *cb = NULL;
	size_t cb_len = 0;
	char *krb_error = NULL;
	int rc = 0;

	xpv_gss_free(s->gss);
	s->gss = NULL;
	if (!s->encrypt) {
		rc = channel_binding(s, &cb, &cb_len); /* its errors name the node */
		if (rc < 0)
			return rc;
	}
	if (rc == 0 && s->o.auth != XPV_AUTH_NTLM) {
		rc = handshake(s, XPV_GSS_KERBEROS, cb, cb_len);
		if (rc < 0 && s->o.auth == XPV_AUTH_NEGOTIATE && s->o.password != NULL && s->o.username != NULL) {
			krb_error = xpv_strdup(xpv_error_last());
			xpv_log(XPV_LOG_VERBOSE, "%s: %s; trying NTLM", s->name, krb_error);
			rc = 1;
		}
	}
	if (rc == 1 || (rc == 0 && s->o.auth == XPV_AUTH_NTLM))
		rc = handshake(s, XPV_GSS_NTLM, cb, cb_len);
	if (rc < 0) {
		char *why = xpv_strdup(xpv_error_last());

		if (krb_error != NULL)
			rc = xpv_error_set(rc, "%s: %s; NTLM, the fallback: %s", s->name, unnamed(s, krb_error),
					   unnamed(s, why));
		else
			rc = xpv_error_set(rc, "%s: %s", s->name, unnamed(s, why));
		free(why);
	}
	free(krb_error);
	free(cb);
	return rc;
}

/* Sends `body` once: sealed over HTTP, as is over HTTPS. The answer is in
 * `*answer` (decrypted; NULL: s->resp as it came). */
static int send_once(struct xpv_winrm *s, const char *body, size_t len, long *status, char **answer,
		     size_t *answer_len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char *ctype;
	struct curl_header *h;
	int rc;

	*answer = NULL;
	*answer_len = 0;
	if (!s->encrypt || !s->gss_mode)
		return http_post(s, body, len, "application/soap+xml;charset=UTF-8", status);
	rc = xpv_crypt_seal(&sealed, &sealed_len, s->gss, XPV_CRYPT_SPNEGO, body, len);
	if (rc < 0) {
		char *why = xpv_strdup(xpv_error_last());

		rc = xpv_error_set(rc, "%s: %s", s->name, why);
		free(why);
		return rc;
	}
	ctype = xpv_crypt_content_type(XPV_CRYPT_SPNEGO);
	rc = http_post(s, sealed, sealed_len, ctype, status);
	free(ctype);
	free(sealed);
	if (rc < 0 || *status == 401 || s->resp_len == 0)
		return rc;
	if (curl_easy_header(s->curl, "Content-Type", 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
	    !xpv_crypt_is_encrypted(h->value, NULL))
		return xpv_error_set(XPV_EPROTO, "%s: malformed answer: HTTP %ld in clear text where an encrypted "
						 "message was due",
				     s->name, *status);
	rc = xpv_crypt_open(answer, answer_len, s->gss, (const unsigned char *)s->resp, s->resp_len);
	if (rc < 0) {
		char *why = xpv_strdup(xpv_error_last());

		rc = xpv_error_set(rc, "%s: %s", s->name, why);
		free(why);
	}
	return rc;
}

/* Posts `body` and parses the answer into `reply`. SOAP faults come back as
 * XPV_EFAULT with the reply kept (the caller decides). */
static int post(struct xpv_wsman_reply *reply, struct xpv_winrm *s, const char *body, size_t len,
		const char *message_id)
{
	int64_t start = 0;
	long status = 0;
	char *plain = NULL;
	size_t plain_len = 0;
	const char *text;
	size_t text_len;
	int rc = 0;

	memset(reply, 0, sizeof(*reply));
	xpv_wsman_fault_clear(&s->fault);
	/* a connection the server forgot (401) is authenticated once more */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->gss_mode && s->gss == NULL) {
			start = xpv_now_us();
			rc = authenticate(s);
			if (rc < 0) {
				/* the message was not sent: the transcript says why */
				record(s, body, start, 0, xpv_error_last(), NULL);
				return rc;
			}
		}
		start = xpv_now_us();
		free(plain);
		rc = send_once(s, body, len, &status, &plain, &plain_len);
		if (rc < 0 || status != 401 || !s->gss_mode)
			break;
		record(s, body, start, status, "HTTP 401: authenticating the connection again", NULL);
		xpv_gss_free(s->gss);
		s->gss = NULL;
	}
	text = plain ? plain : (s->resp ? s->resp : "");
	text_len = plain ? plain_len : s->resp_len;
	if (rc < 0) {
		record(s, body, start, status, xpv_error_last(), plain);
		free(plain);
		return rc;
	}
	if (status == 401) {
		char *schemes = xpv_http_offered_schemes(s->curl);

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
	rc = xpv_wsman_parse(reply, text, text_len);
	if (rc < 0) {
		char *why = xpv_strdup(xpv_error_last());

		rc = status == 500 ? xpv_error_set(XPV_EHTTP, "%s: HTTP 500 without a SOAP fault (%s)", s->name, why)
				   : xpv_error_set(rc, "%s: %s", s->name, why);
		free(why);
		goto out;
	}
	if (reply->is_fault) {
		char *ftext = xpv_wsman_fault_text(&reply->fault);

		fault_copy(&s->fault, &reply->fault);
		rc = xpv_error_set(XPV_EFAULT, "%s: WS-Management fault %s", s->name, ftext);
		free(ftext);
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
	record(s, body, start, status, rc < 0 ? xpv_error_last() : NULL, plain);
	free(plain);
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
	size_t total = 0;
	int rc;

	*rows = json_array();
	rc = exchange(&reply, s, &req, build_enumerate, &a);
	for (int pulls = 0; rc == 0; pulls++) {
		free(context);
		context = NULL;
		total += s->resp_len;
		rc = xpv_wsman_parse_enumeration(*rows, &context, &end, &reply);
		xpv_wsman_reply_clear(&reply);
		if (rc == 0 && !end && total > MAX_OPERATION) {
			rc = xpv_error_set(XPV_ETOOBIG, "%s: enumeration refused: more than %u bytes of answers in all",
					   s->name, MAX_OPERATION);
			break;
		}
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
		if (rc == 0 && out->out_len + out->err_len > MAX_OPERATION)
			rc = xpv_error_set(XPV_ETOOBIG, "%s: command output refused: more than %u bytes", s->name,
					   MAX_OPERATION);
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
