#include "tls.h"

#include "error.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* One client context for every fetch of the process (an SSL_CTX is made
 * for sharing: SSL_new from many threads), and the CA stores the chains
 * are judged against, each file loaded once: at 64 nodes, making them
 * anew per endpoint was a fifth of the certificate check's CPU. */
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static SSL_CTX *shared_ctx;

#define MAX_STORES 4
static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *path; /* NULL: the system's default paths */
	X509_STORE *store;
	bool used;
} stores[MAX_STORES];

static void tls_cleanup(void)
{
	SSL_CTX_free(shared_ctx);
	for (size_t i = 0; i < MAX_STORES; i++) {
		free(stores[i].path);
		X509_STORE_free(stores[i].store);
	}
}

static void tls_init(void)
{
	shared_ctx = SSL_CTX_new(TLS_client_method());
	atexit(tls_cleanup);
}

/* Computes what OpenSSL caches in a certificate on its first use (its
 * extensions, under the certificate's own lock) for every certificate of
 * `st`, before threads share it: otherwise the first verification writes
 * into a CA certificate while a handshake in another thread reads it (a
 * race ThreadSanitizer reports in OpenSSL 3.0). */
static void prime(X509_STORE *st)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st);

	for (int k = 0; k < sk_X509_OBJECT_num(objs); k++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, k));

		if (x != NULL)
			X509_check_purpose(x, -1, 0);
	}
}

/* The CA store of `ca_file` (NULL: the system's), loaded on first use; a
 * new reference, or NULL when the file cannot be read. */
static X509_STORE *store_for(const char *ca_file)
{
	X509_STORE *st = NULL;
	size_t i;

	pthread_once(&tls_once, tls_init);
	pthread_mutex_lock(&stores_lock);
	for (i = 0; i < MAX_STORES && stores[i].used; i++)
		if ((ca_file == NULL) == (stores[i].path == NULL) && (ca_file == NULL || strcmp(ca_file, stores[i].path) == 0))
			break;
	if (i < MAX_STORES && stores[i].used) {
		st = stores[i].store;
	} else {
		st = X509_STORE_new();
		if (st != NULL &&
		    (ca_file != NULL ? X509_STORE_load_file(st, ca_file) != 1 : X509_STORE_set_default_paths(st) != 1)) {
			X509_STORE_free(st);
			st = NULL;
		}
		if (st != NULL) {
			prime(st);
			/* libcurl's chain rules (an intermediate in the CA file is
			 * a trust anchor; the store's issuers tried first), here
			 * from the start: libcurl 7.88 sets them on the store of
			 * every connection's context after our callback has
			 * installed this one, and a certificate check before any
			 * connection judged without them */
			X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_TRUSTED_FIRST);
		}
		/* kept when there is room; a fifth CA file is loaded each time */
		if (st != NULL && i < MAX_STORES) {
			stores[i].path = ca_file ? xpv_strdup(ca_file) : NULL;
			stores[i].store = st;
			stores[i].used = true;
		} else if (st != NULL) {
			pthread_mutex_unlock(&stores_lock);
			return st;
		}
	}
	if (st != NULL)
		X509_STORE_up_ref(st);
	pthread_mutex_unlock(&stores_lock);
	return st;
}

X509_STORE *xpv_tls_store(const char *ca_file)
{
	return store_for(ca_file);
}

/* A connected TCP socket, or -1 with `*code` and the last error set. */
static int connect_to(const char *address, long port, long timeout_ms, int *code)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char portbuf[16];
	int fd = -1, rc;

	snprintf(portbuf, sizeof(portbuf), "%ld", port);
	rc = getaddrinfo(address, portbuf, &hints, &res);
	if (rc != 0) {
		*code = xpv_error_set(XPV_EDNS, "%s: host name not resolved: %s", address, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		struct pollfd pfd;
		int err = 0;
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			rc = poll(&pfd, 1, (int)timeout_ms);
			if (rc == 0)
				err = ETIMEDOUT;
			else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
		}
		if (err != 0) {
			*code = xpv_error_set(err == ETIMEDOUT ? XPV_ETIMEOUT : XPV_ECONNECT,
					      "%s:%ld: connection failed: %s", address, port, strerror(err));
			close(fd);
			fd = -1;
			continue;
		}
		/* left non-blocking: the handshake has one deadline in all */
	}
	freeaddrinfo(res);
	return fd;
}

