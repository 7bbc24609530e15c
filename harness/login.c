#include "login.h"

#include "auth.h"
#include "error.h"
#include "http_auth.h"
#include "secrets.h"
#include "util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ANSWER (1u << 20)
#define MAX_AUTH_LEGS 8

struct buf {
	char *data;
	size_t len;
};

/* A login form: what goes on the wire, and what a transcript shows. */
struct form {
	char *sent;
	char *shown;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->len + len > MAX_ANSWER)
		return 0;
	b->data = xpv_realloc(b->data, b->len + len + 1);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Notes one exchange in the transcript: request line, the form (whose
 * password and the token are redacted as registered secrets), the answer. */
static void note(char **transcript, const char *method, const char *url, const char *form, long status,
		 const struct buf *answer, const char *err)
{
	char stamp[48], *next;

	xpv_format_time(stamp, sizeof(stamp), xpv_now_us(), XPV_TIME_ISO_US);
	next = xpv_asprintf("%s=== %s %s %s\n%s%s=== HTTP %ld%s%s\n%s\n\n", *transcript ? *transcript : "", stamp,
			    method, url, form ? form : "", form ? "\n" : "", status, err ? " error: " : "", err ? err : "",
			    answer->data ? answer->data : "");
	free(*transcript);
	*transcript = next;
}

/* One HTTPS request to the cluster address. Returns the status, or -1 with
 * `*err` set and `*how` saying whether nothing answered. */
