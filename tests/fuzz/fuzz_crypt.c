/* libFuzzer target: any bytes as an HTTP body and Content-Type claiming an
 * MS-WSMV encrypted message (what a node, or something in its place, sends
 * back over HTTP). The frame reader and the base64 codec must return an
 * error or a result, never crash, hang or read out of bounds. */
#include "util.h"
#include "winrm_crypt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *sealed = NULL;
	size_t sealed_len = 0, announced = 0, n = 0;
	unsigned char *bytes = NULL;
	char *text = malloc(size + 1), *protocol = NULL;

	if (xpv_crypt_parse(&sealed, &sealed_len, &announced, data, size) == 0 &&
	    (sealed < data || sealed + sealed_len > data + size))
		abort(); /* the sealed part must lie inside the body */
	memcpy(text, data, size);
	text[size] = '\0';
	if (xpv_crypt_is_encrypted(text, &protocol))
		free(protocol);
	if (xpv_b64_decode(&bytes, &n, text) == 0)
		free(bytes);
	free(text);
	return 0;
}
