// A pool of worker threads for the forward pass's many short parallel stages. A generation step
// runs a few hundred of them, each tens of microseconds long; waking threads through the OS
// (Dispatch) for each took a fifth of a step. Here idle workers spin for a moment on an atomic
// generation counter before sleeping on a condition variable, so a stage that follows another
// starts at once, and an idle process sleeps.
#include "rat_kernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define RAT_PAUSE() _mm_pause()
#else
#define RAT_PAUSE() ((void)0)
#endif

/// Spins (pause instructions) before an idle worker sleeps: about a millisecond.
enum { SPINS = 1 << 15, THREADS_MAX = 256 };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int sleepers;                  // under lock
    int threads;                   // started workers; changed only while `busy` is held
    _Atomic unsigned long generation;
    _Atomic int remaining;         // workers yet to finish the current job
    _Atomic int busy;              // a job is running (nested or concurrent callers get 0)
    rat_pool_task task;
    void *context;
    int count;                     // workers the current job asks for, the caller included
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

typedef struct {
    int index;
    unsigned long seen;
} worker_start;

static void *worker_main(void *argument) {
    worker_start start = *(worker_start *)argument;
    free(argument);
    unsigned long seen = start.seen;
    for (;;) {
        unsigned long now;
        int spins = 0;
        while ((now = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
            if (++spins < SPINS) {
                RAT_PAUSE();
                continue;
            }
            pthread_mutex_lock(&pool.lock);
            pool.sleepers++;
            while (atomic_load_explicit(&pool.generation, memory_order_acquire) == seen)
                pthread_cond_wait(&pool.wake, &pool.lock);
            pool.sleepers--;
            pthread_mutex_unlock(&pool.lock);
            spins = 0;
        }
        seen = now;
        if (start.index < pool.count) pool.task(pool.context, start.index);
        atomic_fetch_sub_explicit(&pool.remaining, 1, memory_order_acq_rel);
    }
    return NULL;
}

int rat_pool_run(int workers, rat_pool_task task, void *context) {
    if (workers < 2 || workers > THREADS_MAX) return 0;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&pool.busy, &expected, 1)) return 0;
    while (pool.threads < workers - 1) {
        worker_start *start = malloc(sizeof *start);
        if (!start) break;
        start->index = pool.threads + 1;
        start->seen = atomic_load(&pool.generation);
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, start) != 0) {
            free(start);
            break;
        }
        pthread_detach(thread);
        pool.threads++;
    }
    if (pool.threads < workers - 1) {
        atomic_store(&pool.busy, 0);
        return 0;
    }
    pool.task = task;
    pool.context = context;
    pool.count = workers;
    atomic_store_explicit(&pool.remaining, pool.threads, memory_order_relaxed);
    pthread_mutex_lock(&pool.lock);
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
    if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    task(context, 0);
    while (atomic_load_explicit(&pool.remaining, memory_order_acquire) > 0) RAT_PAUSE();
    atomic_store_explicit(&pool.busy, 0, memory_order_release);
    return 1;
}
