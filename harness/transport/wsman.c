#include "wsman.h"

#include "error.h"
#include "util.h"

#include <libxml/parser.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

/* ---- building ------------------------------------------------------------ */

struct env {
	xmlDocPtr doc;
	xmlNsPtr s, a, w, p, n, x, rsp;
	xmlNodePtr header, body;
};

static xmlNodePtr text_child(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	/* xmlNewTextChild escapes the text */
	return xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
}

static void must_understand(xmlNodePtr n, struct env *e, const char *value)
{
	xmlNewNsProp(n, e->s, BAD_CAST "mustUnderstand", BAD_CAST value);
}

static void begin(struct env *e, const struct xpv_wsman_request *req)
{
	xmlNodePtr root, n;
	char buf[32];

	e->doc = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewNode(NULL, BAD_CAST "Envelope");
	xmlDocSetRootElement(e->doc, root);
	e->s = xmlNewNs(root, BAD_CAST XPV_NS_SOAP, BAD_CAST "s");
	e->a = xmlNewNs(root, BAD_CAST XPV_NS_ADDR, BAD_CAST "a");
	e->w = xmlNewNs(root, BAD_CAST XPV_NS_WSMAN, BAD_CAST "w");
	e->p = xmlNewNs(root, BAD_CAST XPV_NS_MSWSMAN, BAD_CAST "p");
	e->n = xmlNewNs(root, BAD_CAST XPV_NS_ENUM, BAD_CAST "n");
	e->x = xmlNewNs(root, BAD_CAST XPV_NS_TRANSFER, BAD_CAST "x");
	e->rsp = xmlNewNs(root, BAD_CAST XPV_NS_SHELL, BAD_CAST "rsp");
	xmlSetNs(root, e->s);
	e->header = xmlNewChild(root, e->s, BAD_CAST "Header", NULL);

	text_child(e->header, e->a, "To", req->to);
	n = xmlNewChild(e->header, e->a, BAD_CAST "ReplyTo", NULL);
	n = text_child(n, e->a, "Address", XPV_ANONYMOUS);
	must_understand(n, e, "true");
	snprintf(buf, sizeof(buf), "%ld", req->max_envelope_size > 0 ? req->max_envelope_size : 512000);
	must_understand(text_child(e->header, e->w, "MaxEnvelopeSize", buf), e, "true");
	text_child(e->header, e->a, "MessageID", req->message_id);
	n = xmlNewChild(e->header, e->w, BAD_CAST "Locale", NULL);
	xmlNodeSetLang(n, BAD_CAST "en-US");
	must_understand(n, e, "false");
	n = xmlNewChild(e->header, e->p, BAD_CAST "DataLocale", NULL);
	xmlNodeSetLang(n, BAD_CAST "en-US");
	must_understand(n, e, "false");
	snprintf(buf, sizeof(buf), "PT%ldS", req->operation_timeout_s > 0 ? req->operation_timeout_s : 20);
	text_child(e->header, e->w, "OperationTimeout", buf);
	must_understand(text_child(e->header, e->w, "ResourceURI", req->resource_uri), e, "true");
	must_understand(text_child(e->header, e->a, "Action", req->action), e, "true");
	if (req->n_selectors > 0) {
		xmlNodePtr set = xmlNewChild(e->header, e->w, BAD_CAST "SelectorSet", NULL);

		for (size_t i = 0; i < req->n_selectors; i++)
			xmlNewProp(text_child(set, e->w, "Selector", req->selectors[i].value), BAD_CAST "Name",
				   BAD_CAST req->selectors[i].name);
	}
	if (req->n_options > 0) {
		xmlNodePtr set = xmlNewChild(e->header, e->w, BAD_CAST "OptionSet", NULL);

		for (size_t i = 0; i < req->n_options; i++)
			xmlNewProp(text_child(set, e->w, "Option", req->options[i].value), BAD_CAST "Name",
				   BAD_CAST req->options[i].name);
	}
	e->body = xmlNewChild(root, e->s, BAD_CAST "Body", NULL);
}

