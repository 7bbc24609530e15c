/* Secrets: resolution from environment variables and files, and redaction.
 * Every secret value the harness learns is registered here; every string
 * that leaves the process (log lines, report text) passes through
 * xpv_redact first, so a secret echoed by a server or a check is hidden. */
#ifndef XPV_SECRETS_H
#define XPV_SECRETS_H

/* Registers `value` (copied) for redaction, with every form it takes on
 * the wire and in our outputs: URL-encoded (%20 and + for spaces), JSON-
 * escaped (UTF-8 and \\uXXXX), XML-escaped, base64. Empty values are ignored. */
void xpv_secret_register(const char *value);

/* Registers the HTTP Basic form of a credential: base64 of "user:password". */
void xpv_secret_register_basic(const char *user, const char *password);

/* Returns a new string equal to `text` with every registered secret replaced
 * by "[REDACTED]". NULL gives NULL. */
char *xpv_redact(const char *text);

/* Forgets (and wipes) every registered secret. */
void xpv_secrets_clear(void);

/* Reads the secret held in environment variable `var` into `*out`
 * (registered). Returns XPV_ESECRET with a message when unset or empty. */
int xpv_secret_from_env(char **out, const char *var);

/* Reads the secret held in file `path` (one trailing newline removed) into
 * `*out` (registered). Returns XPV_ESECRET when unreadable or empty. */
int xpv_secret_from_file(char **out, const char *path);

/* Wipes and frees a secret string. */
void xpv_secret_free(char *value);

#endif