int xpv_tls_fetch(struct xpv_peer *p, const char *sni, const char *address, long port, long timeout_ms)
{
	SSL *ssl = NULL;
	STACK_OF(X509) *served;
	BIO *mem = NULL;
	int64_t until;
	int fd, rc = 0;

	memset(p, 0, sizeof(*p));
	until = xpv_mono_ms() + timeout_ms;
	fd = connect_to(address, port, timeout_ms, &rc);
	if (fd < 0)
		return rc;
	pthread_once(&tls_once, tls_init);
	ssl = shared_ctx ? SSL_new(shared_ctx) : NULL;
	if (ssl == NULL) {
		rc = xpv_error_set(XPV_ETLS, "cannot set up TLS");
		goto out;
	}
	/* take whatever is served: it is judged afterwards */
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (sni != NULL)
		SSL_set_tlsext_host_name(ssl, sni); /* none for an IP address (RFC 6066) */
	SSL_set_fd(ssl, fd);
	ERR_clear_error();
	/* one deadline for the whole handshake: a server that drips a byte a
	 * second holds it no longer than that */
	for (;;) {
		int r = SSL_connect(ssl), err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, r);
		long left = (long)(until - xpv_mono_ms());
		struct pollfd pfd = { .fd = fd };

		if (err == SSL_ERROR_NONE)
			break;
		if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) || left <= 0) {
			unsigned long e = ERR_get_error();
			char buf[256];

			ERR_error_string_n(e, buf, sizeof(buf));
			rc = left <= 0 ? xpv_error_set(XPV_ETIMEOUT, "%s:%ld: TLS handshake failed: not complete within %ld ms",
						       address, port, timeout_ms)
				       : xpv_error_set(XPV_ETLS, "%s:%ld: TLS handshake failed: %s", address, port,
						       e == 0 ? "the connection closed" : buf);
			goto out;
		}
		pfd.events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			rc = xpv_error_set(XPV_ETLS, "%s:%ld: TLS handshake failed: %s", address, port, strerror(errno));
			goto out;
		}
	}
	p->leaf = SSL_get1_peer_certificate(ssl);
	served = SSL_get_peer_cert_chain(ssl);
	if (p->leaf == NULL) {
		rc = xpv_error_set(XPV_ETLS, "%s:%ld: no certificate served", address, port);
		goto out;
	}
	p->chain = served ? X509_chain_up_ref(served) : sk_X509_new_null();
	mem = BIO_new(BIO_s_mem());
	for (int i = 0; mem != NULL && i < sk_X509_num(p->chain); i++)
		PEM_write_bio_X509(mem, sk_X509_value(p->chain, i));
	if (mem != NULL) {
		char *data = NULL;
		long n = BIO_get_mem_data(mem, &data);

		p->pem = strndup(data, (size_t)n);
	}
out:
	BIO_free(mem);
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
	if (rc < 0)
		xpv_peer_clear(p);
	return rc;
}

void xpv_peer_clear(struct xpv_peer *p)
{
	X509_free(p->leaf);
	if (p->chain != NULL)
		sk_X509_pop_free(p->chain, X509_free);
	free(p->pem);
	memset(p, 0, sizeof(*p));
}

const char *xpv_tls_chain_problem(const struct xpv_peer *p, const char *ca_file)
{
	X509_STORE *store = store_for(ca_file);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	const char *problem = NULL;

	if (store == NULL || ctx == NULL) {
		problem = "the CA file cannot be read";
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, p->leaf, p->chain) != 1) {
		problem = "cannot verify";
		goto out;
	}
	/* validity dates are judged apart, to say which is wrong */
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) != 1)
		problem = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return problem;
}

char *xpv_tls_san_list(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char *out = xpv_strdup(""), *next;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char buf[INET6_ADDRSTRLEN] = "?";
		int len;

		if (g->type == GEN_DNS) {
			next = xpv_asprintf("%s%sDNS:%.*s", out, out[0] ? ", " : "", ASN1_STRING_length(g->d.dNSName),
					    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		} else if (g->type == GEN_IPADD) {
			len = ASN1_STRING_length(g->d.iPAddress);
			/* an address is 4 or 16 bytes; anything else is shown, never read */
			if (len == 4 || len == 16)
				inet_ntop(len == 16 ? AF_INET6 : AF_INET, ASN1_STRING_get0_data(g->d.iPAddress), buf,
					  sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "malformed (%d bytes)", len);
			next = xpv_asprintf("%s%sIP:%s", out, out[0] ? ", " : "", buf);
		} else {
			continue;
		}
		free(out);
		out = next;
	}
	GENERAL_NAMES_free(gens);
	if (out[0] == '\0') {
		free(out);
		out = xpv_strdup("none");
	}
	return out;
}

int xpv_tls_malformed_ips(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int bad = 0;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && bad == 0; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		int len = g->type == GEN_IPADD ? ASN1_STRING_length(g->d.iPAddress) : 4;

		if (len != 4 && len != 16)
			bad = len > 0 ? len : -1;
	}
	GENERAL_NAMES_free(gens);
	return bad;
}
