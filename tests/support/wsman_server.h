/* A scripted WS-Management server for the WinRM client's integration test:
 * HTTPS on 127.0.0.1 (libmicrohttpd), Basic auth, a queue of canned
 * answers, and a record of every request the client sent. */
#ifndef XPV_WSMAN_SERVER_H
#define XPV_WSMAN_SERVER_H

#include "lab_cert.h"

#include <stddef.h>

struct ts_reply {
	int status;          /* HTTP status; 200 when 0 */
	const char *file;    /* canned answer in tests/data/wsman; RelatesTo is set to the request's MessageID */
	const char *raw;     /* or a body sent as is */
	int delay_ms;        /* wait before answering */
	size_t pad_bytes;    /* append this many spaces to the body */
};

struct ts_request {
	char *action, *resource_uri, *message_id;
	char *selectors;     /* "Name=Value;" pairs */
	char *options;
	char *authorization; /* the raw header */
	char *content_type;
	char *body;
};

struct ts;

/* Starts a server with `cert` (PEM cert+key) accepting `user`/`pass`. */
struct ts *ts_start(const struct xpv_pem *cert, const char *user, const char *pass);

/* Queues answers, served in order (a request past the queue gets 500). */
void ts_push(struct ts *ts, const struct ts_reply *reply);

int ts_port(const struct ts *ts);

size_t ts_count(struct ts *ts);

/* Request `i` (0-based); valid until ts_stop. */
const struct ts_request *ts_request(struct ts *ts, size_t i);

void ts_stop(struct ts *ts);

#endif
