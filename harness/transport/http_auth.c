#include "http_auth.h"

#include "error.h"
#include "tls.h"
#include "util.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKEN (64u << 10) /* bytes of a Negotiate token in a header */

static int ctx_index = -1;

static void ctx_index_init(void)
{
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* OpenSSL's verify callback, with the verdict left as OpenSSL found it:
 * it only keeps the server's certificate. */
static int keep_peer(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	const struct xpv_http_tls *t = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index) : NULL;
	X509 *x = X509_STORE_CTX_get_current_cert(store);
	BIO *bio;

	if (t == NULL || t->peer == NULL || x == NULL || X509_STORE_CTX_get_error_depth(store) != 0)
		return ok;
	bio = BIO_new(BIO_s_mem());
	if (bio != NULL && PEM_write_bio_X509(bio, x) == 1) {
		char *data;
		long n = BIO_get_mem_data(bio, &data);

		free(*t->peer);
		*t->peer = xpv_asprintf("%.*s", (int)n, data);
	}
	BIO_free(bio);
	return ok;
}

/* libcurl's SSL_CTX hook, called for every new TLS connection, after
 * libcurl set the context up (with no CA file: see xpv_http_tls). */
static CURLcode on_ssl_ctx(CURL *c, void *sslctx, void *arg)
{
	static pthread_once_t index_once = PTHREAD_ONCE_INIT;
	const struct xpv_http_tls *t = arg;
	SSL_CTX *ctx = sslctx;
	X509_STORE *store;

	(void)c;
	pthread_once(&index_once, ctx_index_init);
	if (ctx_index < 0 || SSL_CTX_set_ex_data(ctx, ctx_index, arg) != 1)
		return CURLE_SSL_CERTPROBLEM;
	/* libcurl has set the verify mode: with verification off (insecure)
	 * the CA file is not read, as libcurl would not read it */
	if ((SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) != 0) {
		store = xpv_tls_store(t->ca_file);
		if (store == NULL)
			return CURLE_SSL_CACERT_BADFILE;
		/* it carries libcurl's flags already (xpv_tls_store) */
		SSL_CTX_set1_cert_store(ctx, store);
		X509_STORE_free(store);
	}
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), keep_peer);
	return CURLE_OK;
}

void xpv_http_tls(CURL *c, const struct xpv_http_tls *t)
{
	curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, (void *)t);
	if (t->verify) {
		/* loaded now, outside the transfer's deadline; a file that cannot
		 * be read fails the transfer (on_ssl_ctx) */
		X509_STORE_free(xpv_tls_store(t->ca_file));
	}
}

int xpv_http_negotiate_token(CURL *c, unsigned char **tok, size_t *len)
{
	struct curl_header *h;

	*tok = NULL;
	*len = 0;
	for (size_t i = 0; curl_easy_header(c, "WWW-Authenticate", i, CURLH_HEADER, -1, &h) == CURLHE_OK; i++) {
		if (strncasecmp(h->value, "Negotiate ", 10) == 0) {
			if (strlen(h->value + 10) > MAX_TOKEN || xpv_b64_decode(tok, len, h->value + 10) < 0)
				return xpv_error_set(XPV_EPROTO, "the server's Negotiate token is not base64, or too large");
			return 0;
		}
		if (i + 1 >= h->amount)
			break;
	}
	return 0;
}

char *xpv_http_offered_schemes(CURL *c)
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