static int finish(char **out, size_t *len, struct env *e)
{
	xmlChar *mem = NULL;
	int size = 0;

	xmlDocDumpMemoryEnc(e->doc, &mem, &size, "UTF-8");
	xmlFreeDoc(e->doc);
	if (mem == NULL)
		return xpv_error_set(XPV_ENOMEM, "cannot serialise a WS-Management request");
	*out = xpv_strdup((const char *)mem);
	*len = (size_t)size;
	xmlFree(mem);
	return 0;
}

int xpv_wsman_build_enumerate(char **out, size_t *len, const struct xpv_wsman_request *req, const char *wql,
			      long max_elements)
{
	struct env e;
	xmlNodePtr en, f;
	char buf[32];

	begin(&e, req);
	en = xmlNewChild(e.body, e.n, BAD_CAST "Enumerate", NULL);
	xmlNewChild(en, e.w, BAD_CAST "OptimizeEnumeration", NULL);
	snprintf(buf, sizeof(buf), "%ld", max_elements);
	text_child(en, e.w, "MaxElements", buf);
	f = text_child(en, e.w, "Filter", wql);
	xmlNewProp(f, BAD_CAST "Dialect", BAD_CAST XPV_DIALECT_WQL);
	return finish(out, len, &e);
}

int xpv_wsman_build_pull(char **out, size_t *len, const struct xpv_wsman_request *req, const char *context,
			 long max_elements)
{
	struct env e;
	xmlNodePtr p;
	char buf[32];

	begin(&e, req);
	p = xmlNewChild(e.body, e.n, BAD_CAST "Pull", NULL);
	text_child(p, e.n, "EnumerationContext", context);
	snprintf(buf, sizeof(buf), "%ld", max_elements);
	text_child(p, e.n, "MaxElements", buf);
	return finish(out, len, &e);
}

int xpv_wsman_build_shell_create(char **out, size_t *len, const struct xpv_wsman_request *req)
{
	struct env e;
	xmlNodePtr sh;

	begin(&e, req);
	sh = xmlNewChild(e.body, e.rsp, BAD_CAST "Shell", NULL);
	text_child(sh, e.rsp, "InputStreams", "stdin");
	text_child(sh, e.rsp, "OutputStreams", "stdout stderr");
	return finish(out, len, &e);
}

int xpv_wsman_build_command(char **out, size_t *len, const struct xpv_wsman_request *req, const char *command,
			    const char *const *args, size_t n_args)
{
	struct env e;
	xmlNodePtr cl;

	begin(&e, req);
	cl = xmlNewChild(e.body, e.rsp, BAD_CAST "CommandLine", NULL);
	text_child(cl, e.rsp, "Command", command);
	for (size_t i = 0; i < n_args; i++)
		text_child(cl, e.rsp, "Arguments", args[i]);
	return finish(out, len, &e);
}

int xpv_wsman_build_receive(char **out, size_t *len, const struct xpv_wsman_request *req, const char *command_id)
{
	struct env e;
	xmlNodePtr r, ds;

	begin(&e, req);
	r = xmlNewChild(e.body, e.rsp, BAD_CAST "Receive", NULL);
	xmlNewProp(r, BAD_CAST "SequenceId", BAD_CAST "0");
	ds = text_child(r, e.rsp, "DesiredStream", "stdout stderr");
	xmlNewProp(ds, BAD_CAST "CommandId", BAD_CAST command_id);
	return finish(out, len, &e);
}

int xpv_wsman_build_signal(char **out, size_t *len, const struct xpv_wsman_request *req, const char *command_id,
			   const char *code)
{
	struct env e;
	xmlNodePtr s;

	begin(&e, req);
	s = xmlNewChild(e.body, e.rsp, BAD_CAST "Signal", NULL);
	xmlNewProp(s, BAD_CAST "CommandId", BAD_CAST command_id);
	text_child(s, e.rsp, "Code", code);
	return finish(out, len, &e);
}

