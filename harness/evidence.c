#include "evidence.h"

#include "secrets.h"
#include "util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One evidence file holds at most this much; past it one line says so. */
#define MAX_FILE (32u << 20)
#define CUT "\n[evidence truncated: this file reached its limit of 32 MiB]\n"

struct file {
	char *name;
	char *text;
	size_t len, cap;
	bool cut;
};

struct xpv_evidence {
	pthread_mutex_t lock;
	struct file *files;
	size_t n;
	bool closed; /* the run is over: readers read without the lock */
};

struct xpv_evidence *xpv_evidence_new(void)
{
	struct xpv_evidence *e = xpv_calloc(1, sizeof(*e));

	pthread_mutex_init(&e->lock, NULL);
	return e;
}

void xpv_evidence_free(struct xpv_evidence *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->files[i].name);
		free(e->files[i].text);
	}
	free(e->files);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void xpv_evidence_append(struct xpv_evidence *e, const char *name, const char *text)
{
	char *red;
	size_t n, i;

	if (e == NULL || text == NULL)
		return;
	red = xpv_redact(text);
	n = strlen(red);
	pthread_mutex_lock(&e->lock);
	if (e->closed) {
		pthread_mutex_unlock(&e->lock);
		free(red);
		return;
	}
	for (i = 0; i < e->n; i++)
		if (strcmp(e->files[i].name, name) == 0)
			break;
	if (i == e->n) {
		e->files = xpv_realloc(e->files, (e->n + 1) * sizeof(*e->files));
		e->files[e->n++] = (struct file){ .name = xpv_strdup(name) };
	}
	if (!e->files[i].cut && e->files[i].len + n > MAX_FILE) {
		/* a server that never stops answering fills no disk */
		free(red);
		red = xpv_strdup(CUT);
		n = strlen(red);
		e->files[i].cut = true;
	} else if (e->files[i].cut) {
		n = 0;
		red[0] = '\0';
	}
	if (e->files[i].len + n + 1 > e->files[i].cap) {
		e->files[i].cap = (e->files[i].len + n + 1) * 2;
		e->files[i].text = xpv_realloc(e->files[i].text, e->files[i].cap);
	}
	memcpy(e->files[i].text + e->files[i].len, red, n + 1);
	e->files[i].len += n;
	pthread_mutex_unlock(&e->lock);
	free(red);
}

void xpv_evidence_close(struct xpv_evidence *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	e->closed = true;
	pthread_mutex_unlock(&e->lock);
}

size_t xpv_evidence_count(const struct xpv_evidence *e)
{
	return e ? e->n : 0;
}

const char *xpv_evidence_name(const struct xpv_evidence *e, size_t i)
{
	return e->files[i].name;
}

const char *xpv_evidence_text(const struct xpv_evidence *e, size_t i, size_t *len)
{
	if (len != NULL)
		*len = e->files[i].len;
	return e->files[i].text;
}
