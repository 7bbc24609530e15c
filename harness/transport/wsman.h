/* WS-Management messages: building request envelopes and reading replies.
 * No I/O here: the session (winrm.h) moves the bytes. Replies are read by
 * namespace URI and local name, never by prefix; attribute order and
 * prefixes vary between servers (see wire-formats.md). */
#ifndef XPV_WSMAN_H
#define XPV_WSMAN_H

#include "results.h"

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#define XPV_NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define XPV_NS_ADDR "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define XPV_NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define XPV_NS_MSWSMAN "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
#define XPV_NS_ENUM "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define XPV_NS_TRANSFER "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define XPV_NS_SHELL "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define XPV_NS_FAULT "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
#define XPV_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

#define XPV_ANONYMOUS XPV_NS_ADDR "/role/anonymous"
#define XPV_URI_SHELL_CMD "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
#define XPV_URI_WMI "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
#define XPV_DIALECT_WQL "http://schemas.microsoft.com/wbem/wsman/1/WQL"

#define XPV_ACTION_ENUMERATE XPV_NS_ENUM "/Enumerate"
#define XPV_ACTION_PULL XPV_NS_ENUM "/Pull"
#define XPV_ACTION_CREATE XPV_NS_TRANSFER "/Create"
#define XPV_ACTION_DELETE XPV_NS_TRANSFER "/Delete"
#define XPV_ACTION_COMMAND XPV_NS_SHELL "/Command"
#define XPV_ACTION_RECEIVE XPV_NS_SHELL "/Receive"
#define XPV_ACTION_SIGNAL XPV_NS_SHELL "/Signal"
#define XPV_SIGNAL_TERMINATE XPV_NS_SHELL "/signal/terminate"
#define XPV_STATE_DONE XPV_NS_SHELL "/CommandState/Done"

/* WS-Management fault codes (f:WSManFault@Code) this client acts on. */
#define XPV_WSMAN_TIMED_OUT 2150858793UL

/* The header every request carries. */
struct xpv_wsman_request {
	const char *to;            /* endpoint URL, e.g. https://host:5986/wsman */
	const char *action;
	const char *resource_uri;
	const char *message_id;    /* "uuid:..." */
	long operation_timeout_s;  /* w:OperationTimeout */
	long max_envelope_size;    /* w:MaxEnvelopeSize */
	const struct xpv_kv *selectors; /* w:SelectorSet */
	size_t n_selectors;
	const struct xpv_kv *options;   /* w:OptionSet */
	size_t n_options;
};

/* Builders: each returns 0 and a new UTF-8 envelope in `*out` (free()), or a
 * negative xpv_err. Every value is escaped by libxml2. */
int xpv_wsman_build_enumerate(char **out, size_t *len, const struct xpv_wsman_request *req,
			      const char *wql, long max_elements);
int xpv_wsman_build_pull(char **out, size_t *len, const struct xpv_wsman_request *req,
			 const char *context, long max_elements);
int xpv_wsman_build_shell_create(char **out, size_t *len, const struct xpv_wsman_request *req);
int xpv_wsman_build_command(char **out, size_t *len, const struct xpv_wsman_request *req,
			    const char *command, const char *const *args, size_t n_args);
int xpv_wsman_build_receive(char **out, size_t *len, const struct xpv_wsman_request *req,
			    const char *command_id);
int xpv_wsman_build_signal(char **out, size_t *len, const struct xpv_wsman_request *req,
			   const char *command_id, const char *code);
int xpv_wsman_build_empty(char **out, size_t *len, const struct xpv_wsman_request *req);
/* `method` of class `class_uri` with input parameters (name -> text). */
int xpv_wsman_build_invoke(char **out, size_t *len, const struct xpv_wsman_request *req,
			   const char *class_uri, const char *method, const struct xpv_kv *params,
			   size_t n_params);

/* A new "uuid:XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX" (random, version 4). */
char *xpv_wsman_message_id(void);

struct xpv_wsman_fault {
	unsigned long code;  /* f:WSManFault@Code, 0 when absent */
	char *subcode;       /* local part of the SOAP subcode, e.g. "TimedOut" */
	char *reason;        /* s:Reason/s:Text */
	char *message;       /* f:Message */
	char *machine;       /* f:WSManFault@Machine */
};

/* A parsed reply. */
struct xpv_wsman_reply {
	xmlDocPtr doc;
	char *action;       /* a:Action */
	char *relates_to;   /* a:RelatesTo */
	xmlNodePtr body;    /* s:Body */
	bool is_fault;
	struct xpv_wsman_fault fault;
};

/* Parses a SOAP envelope. Refuses DTDs and anything not a SOAP 1.2
 * envelope with a body: XPV_EPROTO with the last-error message set. */
int xpv_wsman_parse(struct xpv_wsman_reply *out, const char *data, size_t len);

void xpv_wsman_reply_clear(struct xpv_wsman_reply *r);
void xpv_wsman_fault_clear(struct xpv_wsman_fault *f);

/* "2150858778 CannotProcessFilter: The specified class does not exist ..."
 * (new string). */
char *xpv_wsman_fault_text(const struct xpv_wsman_fault *f);

/* Reads an EnumerateResponse or PullResponse: appends one JSON object per
 * item to `rows` (property -> string, null for xsi:nil, array when the
 * element repeats), sets `*context` (NULL when none or empty) and `*end`
 * (EndOfSequence in either namespace). */
int xpv_wsman_parse_enumeration(json_t *rows, char **context, bool *end, const struct xpv_wsman_reply *r);

/* The ShellId of a CreateResponse. */
int xpv_wsman_parse_shell_id(char **shell_id, const struct xpv_wsman_reply *r);

/* The CommandId of a CommandResponse. */
int xpv_wsman_parse_command_id(char **command_id, const struct xpv_wsman_reply *r);

/* Output gathered across Receive replies. */
struct xpv_shell_output {
	char *out;      /* stdout bytes, NUL-terminated */
	size_t out_len;
	char *err;      /* stderr bytes, NUL-terminated */
	size_t err_len;
	bool done;
	long exit_code; /* valid when done; -1 when the server gave none */
};

/* Appends the decoded streams of a ReceiveResponse for `command_id` (each
 * rsp:Stream is independent base64) and notes CommandState. */
int xpv_wsman_parse_receive(struct xpv_shell_output *out, const struct xpv_wsman_reply *r,
			    const char *command_id);

void xpv_shell_output_clear(struct xpv_shell_output *o);

/* Reads `method`_OUTPUT of an Invoke reply into a JSON object (parameter ->
 * string or null); ReturnValue included. */
int xpv_wsman_parse_invoke(json_t **out, const struct xpv_wsman_reply *r, const char *method);

/* Helpers for reading WS-Management XML by namespace URI and local name,
 * for the lab's listener too. */

/* True when `n` is an element named `name` in namespace `ns`. */
bool xpv_xml_is(const xmlNode *n, const char *ns, const char *name);

/* The first element child of `parent` in `ns` named `name`, or NULL. */
xmlNodePtr xpv_xml_child(const xmlNode *parent, const char *ns, const char *name);

/* The first element named `name` in `ns` anywhere below `root`, or NULL. */
xmlNodePtr xpv_xml_find(const xmlNode *root, const char *ns, const char *name);

/* The text content of `n` (new string), or NULL when `n` is NULL. */
char *xpv_xml_text(const xmlNode *n);

/* Quotes `value` as a WQL string literal: 'value', with \ and ' escaped by
 * a backslash, so a value from a scenario cannot change the query. */
char *xpv_wql_quote(const char *value);

#endif