int xpv_wsman_build_empty(char **out, size_t *len, const struct xpv_wsman_request *req)
{
	struct env e;

	begin(&e, req);
	return finish(out, len, &e);
}

int xpv_wsman_build_invoke(char **out, size_t *len, const struct xpv_wsman_request *req, const char *class_uri,
			   const char *method, const struct xpv_kv *params, size_t n_params)
{
	struct env e;
	xmlNodePtr in;
	xmlNsPtr cls;
	char *name = xpv_asprintf("%s_INPUT", method);

	begin(&e, req);
	in = xmlNewChild(e.body, NULL, BAD_CAST name, NULL);
	cls = xmlNewNs(in, BAD_CAST class_uri, BAD_CAST "p");
	xmlSetNs(in, cls);
	for (size_t i = 0; i < n_params; i++)
		text_child(in, cls, params[i].name, params[i].value);
	free(name);
	return finish(out, len, &e);
}

char *xpv_wsman_message_id(void)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* never repeat an id even without the random source */
		uint64_t t = (uint64_t)xpv_now_us();
		static _Thread_local uint64_t counter;

		counter++;
		memcpy(b, &t, 8);
		memcpy(b + 8, &counter, 8);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return xpv_asprintf("uuid:%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0], b[1],
			    b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- reading ------------------------------------------------------------- */

bool xpv_xml_is(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr xpv_xml_child(const xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNodePtr c = parent ? parent->children : NULL; c != NULL; c = c->next)
		if (xpv_xml_is(c, ns, name))
			return c;
	return NULL;
}


xmlNodePtr xpv_xml_find(const xmlNode *root, const char *ns, const char *name)
{
	for (xmlNodePtr c = root ? root->children : NULL; c != NULL; c = c->next) {
		xmlNodePtr hit;

		if (xpv_xml_is(c, ns, name))
			return c;
		hit = xpv_xml_find(c, ns, name);
		if (hit != NULL)
			return hit;
	}
	return NULL;
}

char *xpv_xml_text(const xmlNode *n)
{
	xmlChar *c;
	char *s;

	if (n == NULL)
		return NULL;
	c = xmlNodeGetContent(n);
	s = xpv_strdup(c != NULL ? (const char *)c : "");
	xmlFree(c);
	return s;
}


/* Attribute without namespace (Name="...", CommandId="..."). */
static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	char *s = xpv_strdup((const char *)v);

	xmlFree(v);
	return s;
}

