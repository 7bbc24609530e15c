#include "helpers.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256];

const char *th_tmpdir(void)
{
	if (dir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/xpv-unit-XXXXXX", base ? base : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	return dir;
}

char *th_write(const char *name, const char *content)
{
	char *path = xpv_asprintf("%s/%s", th_tmpdir(), name);
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		abort();
	fputs(content, f);
	fclose(f);
	return path;
}

char *th_read(const char *path)
{
	char *buf = NULL;

	if (xpv_read_file(&buf, NULL, path, 64 * 1024 * 1024) < 0)
		return NULL;
	return buf;
}

bool th_contains(const char *hay, size_t hay_len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n <= hay_len && i <= hay_len - n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}
