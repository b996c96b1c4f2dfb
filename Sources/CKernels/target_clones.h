// Kernels built for several instruction sets, the best chosen when the library loads (an ifunc).
// RAT_CLONES: AVX2+FMA and baseline x86-64; RAT_QCLONES adds AVX-512 (the quantized products).
//
// ThreadSanitizer instruments the ifunc resolvers clang writes for these, and the loader runs
// them while relocating, before the sanitizer's runtime has started: the process crashes at load.
// So a thread-sanitized build (make sanitize) has one baseline version of each kernel.
#ifndef RAT_TARGET_CLONES_H
#define RAT_TARGET_CLONES_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RAT_NO_CLONES 1
#endif
#endif

#if defined(__x86_64__) && defined(__clang__) && !defined(RAT_NO_CLONES)
#define RAT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define RAT_QCLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RAT_CLONES
#define RAT_QCLONES
#endif

#endif
