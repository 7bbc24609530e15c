/* libFuzzer target: any bytes as a results document (results.json, from
 * which every report is made, with the run history read back from a
 * database inside). The JUnit, HTML and JSON writers must write something
 * or refuse, never crash. */
#include "report.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct xpv_reporter *writers[] = { &xpv_reporter_json, &xpv_reporter_junit, &xpv_reporter_html };
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	FILE *out;

	if (doc == NULL)
		return 0;
	out = fopen("/dev/null", "w");
	for (size_t i = 0; out != NULL && i < sizeof(writers) / sizeof(writers[0]); i++)
		writers[i]->write(out, doc);
	if (out != NULL)
		fclose(out);
	json_decref(doc);
	return 0;
}
