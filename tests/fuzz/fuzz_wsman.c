/* libFuzzer target: any bytes as a WinRM answer. Parsing and every reader
 * must return an error or a result, never crash, hang or leak. */
#include "wsman.h"

#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xpv_wsman_reply r;
	struct xpv_shell_output out = { 0 };
	json_t *rows = json_array(), *o = NULL;
	char *s = NULL;
	bool end;

	xmlSetGenericErrorFunc(NULL, quiet);
	if (xpv_wsman_parse(&r, (const char *)data, size) == 0) {
		char *t = xpv_wsman_fault_text(&r.fault);

		free(t);
		xpv_wsman_parse_enumeration(rows, &s, &end, &r);
		free(s);
		s = NULL;
		xpv_wsman_parse_shell_id(&s, &r);
		free(s);
		s = NULL;
		xpv_wsman_parse_command_id(&s, &r);
		free(s);
		xpv_wsman_parse_receive(&out, &r, "0DA15A6E-0960-43FF-B54A-91A1A9D36131");
		xpv_wsman_parse_invoke(&o, &r, "MoveToNewNode");
		json_decref(o);
		xpv_shell_output_clear(&out);
		xpv_wsman_reply_clear(&r);
	}
	json_decref(rows);
	return 0;
}
