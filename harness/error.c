#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_msg[1024];
static _Thread_local int last_code;

const char *xpv_strerror(int code)
{
	switch ((enum xpv_err)code) {
	case XPV_OK: return "no error";
	case XPV_ENOMEM: return "out of memory";
	case XPV_EIO: return "input/output error";
	case XPV_EINVAL: return "invalid argument";
	case XPV_ESCENARIO: return "invalid scenario";
	case XPV_ESECRET: return "secret could not be resolved";
	case XPV_EREPORT: return "report could not be written";
	case XPV_ECANCELLED: return "run aborted";
	case XPV_ETIMEOUT: return "deadline exceeded";
	case XPV_ECHECK: return "check could not be evaluated";
	case XPV_EUSAGE: return "bad invocation";
	case XPV_ECONNECT: return "connection failed";
	case XPV_EDNS: return "host name not resolved";
	case XPV_ETLS: return "tls failure";
	case XPV_EAUTH: return "authentication refused";
	case XPV_ETOOBIG: return "message too large";
	case XPV_EHTTP: return "unexpected http status";
	case XPV_EFAULT: return "ws-management fault";
	case XPV_EPROTO: return "malformed answer";
	case XPV_EDB: return "database error";
	}
	return "unknown error";
}

int xpv_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	last_code = code;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *xpv_error_last(void)
{
	if (last_msg[0] != '\0')
		return last_msg;
	return xpv_strerror(last_code);
}

void xpv_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = XPV_OK;
}
