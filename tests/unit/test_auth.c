#define _GNU_SOURCE /* memmem */
/* Authentication and sealing (harness/transport/auth_gss.c, winrm_crypt.c):
 * an NTLM handshake in process against gss-ntlmssp's acceptor, messages
 * sealed and opened both ways, tampering and replay refused, the frame
 * read strictly, Kerberos failures named. */
#include "auth.h"
#include "error.h"
#include "helpers.h"
#include "lab_cert.h"
#include "util.h"
#include "winrm_crypt.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define USER "LAB\\tester"
#define PASS "T3st&<'\"%+ pw"

struct pair {
	struct xpv_gss *client, *server;
};

/* Runs the NTLM handshake between `client` and gss-ntlmssp's acceptor
 * (the users of NTLM_USER_FILE); the acceptor's side, for sealing. */
static struct xpv_gss *handshake(struct xpv_gss *client)
{
	gss_ctx_id_t acc = GSS_C_NO_CONTEXT;
	unsigned char *tok = NULL, *in = NULL;
	size_t tok_len = 0, in_len = 0;
	bool done = false;
	OM_uint32 major = GSS_S_CONTINUE_NEEDED, minor;

	for (int leg = 0; leg < 4 && !done; leg++) {
		gss_buffer_desc ib, ob = { 0, NULL };

		assert_int_equal(xpv_gss_step(client, in, in_len, &tok, &tok_len, &done), 0);
		free(in);
		in = NULL;
		if (tok == NULL)
			break;
		ib.value = tok;
		ib.length = tok_len;
		major = gss_accept_sec_context(&minor, &acc, GSS_C_NO_CREDENTIAL, &ib, GSS_C_NO_CHANNEL_BINDINGS, NULL,
					       NULL, &ob, NULL, NULL, NULL);
		assert_false(GSS_ERROR(major));
		free(tok);
		tok = NULL;
		if (ob.length > 0) {
			in = xpv_calloc(ob.length, 1);
			memcpy(in, ob.value, ob.length);
			in_len = ob.length;
		}
		gss_release_buffer(&minor, &ob);
	}
	free(in);
	assert_true(done);
	assert_int_equal(major, GSS_S_COMPLETE);
	return xpv_gss_wrap_context(acc, false);
}

static void use_users_file(void)
{
	char *users = th_write("ntlm-users", "LAB:tester:" PASS "\nLAB:other:other-" PASS "\nLAB:third:third-" PASS "\n");

	setenv("NTLM_USER_FILE", users, 1);
	free(users);
}

static int setup(void **state)
{
	struct xpv_gss_creds creds = { .username = USER, .password = PASS };
	struct pair *p = xpv_calloc(1, sizeof(*p));

	use_users_file();
	assert_int_equal(xpv_gss_client_new(&p->client, XPV_GSS_NTLM, &creds, "HTTP/node1.lab.local", NULL, 0), 0);
	p->server = handshake(p->client);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	xpv_gss_free(p->client);
	xpv_gss_free(p->server);
	free(p);
	return 0;
}

static const char soap[] = "<s:Envelope><s:Body>select Name from Win32_Service</s:Body></s:Envelope>";

static void test_seal_and_open_both_ways(void **state)
{
	struct pair *p = *state;
	unsigned char *body = NULL;
	size_t len = 0, out_len = 0;
	char *out = NULL;

	assert_int_equal(xpv_crypt_seal(&body, &len, p->client, XPV_CRYPT_SPNEGO, soap, strlen(soap)), 0);
	/* nothing of the message is on the wire in clear */
	assert_false(th_contains((char *)body, len, "Win32_Service"));
	assert_true(th_contains((char *)body, len, "Length=72\r\n"));
	assert_int_equal(xpv_crypt_open(&out, &out_len, p->server, body, len), 0);
	assert_int_equal(out_len, strlen(soap));
	assert_string_equal(out, soap);
	free(out);
	free(body);
	/* and the answer back */
	assert_int_equal(xpv_crypt_seal(&body, &len, p->server, XPV_CRYPT_SPNEGO, "<answer/>", 9), 0);
	assert_int_equal(xpv_crypt_open(&out, &out_len, p->client, body, len), 0);
	assert_string_equal(out, "<answer/>");
	free(out);
	free(body);
}

