#include "pool.h"

#include "error.h"
#include "util.h"

#include <openssl/err.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* One xpv_pool_each call: its tasks left to finish. */
struct batch {
	size_t left;
	pthread_cond_t done;
};

struct task {
	void (*fn)(void *);
	void *item;
	struct batch *batch;
	struct task *next;
};

/* The process's pool. Every field is under `lock`. A thread counts as idle
 * from its creation until it takes a task, and again when it is done. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a task was queued, or idle threads should end */
	pthread_cond_t gone; /* an idle thread ended */
	struct task *head, *tail;
	size_t queued, idle, threads;
	unsigned long release; /* bumped by xpv_pool_release */
	unsigned long ended;   /* threads that have ended */
	pthread_t *zombies;    /* ended, not joined yet */
	size_t n_zombies, cap_zombies;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .gone = PTHREAD_COND_INITIALIZER };

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&pool.work, &a);
	pthread_condattr_destroy(&a);
}

static struct task *take_locked(void)
{
	struct task *t = pool.head;

	pool.head = t->next;
	if (pool.head == NULL)
		pool.tail = NULL;
	pool.queued--;
	return t;
}

static void finish_locked(struct task *t)
{
	if (--t->batch->left == 0)
		pthread_cond_signal(&t->batch->done);
}

/* `arg` is pool.release when the thread was made: a release after that
 * ends it even before it first waits. */
static void *pool_main(void *arg)
{
	unsigned long release = (unsigned long)(uintptr_t)arg;

	pthread_mutex_lock(&pool.lock);
	for (;;) {
		struct timespec until = xpv_mono_in(XPV_POOL_IDLE_MS);
		struct task *t;
		int rc = 0;

		while (pool.head == NULL && rc == 0 && release == pool.release)
			rc = pthread_cond_timedwait(&pool.work, &pool.lock, &until);
		if (pool.head == NULL)
			break; /* idle too long, or released */
		t = take_locked();
		pool.idle--;
		pthread_mutex_unlock(&pool.lock);
		xpv_error_clear();
		ERR_clear_error();
		t->fn(t->item);
		pthread_mutex_lock(&pool.lock);
		finish_locked(t);
		pool.idle++;
		release = pool.release;
	}
	pool.idle--;
	pool.threads--;
	pool.ended++;
	if (pool.n_zombies == pool.cap_zombies) {
		pool.cap_zombies = pool.cap_zombies ? 2 * pool.cap_zombies : 16;
		pool.zombies = xpv_realloc(pool.zombies, pool.cap_zombies * sizeof(*pool.zombies));
	}
	pool.zombies[pool.n_zombies++] = pthread_self();
	pthread_cond_broadcast(&pool.gone);
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

/* Joins the threads that have ended: their stacks and thread-local state
 * (OpenSSL's error queue among them) are gone when it returns. Called with
 * the lock held; drops it while joining. */
static void reap_locked(void)
{
	while (pool.n_zombies > 0) {
		pthread_t t = pool.zombies[--pool.n_zombies];

		pthread_mutex_unlock(&pool.lock);
		pthread_join(t, NULL);
		pthread_mutex_lock(&pool.lock);
	}
}

/* A thread for the queue, counted idle; false when none. It is joined
 * once it has ended (reap_locked). */
static bool grow_locked(void)
{
	pthread_t tid;
	bool ok = pthread_create(&tid, NULL, pool_main, (void *)(uintptr_t)pool.release) == 0;

	if (ok) {
		pool.idle++;
		pool.threads++;
	}
	return ok;
}

void xpv_pool_each(void *items, size_t n, size_t size, void (*fn)(void *item))
{
	struct task *tasks;
	struct batch b = { .left = n };
	struct task *before;
	size_t keep = n; /* tasks[keep..n-1] the caller runs itself */

	if (n == 0)
		return;
	pthread_once(&pool_once, pool_init);
	tasks = xpv_calloc(n, sizeof(*tasks));
	pthread_cond_init(&b.done, NULL);
	pthread_mutex_lock(&pool.lock);
	reap_locked(); /* the threads ended since; before queueing: it drops the lock */
	before = pool.tail;
	for (size_t i = 0; i < n; i++) {
		tasks[i] = (struct task){ .fn = fn, .item = (char *)items + i * size, .batch = &b };
		if (pool.tail != NULL)
			pool.tail->next = &tasks[i];
		else
			pool.head = &tasks[i];
		pool.tail = &tasks[i];
	}
	pool.queued += n;
	while (pool.queued > pool.idle && grow_locked())
		;
	/* No thread to be had for some: the caller takes them back rather than
	 * leave them to threads that may never come. No thread took a task
	 * since they were queued (the lock is held), so the queue ends with
	 * tasks[0..n-1]. */
	while (pool.queued > pool.idle && keep > 0) {
		keep--;
		pool.queued--;
	}
	if (keep < n) {
		pool.tail = keep > 0 ? &tasks[keep - 1] : before;
		if (pool.tail != NULL)
			pool.tail->next = NULL;
		else
			pool.head = NULL;
	}
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	for (size_t i = keep; i < n; i++) {
		tasks[i].fn(tasks[i].item);
		pthread_mutex_lock(&pool.lock);
		finish_locked(&tasks[i]);
		pthread_mutex_unlock(&pool.lock);
	}
	pthread_mutex_lock(&pool.lock);
	while (b.left > 0)
		pthread_cond_wait(&b.done, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	pthread_cond_destroy(&b.done);
	free(tasks);
}

size_t xpv_pool_threads(void)
{
	size_t n;

	pthread_mutex_lock(&pool.lock);
	n = pool.threads;
	pthread_mutex_unlock(&pool.lock);
	return n;
}

void xpv_pool_release(void)
{
	unsigned long until;

	pthread_once(&pool_once, pool_init);
	pthread_mutex_lock(&pool.lock);
	/* the threads idle now end (unless a task comes first); one that
	 * becomes idle later waits as usual */
	until = pool.ended + pool.idle;
	pool.release++;
	pthread_cond_broadcast(&pool.work);
	while (pool.ended < until && pool.head == NULL)
		pthread_cond_wait(&pool.gone, &pool.lock);
	reap_locked();
	pthread_mutex_unlock(&pool.lock);
}
