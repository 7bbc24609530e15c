#include "report.h"

#include "error.h"

#include <errno.h>
#include <string.h>

static int json_write(FILE *out, const json_t *doc)
{
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF)
		return xpv_error_set(XPV_EIO, "%s", errno ? strerror(errno) : "cannot write the JSON report");
	return 0;
}

const struct xpv_reporter xpv_reporter_json = { .name = "json", .write = json_write };