static void test_tampered_and_replayed_are_refused(void **state)
{
	struct pair *p = *state;
	unsigned char *body = NULL, *copy;
	size_t len = 0, out_len = 0;
	char *out = NULL;

	assert_int_equal(xpv_crypt_seal(&body, &len, p->client, XPV_CRYPT_SPNEGO, soap, strlen(soap)), 0);
	copy = xpv_calloc(len, 1);
	memcpy(copy, body, len);
	copy[len - 40] ^= 0x01; /* one bit of the sealed message */
	assert_int_equal(xpv_crypt_open(&out, &out_len, p->server, copy, len), XPV_EPROTO);
	assert_non_null(strstr(xpv_error_last(), "signature does not verify"));
	assert_null(out);
	free(copy);
	free(body);
	/* a message sealed under another sequence number */
	assert_int_equal(xpv_crypt_seal(&body, &len, p->client, XPV_CRYPT_SPNEGO, soap, strlen(soap)), 0);
	assert_int_equal(xpv_crypt_seal(&copy, &out_len, p->client, XPV_CRYPT_SPNEGO, soap, strlen(soap)), 0);
	assert_int_equal(xpv_crypt_open(&out, &out_len, p->server, copy, out_len), XPV_EPROTO);
	free(copy);
	free(body);
}

static void test_announced_length_must_match(void **state)
{
	struct pair *p = *state;
	unsigned char *body = NULL;
	size_t len = 0, out_len = 0;
	char *out = NULL, *at;

	assert_int_equal(xpv_crypt_seal(&body, &len, p->client, XPV_CRYPT_SPNEGO, soap, strlen(soap)), 0);
	at = memmem(body, len, "Length=72", 9);
	assert_non_null(at);
	at[7] = '9'; /* Length=92 */
	assert_int_equal(xpv_crypt_open(&out, &out_len, p->server, body, len), XPV_EPROTO);
	assert_non_null(strstr(xpv_error_last(), "72 bytes where 92 were announced"));
	free(body);
}

static void test_frame_is_read_strictly(void **state)
{
	static const struct {
		const char *body, *error;
	} bad[] = {
		{ "", "does not begin with the boundary" },
		{ "--Encrypted Boundary\r\n\tContent-Type: x\r\n", "no second boundary" },
		{ "--Encrypted Boundary\r\n--Encrypted Boundary\r\n", "no OriginalContent length" },
		{ "--Encrypted Boundary\r\n\tOriginalContent: type=a;Length=99999999999\r\n--Encrypted Boundary\r\n",
		  "Length too large" },
		{ "--Encrypted Boundary\r\n\tOriginalContent: type=a;Length=3\r\n--Encrypted Boundary\r\n"
		  "\tContent-Type: text/plain\r\nabc--Encrypted Boundary--\r\n",
		  "not octet-stream" },
		{ "--Encrypted Boundary\r\n\tOriginalContent: type=a;Length=3\r\n--Encrypted Boundary\r\n"
		  "\tContent-Type: application/octet-stream\r\nabc",
		  "does not end with the boundary" },
	};
	const unsigned char *sealed;
	size_t sealed_len, announced;
	char *protocol = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xpv_crypt_parse(&sealed, &sealed_len, &announced, (const unsigned char *)bad[i].body,
						 strlen(bad[i].body)),
				 XPV_EPROTO);
		assert_non_null(strstr(xpv_error_last(), bad[i].error));
	}
	assert_true(xpv_crypt_is_encrypted(
		"multipart/encrypted;protocol=\"application/HTTP-Kerberos-session-encrypted\";boundary=\"Encrypted Boundary\"",
		&protocol));
	assert_string_equal(protocol, XPV_CRYPT_KERBEROS);
	free(protocol);
	assert_false(xpv_crypt_is_encrypted("application/soap+xml;charset=UTF-8", NULL));
	assert_false(xpv_crypt_is_encrypted(NULL, NULL));
}

static void test_channel_binding_is_the_certificate_hash(void **state)
{
	struct xpv_pem ca = { 0 };
	unsigned char *cb = NULL, want[EVP_MAX_MD_SIZE];
	unsigned int want_len = 0;
	size_t len = 0;
	BIO *bio;
	X509 *x;

	(void)state;
	assert_int_equal(xpv_cert_make_ca(&ca, "binding test"), 0);
	bio = BIO_new_mem_buf(ca.cert, -1);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	/* RFC 5929: a SHA-256-signed certificate binds with its SHA-256 */
	assert_int_equal(X509_digest(x, EVP_sha256(), want, &want_len), 1);
	assert_int_equal(xpv_gss_tls_binding(&cb, &len, ca.cert), 0);
	assert_int_equal(len, 21 + want_len);
	assert_memory_equal(cb, "tls-server-end-point:", 21);
	assert_memory_equal(cb + 21, want, want_len);
	free(cb);
	X509_free(x);
	BIO_free(bio);
	xpv_pem_clear(&ca);
	assert_int_equal(xpv_gss_tls_binding(&cb, &len, "not a certificate"), XPV_ETLS);
	assert_null(cb);
}

