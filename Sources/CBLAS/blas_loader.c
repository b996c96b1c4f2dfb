// OpenBLAS loaded at run time rather than linked: nothing OpenBLAS-specific is needed to build
// rat (no headers, no pkg-config), a missing library is a clear error when a model is loaded
// rather than a loader failure at launch, and rat can say which kernels OpenBLAS chose.
//
// OpenBLAS picks its kernels for the CPU when it is loaded, unless OPENBLAS_CORETYPE names
// them. On the 2-core AMD EPYC (Zen 5) this was measured on, it picks its AVX-512 "Cooperlake"
// kernels by itself; with OPENBLAS_CORETYPE=Haswell (AVX2) rat's forward pass is ~25% slower.
#define _GNU_SOURCE
#include "rat_blas.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// CBLAS's enum values (cblas.h), so no header is needed at build time.
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*string_fn)(void);

static sgemm_fn sgemm;
static const char *load_error = "OpenBLAS was not loaded";
static char description[256] = "OpenBLAS (not loaded)";
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    // rat calls BLAS from its own workers, one thread each. OpenBLAS otherwise starts a thread
    // per core when loaded, and those spin (sched_yield) for a while: measured, a fifth of a
    // short run's CPU time, taken from rat's own workers.
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        load_error = "OpenBLAS not found (libopenblas.so.0): install it with scripts/install-deps.sh (Debian: apt-get install libopenblas-dev)";
        return;
    }
    sgemm = (sgemm_fn)dlsym(library, "cblas_sgemm");
    if (!sgemm) {
        load_error = "the OpenBLAS library has no cblas_sgemm";
        return;
    }
    set_threads_fn set_threads = (set_threads_fn)dlsym(library, "openblas_set_num_threads");
    if (set_threads) set_threads(1);
    string_fn config = (string_fn)dlsym(library, "openblas_get_config");
    string_fn core = (string_fn)dlsym(library, "openblas_get_corename");
    const char *pinned = getenv("OPENBLAS_CORETYPE");
    snprintf(description, sizeof description, "%s; kernels %s%s%s%s", config ? config() : "OpenBLAS",
             core ? core() : "(unknown)", pinned ? " (set by OPENBLAS_CORETYPE=" : " (OpenBLAS's choice for this CPU",
             pinned ? pinned : "", ")");
    load_error = NULL;
}

const char *rat_blas_load(void) {
    pthread_once(&once, load);
    return load_error;
}

const char *rat_blas_description(void) {
    rat_blas_load();
    return description;
}

void rat_sgemm(int transpose_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
               int ldb, float beta, float *c, int ldc) {
    sgemm(ROW_MAJOR, NO_TRANS, transpose_b ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
