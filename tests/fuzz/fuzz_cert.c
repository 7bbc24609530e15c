/* libFuzzer target: any bytes as the certificate an endpoint serves (DER,
 * or PEM). What certificate-san reads of it (the SAN list, malformed
 * addresses, host and IP matching) must never read past a name or crash. */
#include "tls.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void judge(X509 *x)
{
	char *sans = xpv_tls_san_list(x);

	free(sans);
	xpv_tls_malformed_ips(x);
	X509_check_host(x, "ms-role.lab.local", 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	X509_check_ip_asc(x, "127.0.10.1", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, (long)size);
	BIO *bio;

	if (x != NULL) {
		judge(x);
		X509_free(x);
	}
	bio = BIO_new_mem_buf(data, (int)size);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	if (x != NULL) {
		judge(x);
		X509_free(x);
	}
	BIO_free(bio);
	return 0;
}
