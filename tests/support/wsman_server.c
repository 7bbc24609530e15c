#include "wsman_server.h"

#include "lab.h"
#include "util.h"
#include "wsman.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_QUEUE 64
#define MAX_REQUESTS 256

struct ts {
	struct MHD_Daemon *d;
	char *user, *pass;
	pthread_mutex_t lock;
	struct ts_reply queue[MAX_QUEUE];
	size_t n_queue, next;
	struct ts_request reqs[MAX_REQUESTS];
	size_t n_reqs;
	int port;
};

static char *pairs(xmlNodePtr set, const char *el)
{
	char *out = xpv_strdup("");

	for (xmlNodePtr c = set ? set->children : NULL; c != NULL; c = c->next) {
		xmlChar *name;
		char *val, *next;

		if (c->type != XML_ELEMENT_NODE || strcmp((char *)c->name, el) != 0)
			continue;
		name = xmlGetNoNsProp(c, BAD_CAST "Name");
		val = xpv_xml_text(c);
		next = xpv_asprintf("%s%s=%s;", out, name ? (char *)name : "", val);
		free(out);
		out = next;
		xmlFree(name);
		free(val);
	}
	return out;
}

static void record(struct ts_request *r, const char *body, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(body, (int)len, "req.xml", NULL, XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	r->body = strndup(body, len);
	r->action = xpv_xml_text(xpv_xml_find(root, XPV_NS_ADDR, "Action"));
	r->resource_uri = xpv_xml_text(xpv_xml_find(root, XPV_NS_WSMAN, "ResourceURI"));
	r->message_id = xpv_xml_text(xpv_xml_find(root, XPV_NS_ADDR, "MessageID"));
	r->selectors = pairs(xpv_xml_find(root, XPV_NS_WSMAN, "SelectorSet"), "Selector");
	r->options = pairs(xpv_xml_find(root, XPV_NS_WSMAN, "OptionSet"), "Option");
	if (doc != NULL)
		xmlFreeDoc(doc);
}

/* The canned answer with RelatesTo set to `message_id`. */
static char *canned(const char *file, const char *message_id, size_t *len)
{
	char *path = xpv_asprintf("%s/wsman/%s", XPV_TEST_DATA, file);
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlNodePtr rel;
	xmlChar *mem = NULL;
	int size = 0;
	char *out;

	free(path);
	if (doc == NULL)
		abort();
	rel = xpv_xml_find(xmlDocGetRootElement(doc), XPV_NS_ADDR, "RelatesTo");
	if (rel != NULL)
		xmlNodeSetContent(rel, BAD_CAST message_id);
	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	out = strndup((char *)mem, (size_t)size);
	*len = (size_t)size;
	xmlFree(mem);
	xmlFreeDoc(doc);
	return out;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct ts *ts = cls;
	struct lab_upload *up = *con_cls;
	struct ts_reply reply = { .status = 500, .raw = "queue empty" };
	struct ts_request *r = NULL;
	struct MHD_Response *resp;
	char *user, *pass = NULL, *body;
	size_t len;
	bool authed;
	enum MHD_Result ret;

	(void)url;
	(void)version;
	if (up == NULL) {
		*con_cls = xpv_calloc(1, sizeof(*up));
		return MHD_YES;
	}
	if (*upload_size > 0) {
		lab_upload_add(up, upload_data, *upload_size, 1u << 24);
		*upload_size = 0;
		return MHD_YES;
	}
	user = MHD_basic_auth_get_username_password(c, &pass);
	authed = user && pass && strcmp(user, ts->user) == 0 && strcmp(pass, ts->pass) == 0;
	MHD_free(user);
	MHD_free(pass);
	pthread_mutex_lock(&ts->lock);
	if (ts->n_reqs < MAX_REQUESTS) {
		const char *h;

		r = &ts->reqs[ts->n_reqs++];
		record(r, up->data ? up->data : "", up->len);
		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		r->authorization = xpv_strdup(h);
		h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		r->content_type = xpv_strdup(h);
	}
	if (authed && ts->next < ts->n_queue)
		reply = ts->queue[ts->next++];
	pthread_mutex_unlock(&ts->lock);
	if (strcmp(method, "POST") != 0) {
		reply = (struct ts_reply){ .status = 405, .raw = "" };
	} else if (!authed) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, "WWW-Authenticate", "Negotiate");
		MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"WSMAN\"");
		ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (reply.delay_ms > 0) {
		struct timespec ts_ = { reply.delay_ms / 1000, (reply.delay_ms % 1000) * 1000000L };

		nanosleep(&ts_, NULL);
	}
	if (reply.file != NULL) {
		body = canned(reply.file, r ? r->message_id : "", &len);
	} else {
		body = xpv_strdup(reply.raw ? reply.raw : "");
		len = strlen(body);
	}
	if (reply.pad_bytes > 0) {
		body = xpv_realloc(body, len + reply.pad_bytes + 1);
		memset(body + len, ' ', reply.pad_bytes);
		len += reply.pad_bytes;
	}
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/soap+xml;charset=UTF-8");
	ret = MHD_queue_response(c, (unsigned)(reply.status ? reply.status : 200), resp);
	MHD_destroy_response(resp);
	return ret;
}

struct ts *ts_start(const struct xpv_pem *cert, const char *user, const char *pass)
{
	struct ts *ts = xpv_calloc(1, sizeof(*ts));
	const union MHD_DaemonInfo *info;

	ts->user = xpv_strdup(user);
	ts->pass = xpv_strdup(pass);
	pthread_mutex_init(&ts->lock, NULL);
	/* the lab's listener, on a free port */
	ts->d = lab_https_listen("127.0.0.1", 0, cert, answer, ts, lab_upload_done);
	if (ts->d == NULL)
		abort();
	info = MHD_get_daemon_info(ts->d, MHD_DAEMON_INFO_BIND_PORT);
	ts->port = info->port;
	return ts;
}

void ts_push(struct ts *ts, const struct ts_reply *reply)
{
	pthread_mutex_lock(&ts->lock);
	if (ts->n_queue < MAX_QUEUE)
		ts->queue[ts->n_queue++] = *reply;
	pthread_mutex_unlock(&ts->lock);
}

int ts_port(const struct ts *ts)
{
	return ts->port;
}

size_t ts_count(struct ts *ts)
{
	size_t n;

	pthread_mutex_lock(&ts->lock);
	n = ts->n_reqs;
	pthread_mutex_unlock(&ts->lock);
	return n;
}

const struct ts_request *ts_request(struct ts *ts, size_t i)
{
	return i < ts_count(ts) ? &ts->reqs[i] : NULL;
}

void ts_stop(struct ts *ts)
{
	MHD_stop_daemon(ts->d);
	for (size_t i = 0; i < ts->n_reqs; i++) {
		struct ts_request *r = &ts->reqs[i];

		free(r->action);
		free(r->resource_uri);
		free(r->message_id);
		free(r->selectors);
		free(r->options);
		free(r->authorization);
		free(r->content_type);
		free(r->body);
	}
	pthread_mutex_destroy(&ts->lock);
	free(ts->user);
	free(ts->pass);
	free(ts);
}