static long request(CURL *c, const struct xpv_scenario *sc, const char *path, const struct form *form,
		    const char *bearer, struct buf *out, char **err, enum xpv_login_outcome *how, long timeout_ms,
		    char **transcript, const char *authz, char **peer)
{
	char *url = xpv_asprintf("%s://%s:%ld%s", sc->cluster.scheme, sc->cluster.address_host, sc->cluster.port, path);
	struct curl_slist *pins = NULL, *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct xpv_http_tls tls;
	CURLcode cc;
	long status = -1;

	for (size_t i = 0; i < sc->n_resolve; i++) {
		char *e = xpv_asprintf("%s:%ld:%s", sc->resolve[i].host, sc->cluster.port, sc->resolve[i].address);

		pins = curl_slist_append(pins, e);
		free(e);
	}
	if (bearer != NULL) {
		char *h = xpv_asprintf("Authorization: Bearer %s", bearer);

		headers = curl_slist_append(headers, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	if (authz != NULL)
		headers = curl_slist_append(headers, authz);
	free(out->data);
	*out = (struct buf){ 0 };
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	tls = (struct xpv_http_tls){ .ca_file = sc->tls.ca_file, .peer = peer, .verify = true };
	xpv_http_tls(c, &tls);
	if (form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->sent);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	} else {
		*how = cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_GOT_NOTHING ||
				       cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR
			       ? XPV_LOGIN_UNREACHABLE
			       : XPV_LOGIN_NOT_EVALUATED;
		*err = xpv_asprintf("%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	{
		/* the form as shown: the password never, in any encoding */
		char *shown = form == NULL ? NULL
			      : authz	  ? xpv_asprintf("%s\n(with Authorization: Negotiate, redacted)", form->shown)
					  : xpv_strdup(form->shown);

		note(transcript, form ? "POST" : "GET", url, shown, status, out, status < 0 ? *err : NULL);
		free(shown);
	}
	curl_slist_free_all(pins);
	curl_slist_free_all(headers);
	free(url);
	return status;
}

/* application/x-www-form-urlencoded, each value escaped by libcurl: as
 * sent, and as shown in transcripts (the password replaced). */
static void make_form(struct form *out, CURL *c, const struct xpv_scenario *sc)
{
	const char *keys[4], *vals[4];
	size_t n = 0;

	out->sent = xpv_strdup("");
	out->shown = xpv_strdup("");
	keys[n] = "grant_type";
	vals[n++] = sc->login.method == XPV_LOGIN_WINDOWS ? "windows_credentials" : "password";
	if (sc->login.method == XPV_LOGIN_BASIC) {
		keys[n] = "username";
		vals[n++] = sc->login.username ? sc->login.username : "";
		keys[n] = "password";
		vals[n++] = sc->login.password.value ? sc->login.password.value : "";
	}
	keys[n] = "client_id";
	vals[n++] = sc->login.client_id;
	for (size_t i = 0; i < n; i++) {
		char *e = curl_easy_escape(c, vals[i], 0), *next;
		bool secret = strcmp(keys[i], "password") == 0;

		next = xpv_asprintf("%s%s%s=%s", out->sent, i ? "&" : "", keys[i], e ? e : "");
		explicit_bzero(out->sent, strlen(out->sent));
		free(out->sent);
		out->sent = next;
		next = xpv_asprintf("%s%s%s=%s", out->shown, i ? "&" : "", keys[i], secret ? "[REDACTED]" : e ? e : "");
		free(out->shown);
		out->shown = next;
		if (e != NULL) {
			explicit_bzero(e, strlen(e));
			curl_free(e);
		}
	}
}

static void form_clear(struct form *f)
{
	if (f->sent != NULL) {
		explicit_bzero(f->sent, strlen(f->sent));
		free(f->sent);
	}
	free(f->shown);
	f->sent = f->shown = NULL;
}

/* The windows grant: the token request carries Negotiate for
 * HTTP/<cluster host> (Kerberos, else NTLM as Windows clients fall back),
 * on one connection, bound to its TLS channel. Returns the status of the
 * last answer, or -1 with `*err`; a context that cannot be set up is a
 * refusal (`*err` says why). */
static long windows_token(CURL *c, const struct xpv_scenario *sc, const struct form *f, struct buf *out, char **err,
			  enum xpv_login_outcome *how, long timeout_ms, char **transcript)
{
	struct xpv_gss_creds creds = { sc->login.username, sc->login.password.value, sc->winrm.realm, NULL,
				       sc->winrm.ccache };
	enum xpv_gss_mech mechs[2] = { XPV_GSS_KERBEROS, XPV_GSS_NTLM };
	size_t n_mechs = sc->login.password.value != NULL && sc->login.username != NULL ? 2 : 1;
	char *spn = xpv_asprintf("HTTP/%s", sc->cluster.address_host), *peer = NULL, *why = NULL;
	bool refused = false; /* by the server; else nothing could be sent */
	unsigned char *cb = NULL;
	size_t cb_len = 0;
	long status;

	/* an anonymous request first: IIS answers 401 and names its schemes,
	 * and the connection's certificate is known for the binding */
	status = request(c, sc, sc->login.token_path, f, NULL, out, err, how, timeout_ms, transcript, NULL, &peer);
	if (status != 401)
		goto out;
	if (peer != NULL && xpv_gss_tls_binding(&cb, &cb_len, peer) < 0) {
		status = -1;
		*how = XPV_LOGIN_NOT_EVALUATED;
		*err = xpv_strdup(xpv_error_last());
		goto out;
	}
	for (size_t m = 0; m < n_mechs; m++) {
		struct xpv_gss *g = NULL;
		unsigned char *in = NULL, *tok = NULL;
		size_t in_len = 0, tok_len = 0;
		bool done = false;
		int rc = xpv_gss_client_new(&g, mechs[m], &creds, spn, cb, cb_len);

		for (int leg = 0; rc == 0 && leg < MAX_AUTH_LEGS; leg++) {
			char *b64, *authz;

			rc = xpv_gss_step(g, in, in_len, &tok, &tok_len, &done);
			free(in);
			in = NULL;
			if (rc < 0 || tok == NULL)
				break;
			b64 = xpv_b64_encode(tok, tok_len);
			authz = xpv_asprintf("Authorization: Negotiate %s", b64);
			free(b64);
			free(tok);
			tok = NULL;
			status = request(c, sc, sc->login.token_path, f, NULL, out, err, how, timeout_ms, transcript, authz,
					 &peer);
			free(authz);
			if (status < 0)
				break;
			rc = xpv_http_negotiate_token(c, &in, &in_len);
			if (rc == 0 && status == 401 && in != NULL)
				continue;
			if (rc == 0 && status != 401 && in != NULL) {
				/* Kerberos' mutual authentication */
				rc = xpv_gss_step(g, in, in_len, &tok, &tok_len, &done);
				if (rc == 0 && !done)
					rc = xpv_error_set(XPV_EAUTH, "the server's last Negotiate token did not complete it");
			}
			if (rc == 0 && status == 401) {
				rc = xpv_error_set(XPV_EAUTH, "%s credentials refused (HTTP 401)", xpv_gss_mech_name(g));
				refused = true;
			}
			break;
		}
		free(in);
		free(tok);
		if (rc == 0 && status >= 0 && status != 401) {
			xpv_gss_free(g);
			goto out; /* the grant's own answer */
		}
		if (status < 0) {
			xpv_gss_free(g);
			goto out;
		}
		{
			char *next = xpv_asprintf("%s%s%s", why ? why : "", why ? "; " : "", xpv_error_last());

			free(why);
			why = next;
		}
		xpv_gss_free(g);
	}
	status = -1;
	*how = refused ? XPV_LOGIN_REFUSED : XPV_LOGIN_NOT_EVALUATED;
	*err = xpv_asprintf("Windows login through %s failed: %s", spn, why ? why : "no mechanism");
out:
	free(why);
	free(spn);
	free(peer);
	free(cb);
	return status;
}

void xpv_login(struct xpv_login_result *r, const struct xpv_scenario *sc, long timeout_ms)
{
	CURL *c = curl_easy_init();
	struct buf b = { 0 };
	struct form f = { 0 };
	char *err = NULL, *token = NULL;
	enum xpv_login_outcome how = XPV_LOGIN_NOT_EVALUATED;
	json_t *doc = NULL, *site;
	int64_t t0 = xpv_mono_ms();
	long status;

	memset(r, 0, sizeof(*r));
	if (c == NULL) {
		r->outcome = XPV_LOGIN_NOT_EVALUATED;
		r->message = xpv_strdup("cannot start an HTTP client");
		return;
	}
	make_form(&f, c, sc);
	if (sc->login.method == XPV_LOGIN_WINDOWS)
		status = windows_token(c, sc, &f, &b, &err, &how, timeout_ms, &r->transcript);
	else
		status = request(c, sc, sc->login.token_path, &f, NULL, &b, &err, &how, timeout_ms, &r->transcript, NULL,
				 NULL);
	r->token_ms = (long)(xpv_mono_ms() - t0);
	if (status < 0) {
		r->outcome = how;
		r->message = sc->login.method == XPV_LOGIN_WINDOWS && how != XPV_LOGIN_UNREACHABLE
				     ? xpv_strdup(err)
				     : xpv_asprintf("no answer from the token endpoint: %s", err);
		goto out;
	}
	doc = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
	if (status != 200) {
		const char *e = json_string_value(json_object_get(doc, "error"));

		r->outcome = XPV_LOGIN_REFUSED;
		r->message = xpv_asprintf("the token endpoint answered HTTP %ld%s%s", status, e ? ": " : "", e ? e : "");
		goto out;
	}
	token = xpv_strdup(json_string_value(json_object_get(doc, "access_token")));
	if (token == NULL || token[0] == '\0') {
		r->outcome = XPV_LOGIN_REFUSED;
		r->message = xpv_strdup("the token endpoint answered 200 without an access_token");
		goto out;
	}
	/* never in a log, a report or a transcript: the transcript already
	 * holds the answer, and is redacted when it is stored */
	xpv_secret_register(token);
	json_decref(doc);
	doc = NULL;
	status = request(c, sc, "/api/rest/v1/sites", NULL, token, &b, &err, &how, timeout_ms, &r->transcript, NULL,
			 NULL);
	if (status < 0) {
		r->outcome = how;
		r->message = xpv_asprintf("logged in, but no answer from the REST API: %s", err);
		goto out;
	}
	doc = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
	site = json_array_get(json_object_get(doc, "array"), 0);
	if (status != 200 || site == NULL) {
		r->outcome = XPV_LOGIN_REFUSED;
		r->message = status != 200 ? xpv_asprintf("logged in, but GET /api/rest/v1/sites answered HTTP %ld", status)
					   : xpv_strdup("logged in, but the management server lists no site");
		goto out;
	}
	r->outcome = XPV_LOGIN_OK;
	r->site_name = xpv_strdup(json_string_value(json_object_get(site, "displayName")));
	r->site_version = xpv_strdup(json_string_value(json_object_get(site, "version")));
	r->message = xpv_asprintf("logged in as %s; site %s, version %s",
				  sc->login.username ? sc->login.username : "the Windows user",
				  r->site_name ? r->site_name : "(unnamed)", r->site_version ? r->site_version : "unknown");
out:
	json_decref(doc);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	form_clear(&f);
	free(err);
	free(b.data);
	curl_easy_cleanup(c);
}

void xpv_login_result_clear(struct xpv_login_result *r)
{
	free(r->transcript);
	free(r->message);
	free(r->site_name);
	free(r->site_version);
	memset(r, 0, sizeof(*r));
}