/* Trims surrounding whitespace in place. */
static char *trim(char *s)
{
	size_t len;
	char *p = s;

	if (s == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	memmove(s, p, strlen(p) + 1);
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		s[--len] = '\0';
	return s;
}

static void read_fault(struct xpv_wsman_fault *f, xmlNodePtr fault)
{
	xmlNodePtr code = xpv_xml_child(fault, XPV_NS_SOAP, "Code");
	xmlNodePtr sub = xpv_xml_child(xpv_xml_child(code, XPV_NS_SOAP, "Subcode"), XPV_NS_SOAP, "Value");
	xmlNodePtr reason = xpv_xml_child(xpv_xml_child(fault, XPV_NS_SOAP, "Reason"), XPV_NS_SOAP, "Text");
	xmlNodePtr wf = xpv_xml_find(xpv_xml_child(fault, XPV_NS_SOAP, "Detail"), XPV_NS_FAULT, "WSManFault");
	char *sv = trim(xpv_xml_text(sub)), *colon;

	if (sv != NULL && (colon = strrchr(sv, ':')) != NULL)
		memmove(sv, colon + 1, strlen(colon));
	f->subcode = sv;
	f->reason = trim(xpv_xml_text(reason));
	if (wf != NULL) {
		char *c = attr(wf, "Code");

		f->code = c != NULL ? strtoul(c, NULL, 10) : 0;
		free(c);
		f->machine = attr(wf, "Machine");
		f->message = trim(xpv_xml_text(xpv_xml_child(wf, XPV_NS_FAULT, "Message")));
	}
}

int xpv_wsman_parse(struct xpv_wsman_reply *out, const char *data, size_t len)
{
	xmlNodePtr root, header, fault;

	memset(out, 0, sizeof(*out));
	if (len > (size_t)INT32_MAX)
		return xpv_error_set(XPV_ETOOBIG, "answer too large to parse");
	/* no network, no entity substitution, no DTD loading */
	out->doc = xmlReadMemory(data, (int)len, "reply.xml", NULL,
				 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (out->doc == NULL) {
		const xmlError *e = xmlGetLastError();
		char *why = trim(xpv_strdup(e != NULL && e->message != NULL ? e->message : "unreadable"));
		int rc = xpv_error_set(XPV_EPROTO, "malformed XML: %s", why);

		free(why);
		return rc;
	}
	if (out->doc->intSubset != NULL) {
		xpv_wsman_reply_clear(out);
		return xpv_error_set(XPV_EPROTO, "malformed answer: a SOAP message must not carry a DTD");
	}
	root = xmlDocGetRootElement(out->doc);
	if (!xpv_xml_is(root, XPV_NS_SOAP, "Envelope")) {
		xpv_wsman_reply_clear(out);
		return xpv_error_set(XPV_EPROTO, "malformed answer: not a SOAP 1.2 envelope");
	}
	out->body = xpv_xml_child(root, XPV_NS_SOAP, "Body");
	if (out->body == NULL) {
		xpv_wsman_reply_clear(out);
		return xpv_error_set(XPV_EPROTO, "malformed answer: SOAP envelope without a body");
	}
	header = xpv_xml_child(root, XPV_NS_SOAP, "Header");
	out->action = trim(xpv_xml_text(xpv_xml_child(header, XPV_NS_ADDR, "Action")));
	out->relates_to = trim(xpv_xml_text(xpv_xml_child(header, XPV_NS_ADDR, "RelatesTo")));
	fault = xpv_xml_child(out->body, XPV_NS_SOAP, "Fault");
	if (fault != NULL) {
		out->is_fault = true;
		read_fault(&out->fault, fault);
	}
	return 0;
}

void xpv_wsman_fault_clear(struct xpv_wsman_fault *f)
{
	free(f->subcode);
	free(f->reason);
	free(f->message);
	free(f->machine);
	memset(f, 0, sizeof(*f));
}

void xpv_wsman_reply_clear(struct xpv_wsman_reply *r)
{
	if (r->doc != NULL)
		xmlFreeDoc(r->doc);
	free(r->action);
	free(r->relates_to);
	xpv_wsman_fault_clear(&r->fault);
	memset(r, 0, sizeof(*r));
}

char *xpv_wsman_fault_text(const struct xpv_wsman_fault *f)
{
	const char *msg = f->message != NULL && f->message[0] ? f->message
			  : f->reason != NULL			? f->reason
								: "no message";

	if (f->code != 0)
		return xpv_asprintf("%lu %s: %s", f->code, f->subcode ? f->subcode : "Fault", msg);
	return xpv_asprintf("%s: %s", f->subcode ? f->subcode : "Fault", msg);
}

/* Adds property `name` = `value` (json) to `row`; a repeated name becomes
 * an array, in document order. */
static void add_prop(json_t *row, const char *name, json_t *value)
{
	json_t *prev = json_object_get(row, name);

	if (prev == NULL) {
		json_object_set_new(row, name, value);
	} else if (json_is_array(prev)) {
		json_array_append_new(prev, value);
	} else {
		json_t *arr = json_array();

		json_array_append(arr, prev);
		json_array_append_new(arr, value);
		json_object_set_new(row, name, arr);
	}
}

static bool is_nil(const xmlNode *n)
{
	xmlChar *v = xmlGetNsProp(n, BAD_CAST "nil", BAD_CAST XPV_NS_XSI);
	bool nil = v != NULL && (strcmp((const char *)v, "true") == 0 || strcmp((const char *)v, "1") == 0);

	xmlFree(v);
	return nil;
}

static json_t *item_row(const xmlNode *item)
{
	json_t *row = json_object();

	for (xmlNodePtr p = item->children; p != NULL; p = p->next) {
		char *text;
		json_t *v;

		if (p->type != XML_ELEMENT_NODE)
			continue;
		if (is_nil(p)) {
			add_prop(row, (const char *)p->name, json_null());
			continue;
		}
		text = xpv_xml_text(p);
		v = json_string(text);
		free(text);
		/* a value that is not UTF-8 cannot come out of libxml2; keep the row whole */
		add_prop(row, (const char *)p->name, v != NULL ? v : json_null());
	}
	return row;
}

int xpv_wsman_parse_enumeration(json_t *rows, char **context, bool *end, const struct xpv_wsman_reply *r)
{
	xmlNodePtr resp = xpv_xml_child(r->body, XPV_NS_ENUM, "EnumerateResponse");
	xmlNodePtr items, ctx;

	*context = NULL;
	*end = false;
	if (resp == NULL)
		resp = xpv_xml_child(r->body, XPV_NS_ENUM, "PullResponse");
	if (resp == NULL)
		return xpv_error_set(XPV_EPROTO, "malformed answer: no EnumerateResponse or PullResponse (action %s)",
				     r->action ? r->action : "none");
	/* Windows: EnumerateResponse has w:Items and w:EndOfSequence, PullResponse
	 * n:Items and n:EndOfSequence; accept either in both */
	items = xpv_xml_child(resp, XPV_NS_WSMAN, "Items");
	if (items == NULL)
		items = xpv_xml_child(resp, XPV_NS_ENUM, "Items");
	*end = xpv_xml_child(resp, XPV_NS_WSMAN, "EndOfSequence") != NULL || xpv_xml_child(resp, XPV_NS_ENUM, "EndOfSequence") != NULL;
	ctx = xpv_xml_child(resp, XPV_NS_ENUM, "EnumerationContext");
	if (ctx != NULL) {
		char *c = trim(xpv_xml_text(ctx));

		if (c[0] == '\0')
			free(c);
		else
			*context = c;
	}
	for (xmlNodePtr it = items ? items->children : NULL; it != NULL; it = it->next)
		if (it->type == XML_ELEMENT_NODE)
			json_array_append_new(rows, item_row(it));
	if (!*end && *context == NULL)
		return xpv_error_set(XPV_EPROTO, "malformed answer: enumeration neither ended nor gave a context");
	return 0;
}

int xpv_wsman_parse_shell_id(char **shell_id, const struct xpv_wsman_reply *r)
{
	xmlNodePtr created = xpv_xml_child(r->body, XPV_NS_TRANSFER, "ResourceCreated");
	xmlNodePtr set = created ? xpv_xml_find(created, XPV_NS_WSMAN, "SelectorSet") : NULL;

	*shell_id = NULL;
	for (xmlNodePtr s = set ? set->children : NULL; s != NULL; s = s->next) {
		char *name;

		if (!xpv_xml_is(s, XPV_NS_WSMAN, "Selector"))
			continue;
		name = attr(s, "Name");
		if (name != NULL && strcmp(name, "ShellId") == 0)
			*shell_id = trim(xpv_xml_text(s));
		free(name);
		if (*shell_id != NULL)
			break;
	}
	if (*shell_id == NULL) /* some servers answer with the shell itself */
		*shell_id = trim(xpv_xml_text(xpv_xml_find(r->body, XPV_NS_SHELL, "ShellId")));
	if (*shell_id == NULL || (*shell_id)[0] == '\0') {
		free(*shell_id);
		*shell_id = NULL;
		return xpv_error_set(XPV_EPROTO, "malformed answer: shell created without a ShellId");
	}
	return 0;
}

int xpv_wsman_parse_command_id(char **command_id, const struct xpv_wsman_reply *r)
{
	*command_id = trim(xpv_xml_text(xpv_xml_find(r->body, XPV_NS_SHELL, "CommandId")));
	if (*command_id == NULL || (*command_id)[0] == '\0') {
		free(*command_id);
		*command_id = NULL;
		return xpv_error_set(XPV_EPROTO, "malformed answer: command started without a CommandId");
	}
	return 0;
}

/* Appends the base64 `text` decoded to `*buf`. */
static int append_b64(char **buf, size_t *len, const char *text)
{
	unsigned char *bytes;
	size_t n;

	if (xpv_b64_decode(&bytes, &n, text) < 0) {
		*buf = xpv_realloc(*buf, *len + 1);
		(*buf)[*len] = '\0';
		return xpv_error_set(XPV_EPROTO, "malformed answer: output stream is not base64");
	}
	*buf = xpv_realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, bytes, n);
	*len += n;
	(*buf)[*len] = '\0';
	free(bytes);
	return 0;
}

int xpv_wsman_parse_receive(struct xpv_shell_output *out, const struct xpv_wsman_reply *r, const char *command_id)
{
	xmlNodePtr resp = xpv_xml_child(r->body, XPV_NS_SHELL, "ReceiveResponse");

	if (out->out == NULL)
		out->out = xpv_calloc(1, 1);
	if (out->err == NULL)
		out->err = xpv_calloc(1, 1);
	if (resp == NULL)
		return xpv_error_set(XPV_EPROTO, "malformed answer: no ReceiveResponse (action %s)",
				     r->action ? r->action : "none");
	for (xmlNodePtr c = resp->children; c != NULL; c = c->next) {
		char *id, *name, *text;
		int rc = 0;

		if (c->type != XML_ELEMENT_NODE || c->ns == NULL || strcmp((const char *)c->ns->href, XPV_NS_SHELL) != 0)
			continue;
		id = attr(c, "CommandId");
		if (id != NULL && command_id != NULL && strcasecmp(id, command_id) != 0) {
			free(id);
			continue;
		}
		free(id);
		if (strcmp((const char *)c->name, "Stream") == 0) {
			name = attr(c, "Name");
			text = trim(xpv_xml_text(c));
			if (name != NULL && strcmp(name, "stdout") == 0)
				rc = append_b64(&out->out, &out->out_len, text);
			else if (name != NULL && strcmp(name, "stderr") == 0)
				rc = append_b64(&out->err, &out->err_len, text);
			free(name);
			free(text);
			if (rc < 0)
				return rc;
		} else if (strcmp((const char *)c->name, "CommandState") == 0) {
			char *state = attr(c, "State");
			xmlNodePtr ec = xpv_xml_child(c, XPV_NS_SHELL, "ExitCode");

			if (state != NULL && strcmp(state, XPV_STATE_DONE) == 0) {
				out->done = true;
				out->exit_code = -1;
				if (ec != NULL) {
					char *t = trim(xpv_xml_text(ec)), *end;
					long v = strtol(t, &end, 10);

					if (end != t && *end == '\0')
						out->exit_code = v;
					free(t);
				}
			}
			free(state);
		}
	}
	return 0;
}

void xpv_shell_output_clear(struct xpv_shell_output *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}

int xpv_wsman_parse_invoke(json_t **out, const struct xpv_wsman_reply *r, const char *method)
{
	char *name = xpv_asprintf("%s_OUTPUT", method);
	xmlNodePtr o = NULL;

	*out = NULL;
	for (xmlNodePtr c = r->body->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			o = c;
	free(name);
	if (o == NULL)
		return xpv_error_set(XPV_EPROTO, "malformed answer: no %s_OUTPUT in the reply to %s", method, method);
	*out = item_row(o);
	return 0;
}

char *xpv_wql_quote(const char *value)
{
	size_t n = strlen(value);
	char *out = xpv_calloc(2 * n + 3, 1), *o = out;

	*o++ = '\'';
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '\'')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}
