/* The certificate fetch (harness/transport/tls.c): one deadline for the
 * whole handshake, whatever the server drips. */
#include "error.h"
#include "helpers.h"
#include "lab_cert.h"
#include "tls.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct dripper {
	int listen_fd;
	int port;
	volatile int stop;
};

/* Accepts one connection and sends a TLS record header announcing 64
 * bytes, then one byte every 200 ms: a handshake that never completes in
 * time, though every single read succeeds. */
static void *drip(void *arg)
{
	struct dripper *d = arg;
	int fd = accept(d->listen_fd, NULL, NULL);
	static const unsigned char header[] = { 0x16, 0x03, 0x03, 0x00, 0x40 };

	if (fd < 0)
		return NULL;
	if (write(fd, header, sizeof(header)) == (ssize_t)sizeof(header)) {
		for (int i = 0; i < 64 && !d->stop; i++) {
			struct timespec ts = { 0, 200 * 1000000L };

			if (write(fd, "\x02", 1) != 1)
				break;
			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return NULL;
}

/* One store per CA file for the process: every connection and chain check
 * shares it, the file is not read again. */
static void test_ca_store_loaded_once(void **state)
{
	const char *path = XPV_TEST_DATA "/fuzz/cert.pem";
	X509_STORE *a, *b, *c;
	char *copy;
	FILE *in = fopen(path, "r");
	char pem[8192];
	size_t n;

	(void)state;
	assert_non_null(in);
	n = fread(pem, 1, sizeof(pem) - 1, in);
	fclose(in);
	pem[n] = '\0';
	copy = th_write("copy-ca.pem", pem);
	a = xpv_tls_store(path);
	b = xpv_tls_store(path);
	c = xpv_tls_store(copy);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_non_null(c);
	assert_ptr_not_equal(a, c);
	assert_null(xpv_tls_store(XPV_TEST_DATA "/no-such-ca.pem"));
	X509_STORE_free(a);
	X509_STORE_free(b);
	X509_STORE_free(c);
	free(copy);
}

static X509 *read_pem(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	BIO_free(b);
	return x;
}

/* A certificate an intermediate CA signed, served without the chain: a CA
 * file holding that intermediate alone is enough, as for libcurl (its
 * partial chain rule, the store's from its loading); the root alone is
 * not. */
static void test_intermediate_ca_file(void **state)
{
	static const char *const dns[] = { "node1.lab.local" };
	struct xpv_cert_spec spec = { .common_name = "node1.lab.local", .dns = dns, .n_dns = 1 };
	struct xpv_pem root, inter, leaf;
	struct xpv_peer p = { 0 };
	char *inter_file, *root_file;
	const char *why;

	(void)state;
	assert_int_equal(xpv_cert_make_ca(&root, "root CA"), 0);
	assert_int_equal(xpv_cert_make_sub_ca(&inter, &root, "issuing CA"), 0);
	assert_int_equal(xpv_cert_make_server(&leaf, &inter, &spec), 0);
	inter_file = th_write("issuing-ca.pem", inter.cert);
	root_file = th_write("root-ca.pem", root.cert);
	p.leaf = read_pem(leaf.cert);
	p.chain = sk_X509_new_null();
	assert_non_null(p.leaf);
	X509_up_ref(p.leaf);
	sk_X509_push(p.chain, p.leaf);
	p.pem = xpv_strdup(leaf.cert);
	why = xpv_tls_chain_problem(&p, inter_file);
	if (why != NULL)
		fail_msg("the intermediate alone: %s", why);
	assert_non_null(xpv_tls_chain_problem(&p, root_file));
	xpv_peer_clear(&p);
	xpv_pem_clear(&root);
	xpv_pem_clear(&inter);
	xpv_pem_clear(&leaf);
	free(inter_file);
	free(root_file);
}

static void test_handshake_has_one_deadline(void **state)
{
	struct dripper d = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct xpv_peer p;
	pthread_t t;
	int64_t start;

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	d.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(d.listen_fd >= 0);
	assert_int_equal(bind(d.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(d.listen_fd, 1), 0);
	assert_int_equal(getsockname(d.listen_fd, (struct sockaddr *)&sa, &len), 0);
	d.port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&t, NULL, drip, &d), 0);
	start = xpv_mono_ms();
	assert_int_equal(xpv_tls_fetch(&p, "localhost", "127.0.0.1", d.port, 1000), XPV_ETIMEOUT);
	assert_non_null(strstr(xpv_error_last(), "not complete within 1000 ms"));
	/* the drip alone would take 13 s; per-read timeouts never fire */
	assert_true(xpv_mono_ms() - start < 5000);
	d.stop = 1;
	pthread_join(t, NULL);
	close(d.listen_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_store_loaded_once),
		cmocka_unit_test(test_intermediate_ca_file),
		cmocka_unit_test(test_handshake_has_one_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
