/* The thread pool behind xpv_ctx_each_node: every item run, threads kept
 * for the next batch, no state carried from one task to the next, idle
 * threads released, several callers at once, and the caller doing the work
 * when no thread can be made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "error.h"
#include "pool.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define N 8

/* pthread_create, the pool's included, comes here (-Wl,--wrap): threads
 * are made while `allowed` is above 0 (-1: always), then refused as a
 * system out of threads refuses them. */
static atomic_int allowed = -1;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	int left = atomic_load(&allowed);

	while (left != -1) {
		if (left == 0)
			return EAGAIN;
		if (atomic_compare_exchange_weak(&allowed, &left, left - 1))
			break;
	}
	return __real_pthread_create(t, a, fn, arg);
}

/* Tasks run on this thread before the current one. */
static _Thread_local int ran_here;

struct item {
	pthread_barrier_t *all;
	int ran;        /* times run */
	int ran_before; /* ran_here when it started */
	bool had_error; /* the thread's last error or OpenSSL queue non-empty */
};

static void together(void *p)
{
	struct item *it = p;

	it->ran_before = ran_here++;
	it->had_error = strcmp(xpv_error_last(), "no error") != 0 || ERR_peek_error() != 0;
	it->ran++;
	/* all N at once: N threads, none running two of them */
	pthread_barrier_wait(it->all);
	xpv_error_set(XPV_EIO, "left behind by a task");
	ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
}

static void batch(struct item *items, pthread_barrier_t *all)
{
	for (size_t i = 0; i < N; i++)
		items[i] = (struct item){ .all = all };
	xpv_pool_each(items, N, sizeof(*items), together);
}

static void test_threads_kept_and_clean(void **state)
{
	struct item first[N], second[N];
	pthread_barrier_t all;

	(void)state;
	pthread_barrier_init(&all, NULL, N);
	batch(first, &all);
	assert_true(xpv_pool_threads() >= N);
	batch(second, &all);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(first[i].ran, 1);
		assert_int_equal(second[i].ran, 1);
		/* the second batch ran on the first one's threads */
		assert_int_equal(second[i].ran_before, 1);
		/* with what the first left behind cleared */
		assert_false(second[i].had_error);
	}
	pthread_barrier_destroy(&all);
}

/* Threads of the process apart from the pool's: counted after one thread
 * was made and joined (ThreadSanitizer starts a thread of its own then). */
static int base_threads;

static void *nothing(void *unused)
{
	return unused;
}

/* The threads of this process, as Linux lists them. */
static int process_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_release_ends_idle_threads(void **state)
{
	struct item items[N];
	pthread_barrier_t all;

	(void)state;
	pthread_barrier_init(&all, NULL, N);
	batch(items, &all);
	assert_true(xpv_pool_threads() >= N);
	xpv_pool_release();
	assert_int_equal(xpv_pool_threads(), 0);
	/* gone from the process, not only from the pool's count: joined, with
	 * their thread-local state freed (else LeakSanitizer could find a
	 * thread's OpenSSL error queue at exit) */
	assert_int_equal(process_threads(), base_threads);
	/* and the pool grows again */
	batch(items, &all);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(items[i].ran_before, 0);
	pthread_barrier_destroy(&all);
}

static atomic_int count;

static void add_one(void *p)
{
	atomic_fetch_add(&count, 1);
	(*(int *)p)++;
}

static void *caller(void *unused)
{
	(void)unused;
	for (int b = 0; b < 50; b++) {
		int slots[10] = { 0 };

		xpv_pool_each(slots, 10, sizeof(slots[0]), add_one);
		for (int i = 0; i < 10; i++)
			if (slots[i] != 1)
				return "an item not run exactly once";
	}
	return NULL;
}

/* Four callers at once, 50 batches each: every item once, every batch
 * returning only when its items are done (ThreadSanitizer runs this). */
static void test_callers_at_once(void **state)
{
	pthread_t t[4];
	void *res;

	(void)state;
	atomic_store(&count, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, caller, NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	assert_int_equal(atomic_load(&count), 4 * 50 * 10);
	xpv_pool_each(NULL, 0, 1, add_one); /* nothing to do: returns */
	assert_int_equal(atomic_load(&count), 4 * 50 * 10);
}

struct where {
	pthread_t on;
	int ran;
};

static void note_thread(void *p)
{
	struct where *w = p;

	w->on = pthread_self();
	w->ran++;
}

/* N tasks with `threads` threads to be had: every task run once; how many
 * ran on the caller's thread. */
static size_t run_on_caller(int threads)
{
	struct where w[N];
	size_t here = 0;

	atomic_store(&allowed, threads);
	memset(w, 0, sizeof(w));
	xpv_pool_each(w, N, sizeof(w[0]), note_thread);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(w[i].ran, 1);
		here += pthread_equal(w[i].on, pthread_self()) ? 1 : 0;
	}
	return here;
}

/* No thread to be had: the caller runs every task itself, rather than
 * queue them for threads that never come. With two threads to be had, the
 * caller runs the rest. */
static void test_caller_runs_what_no_thread_can(void **state)
{
	(void)state;
	xpv_pool_release();
	assert_int_equal(xpv_pool_threads(), 0);

	assert_int_equal(run_on_caller(0), N);
	assert_int_equal(xpv_pool_threads(), 0);

	assert_int_equal(run_on_caller(2), N - 2);
	assert_int_equal(xpv_pool_threads(), 2);
	atomic_store(&allowed, -1);
	xpv_pool_release();
	assert_int_equal(process_threads(), base_threads);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_kept_and_clean),
		cmocka_unit_test(test_release_ends_idle_threads),
		cmocka_unit_test(test_callers_at_once),
		cmocka_unit_test(test_caller_runs_what_no_thread_can),
	};
	pthread_t t;

	if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 1;
	base_threads = process_threads();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
