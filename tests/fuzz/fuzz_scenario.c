/* libFuzzer target: any bytes as a scenario file and as a lab file. The
 * loaders must give a result or positioned diagnostics, never crash, hang
 * or grow without bound (size, nesting and alias bounds are theirs). */
#include "lab.h"
#include "scenario.h"
#include "secrets.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct xpv_scenario *sc = NULL;
	struct lab_config *lab = NULL;
	struct xpv_diags d = { 0 };
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/xpv-fuzz-scenario-%ld.yaml", (long)getpid());
	f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (xpv_scenario_load(&sc, &d, path, NULL, 0) == 0)
		xpv_scenario_free(sc);
	xpv_diags_clear(&d);
	if (lab_config_load(&lab, &d, path) == 0)
		lab_config_free(lab);
	xpv_diags_clear(&d);
	xpv_secrets_clear();
	unlink(path);
	return 0;
}
