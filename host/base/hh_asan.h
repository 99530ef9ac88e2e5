/* Layer: base, the bottom. May call: libc only. */
/* HH_UNDER_ASAN is defined when AddressSanitizer instruments this build
 * (gcc says so with __SANITIZE_ADDRESS__, clang with __has_feature). Code
 * that would hide memory from ASan (rlimits on address space, pooled
 * blocks) steps aside then. */
#ifndef HH_ASAN_H
#define HH_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define HH_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HH_UNDER_ASAN 1
#endif
#endif

#endif
