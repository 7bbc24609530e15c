/* libFuzzer target: any bytes as an evidence archive handed to
 * `evidence verify`, and as the manifest of an evidence directory. The
 * reader must answer intact, altered or unusable, never crash, hang, write
 * outside its temporary directory or leave it behind. */
#include "report_evidence.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f != NULL) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
}

static char dir[64], archive[80], manifest[96];

static void cleanup(void)
{
	unlink(archive);
	unlink(manifest);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *devnull = fopen("/dev/null", "w");

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/xpv-fuzz-evidence-%ld", (long)getpid());
		snprintf(archive, sizeof(archive), "%s.tar.gz", dir);
		snprintf(manifest, sizeof(manifest), "%s/MANIFEST.sha256", dir);
		mkdir(dir, 0700);
		atexit(cleanup);
	}
	put(archive, data, size);
	xpv_evidence_verify(archive, NULL, devnull);
	put(manifest, data, size);
	xpv_evidence_verify(dir, NULL, devnull);
	unlink(archive);
	unlink(manifest);
	fclose(devnull);
	return 0;
}
