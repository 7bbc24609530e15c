/* The certificate fetch (harness/transport/tls.c): one deadline for the
 * whole handshake, whatever the server drips. */
#include "error.h"
#include "helpers.h"
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
		cmocka_unit_test(test_handshake_has_one_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
