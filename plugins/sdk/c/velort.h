/*
 * velort.h — guest-side helpers for velort user functions in C (ABI "velort/1").
 *
 * Build a module with:
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -I plugins/sdk/c \
 *         -o my.wasm my.c plugins/sdk/c/velort.c
 *
 * velort.c provides the velort_alloc export the host needs for string,
 * VARBINARY, JSON and batch arguments, a bump allocator, and the memcpy /
 * memset that clang may call.
 */
#ifndef VELORT_H
#define VELORT_H

#include <stddef.h>
#include <stdint.h>

/* Export a function under the given name: VELORT_EXPORT("risk") double risk(...) */
#define VELORT_EXPORT(name) __attribute__((export_name(name), used))

/* Embed a JSON manifest file as the custom section "velort.udf.v1"
 * (path is relative to the directory clang runs in). Use once per module. */
#define VELORT_MANIFEST_FILE(path)                                   \
	__asm__(".section .custom_section.velort.udf.v1,\"\",@\n"       \
	        ".incbin \"" path "\"\n"                                \
	        ".text\n")

/* An aggregate "name" exports name_init() -> int32_t handle,
 * name_update(int32_t h, args...), name_merge(int32_t h, int32_t other),
 * name_result(int32_t h) -> result, and optionally name_free(int32_t h) and
 * name_retract(int32_t h, args...), which undoes one name_update with the
 * same arguments and lets velort aggregate over a changelog (see
 * plugins/examples/c/stats.c and docs/udf.md, "Aggregates"). */

/* A VARCHAR / VARBINARY / JSON result: (ptr << 32) | len. */
typedef uint64_t velort_str;

static inline velort_str velort_return(const void *ptr, uint32_t len) {
	return ((uint64_t)(uintptr_t)ptr << 32) | (uint64_t)len;
}

/* Marks the result of the current call (or aggregate result) as SQL NULL. */
__attribute__((import_module("velort"), import_name("result_null")))
void velort_result_null(void);

/* Bump allocator over linear memory; memory is never freed. Returns NULL
 * when the sandbox's memory limit is reached. */
void *velort_malloc(size_t n);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
