/* libFuzzer target: any bytes as what the safekit command prints on a
 * node: `safekit get -r RES` (its value), `safekit module list` (the
 * module names) and `safekit cluster confinfo` (the nodes), as the SafeKit
 * topology and discover read them. */
#include "safekit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *first = NULL, *v;

	memcpy(text, data, size);
	text[size] = '\0';
	v = xpv_safekit_value(text);
	if (strlen(v) > size)
		abort();
	free(v);
	/* a module named is never empty */
	if (xpv_safekit_modules(text, &first) > 0 && (first == NULL || first[0] == '\0'))
		abort();
	if (first != NULL)
		(void)xpv_safekit_name_ok(first);
	free(first);
	{
		char *names[2] = { NULL, NULL };
		size_t rows = xpv_safekit_confinfo_nodes(text, names, 2);

		for (size_t i = 0; i < 2; i++) {
			if ((i < rows) != (names[i] != NULL) || (names[i] != NULL && names[i][0] == '\0'))
				abort();
			free(names[i]);
		}
	}
	free(text);
	return 0;
}