/* Seals a message with `client` and opens it with `server`. */
static void sealed_round_trip(struct xpv_gss *client, struct xpv_gss *server)
{
	unsigned char *sealed = NULL, *plain = NULL;
	size_t sealed_len = 0, plain_len = 0;

	assert_int_equal(xpv_gss_seal(client, soap, sizeof(soap) - 1, &sealed, &sealed_len), 0);
	assert_int_equal(xpv_gss_unseal(server, sealed, sealed_len, &plain, &plain_len), 0);
	assert_int_equal(plain_len, sizeof(soap) - 1);
	assert_memory_equal(plain, soap, plain_len);
	free(sealed);
	free(plain);
}

#define THREADS 8
static pthread_barrier_t start_line;

static void *client_thread(void *arg)
{
	struct xpv_gss **g = arg;
	struct xpv_gss_creds creds = { .username = "LAB\\other", .password = "other-" PASS };

	pthread_barrier_wait(&start_line);
	if (xpv_gss_client_new(g, XPV_GSS_NTLM, &creds, "HTTP/node2.lab.local", NULL, 0) != 0)
		*g = NULL;
	return NULL;
}

/* Credentials are acquired once and shared: by later contexts, by contexts
 * of other threads asking at once, after the first context is gone. */
static void test_credentials_are_acquired_once(void **state)
{
	struct xpv_gss_creds creds = { .username = "LAB\\third", .password = "third-" PASS };
	struct xpv_gss *a = NULL, *b = NULL, *server, *g[THREADS] = { 0 };
	pthread_t t[THREADS];
	unsigned long before;

	(void)state;
	use_users_file();
	before = xpv_gss_acquisitions();
	assert_int_equal(xpv_gss_client_new(&a, XPV_GSS_NTLM, &creds, "HTTP/node1.lab.local", NULL, 0), 0);
	assert_int_equal(xpv_gss_client_new(&b, XPV_GSS_NTLM, &creds, "HTTP/node2.lab.local", NULL, 0), 0);
	assert_int_equal(xpv_gss_acquisitions(), before + 1);
	before = xpv_gss_acquisitions();
	/* the first context goes; the second still authenticates and seals */
	xpv_gss_free(a);
	server = handshake(b);
	sealed_round_trip(b, server);
	xpv_gss_free(server);
	xpv_gss_free(b);
	assert_int_equal(xpv_gss_acquisitions(), before);

	/* another password is other credentials */
	creds.password = "not the password";
	assert_int_equal(xpv_gss_client_new(&a, XPV_GSS_NTLM, &creds, "HTTP/node1.lab.local", NULL, 0), 0);
	assert_int_equal(xpv_gss_acquisitions(), before + 1);
	xpv_gss_free(a);

	/* eight threads at once: one acquisition, every context works */
	before = xpv_gss_acquisitions();
	pthread_barrier_init(&start_line, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, client_thread, &g[i]), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_line);
	assert_int_equal(xpv_gss_acquisitions(), before + 1);
	for (int i = 0; i < THREADS; i++) {
		assert_non_null(g[i]);
		server = handshake(g[i]);
		sealed_round_trip(g[i], server);
		xpv_gss_free(server);
		xpv_gss_free(g[i]);
	}
}

static void test_kerberos_failures_are_named(void **state)
{
	struct xpv_gss_creds creds = { .username = "tester@NOWHERE.LAB", .password = PASS };
	struct xpv_gss *g = NULL;
	unsigned long before = xpv_gss_acquisitions();

	(void)state;
	/* a realm whose KDC does not answer (nothing listens on port 1) */
	assert_int_equal(xpv_gss_configure("NOWHERE.LAB", "127.0.10.250:1"), 0);
	assert_int_equal(xpv_gss_client_new(&g, XPV_GSS_KERBEROS, &creds, "HTTP/node1.nowhere.lab", NULL, 0),
			 XPV_ECONNECT);
	assert_null(g);
	assert_non_null(strstr(xpv_error_last(), "Kerberos login of tester@NOWHERE.LAB failed: no KDC reachable"));
	/* a failure is not kept: the next context asks the KDC again */
	assert_int_equal(xpv_gss_client_new(&g, XPV_GSS_KERBEROS, &creds, "HTTP/node2.nowhere.lab", NULL, 0),
			 XPV_ECONNECT);
	assert_non_null(strstr(xpv_error_last(), "Kerberos login of tester@NOWHERE.LAB failed: no KDC reachable"));
	assert_int_equal(xpv_gss_acquisitions(), before + 2);
	/* NTLM without a password says so */
	creds.password = NULL;
	assert_int_equal(xpv_gss_client_new(&g, XPV_GSS_NTLM, &creds, "HTTP/node1", NULL, 0), XPV_EAUTH);
	assert_non_null(strstr(xpv_error_last(), "NTLM needs a password"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seal_and_open_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_and_replayed_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_announced_length_must_match, setup, teardown),
		cmocka_unit_test(test_frame_is_read_strictly),
		cmocka_unit_test(test_channel_binding_is_the_certificate_hash),
		cmocka_unit_test(test_credentials_are_acquired_once),
		cmocka_unit_test(test_kerberos_failures_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
