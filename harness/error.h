/* Harness error codes: what went wrong in xpverify itself (bad input, I/O,
 * memory, transport). Never mixed with verdicts, which say what the cluster
 * did. The enum is append-only: codes are numbered and never reused. */
#ifndef XPV_ERROR_H
#define XPV_ERROR_H

enum xpv_err {
	XPV_OK = 0,
	XPV_ENOMEM = -1,     /* out of memory */
	XPV_EIO = -2,        /* file or stream I/O failed */
	XPV_EINVAL = -3,     /* invalid argument */
	XPV_ESCENARIO = -4,  /* scenario file invalid */
	XPV_ESECRET = -5,    /* a secret could not be resolved */
	XPV_EREPORT = -6,    /* a report could not be produced */
	XPV_ECANCELLED = -7, /* the run was aborted */
	XPV_ETIMEOUT = -8,   /* a deadline passed */
	XPV_ECHECK = -9,     /* a check failed to evaluate */
	XPV_EUSAGE = -10,    /* bad command-line invocation */
	XPV_ECONNECT = -11,  /* connection refused or host unreachable */
	XPV_EDNS = -12,      /* host name did not resolve */
	XPV_ETLS = -13,      /* TLS handshake or certificate verification failed */
	XPV_EAUTH = -14,     /* the server refused the credentials (HTTP 401) */
	XPV_ETOOBIG = -15,   /* request or response over the size limit */
	XPV_EHTTP = -16,     /* unexpected HTTP status */
	XPV_EFAULT = -17,    /* the server answered with a SOAP fault */
	XPV_EPROTO = -18,    /* malformed or unexpected answer */
	XPV_EDB = -19,       /* the database (ODBC) refused or failed */
	XPV_ERR_LAST = -19   /* keep equal to the last code: tests walk the range */
};

/* Returns a static, lowercase description of `code`; never NULL. */
const char *xpv_strerror(int code);

/* Sets the calling thread's last-error message (printf format) and returns
 * `code`, so callers can write `return xpv_error_set(XPV_EIO, ...)`. */
int xpv_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last-error message, or the strerror of its last code
 * when none was set. Valid until the next xpv_error_set on this thread. */
const char *xpv_error_last(void);

/* Forgets the calling thread's last error. */
void xpv_error_clear(void);

#endif
