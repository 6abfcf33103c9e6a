/* codec_faults.c — a codec that misbehaves on request, for the tests of
 * format = 'wasm': each payload is text read into the first column
 * (VARCHAR), unless it is one of the words below. Encode writes the first
 * column's text, and traps on the text "trap". */
#include "velort.h"

VELORT_MANIFEST_FILE("codec_faults.json");

static int eq(const uint8_t *p, uint32_t n, const char *w) {
	uint32_t i = 0;
	for (; w[i]; i++)
		if (i >= n || p[i] != (uint8_t)w[i]) return 0;
	return i == n;
}

VELORT_EXPORT("faulty_init")
velort_str faulty_init(const velort_codec_columns *c, uint32_t len) {
	(void)len;
	if (c->n < 1 || c->col[0].type != VELORT_VARCHAR) return velort_codec_error("faulty: the first column must be VARCHAR");
	return 0;
}

static volatile uint32_t sink;

VELORT_EXPORT("faulty_decode")
velort_str faulty_decode(const uint8_t *p, uint32_t n, velort_slot *row) {
	if (eq(p, n, "trap")) __builtin_trap();
	if (eq(p, n, "loop"))
		for (;;) sink++;
	if (eq(p, n, "reject")) return velort_codec_error("faulty: rejected on request");
	if (eq(p, n, "badptr")) { /* a string outside memory: breaks the ABI */
		row[0].tag = VELORT_VARCHAR;
		row[0].v.ptr = 0xfffffff0u;
		row[0].len = 64;
		return 0;
	}
	if (eq(p, n, "badtag")) {
		row[0].tag = 99;
		return 0;
	}
	if (eq(p, n, "grow")) { /* allocates until the memory limit, then traps */
		for (;;)
			if (!velort_malloc(1 << 20)) __builtin_trap();
	}
	row[0].tag = VELORT_VARCHAR;
	row[0].v.ptr = (uint32_t)(uintptr_t)p;
	row[0].len = n;
	return 0;
}

VELORT_EXPORT("faulty_encode")
velort_str faulty_encode(const velort_slot *row) {
	if (row[0].tag != VELORT_VARCHAR) return velort_codec_fail("faulty: the first column is not text");
	const uint8_t *p = (const uint8_t *)(uintptr_t)row[0].v.ptr;
	if (eq(p, row[0].len, "trap")) __builtin_trap();
	return velort_return(p, row[0].len);
}
