/* libFuzzer target: any bytes as what a node answers for the set-up checks:
 * ServerConfig.xml as registered-cluster-address and identical-nodes read
 * it (XPath text, never an entity from outside), and PowerShell's UTF-16LE
 * both ways (xplab decodes -EncodedCommand so). */
#include "cluster.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/server/version", "/server/WebApiConfig/AuthorizationServerUri",
					     "/server/WebApiConfig/Port" };
	char *text = malloc(size + 1), *why = NULL, *t, *u;
	size_t len = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		t = xpv_xml_path_text(text, paths[i], &why);
		free(t);
		free(why);
		why = NULL;
	}
	u = xpv_iconv("UTF-8", "UTF-16LE", (const char *)data, size, &len);
	free(u);
	u = xpv_iconv("UTF-16LE", "UTF-8", (const char *)data, size, &len);
	free(u);
	free(text);
	return 0;
}
