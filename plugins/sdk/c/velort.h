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

/* Codecs (format = 'wasm'; docs/udf.md "Codecs"). A codec "name" exports
 *   name_init(const velort_codec_columns *cols, uint32_t len) -> velort_str error (0: accepted)
 *   name_decode(const uint8_t *payload, uint32_t len, velort_slot *row) -> velort_str error (0: decoded)
 *   name_encode(const velort_slot *row) -> velort_str payload
 * and declares {"codecs": [{"name": "name"}]} in its manifest. Slot k of the
 * row area is the k-th column init described; decode finds every slot NULL
 * and fills those it has values for. An encode that cannot write its row
 * returns velort_codec_fail("why"). See plugins/examples/c/msgpack.c. */
enum {
	VELORT_NULL = 0,      /* no value */
	VELORT_BIGINT = 1,    /* v.i */
	VELORT_DOUBLE = 2,    /* v.f */
	VELORT_BOOLEAN = 3,   /* v.i: 0 or 1 */
	VELORT_TIMESTAMP = 4, /* v.i: epoch milliseconds, UTC */
	VELORT_VARCHAR = 5,   /* v.ptr, len: UTF-8 text */
	VELORT_VARBINARY = 6, /* v.ptr, len: bytes */
	VELORT_JSON = 7,      /* v.ptr, len: a JSON document's text */
	VELORT_DECIMAL = 8,   /* v.i: unscaled value, len: scale */
};

/* One column's value in the row area: 16 bytes. */
typedef struct {
	uint32_t tag; /* VELORT_NULL ... VELORT_DECIMAL */
	uint32_t len; /* bytes at v.ptr; a DECIMAL's scale */
	union {
		int64_t i;
		double f;
		uint32_t ptr; /* an address in this module's memory */
	} v;
} velort_slot;

/* One column as init describes it: 16 bytes. */
typedef struct {
	uint32_t type;  /* the column's SQL type, as a tag */
	uint32_t flags; /* bit 0: a query reads it; bits 8-15 / 16-23: DECIMAL scale / precision */
	uint32_t name;  /* address of the column name (valid during init only) */
	uint32_t name_len;
} velort_codec_column;

#define VELORT_CODEC_DECODE 1
#define VELORT_CODEC_ENCODE 2

/* What init receives: the columns, in slot order. */
typedef struct {
	uint32_t n;    /* columns */
	uint32_t mode; /* VELORT_CODEC_DECODE or VELORT_CODEC_ENCODE */
	velort_codec_column col[];
} velort_codec_columns;

/* A decode or init export's error: msg (a static string, or one that stays
 * valid until the next call) becomes the dead letter's reason. */
static inline velort_str velort_codec_error(const char *msg) {
	uint32_t n = 0;
	while (msg[n]) n++;
	return velort_return(msg, n ? n : 1);
}

/* An encode export's failure: the host reports msg (a static string) for
 * that row. */
static inline velort_str velort_codec_fail(const char *msg) {
	uint32_t n = 0;
	while (msg[n]) n++;
	velort_result_null();
	return velort_return(msg, n);
}

/* Bump allocator over linear memory; memory is never freed. Returns NULL
 * when the sandbox's memory limit is reached. */
void *velort_malloc(size_t n);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
