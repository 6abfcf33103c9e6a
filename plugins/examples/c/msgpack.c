/* msgpack.c — a codec (format = 'wasm', codec = 'c_msgpack.wasm'): each
 * payload is one MessagePack map of column name -> value.
 *
 * Decode: keys are matched to the stream's columns (exactly, then ASCII
 * case-insensitively); unknown keys are skipped, a missing key or nil is
 * NULL. Values: nil, bool, int, float, str (zero-copy: the slot points into
 * the payload), bin, and the timestamp extension (type -1) become the
 * matching tags; the host converts them to the column types as strictly as
 * JSON. A nested array or map is an error for a column (skipped for an
 * unknown key). Encode writes a map of every column: BIGINT as the smallest
 * int, DOUBLE as float 64, TIMESTAMP as the timestamp extension, VARCHAR and
 * JSON as str, DECIMAL as its text, NULL as nil. */
#include "velort.h"

VELORT_MANIFEST_FILE("msgpack.json");

#define MAX_COLS 256

static uint32_t ncols;
static uint32_t types[MAX_COLS];
static uint8_t wanted[MAX_COLS];
static char *names[MAX_COLS];
static uint32_t name_lens[MAX_COLS];

VELORT_EXPORT("msgpack_init")
velort_str msgpack_init(const velort_codec_columns *c, uint32_t len) {
	(void)len;
	if (c->n > MAX_COLS) return velort_codec_error("msgpack: at most 256 columns");
	ncols = c->n;
	for (uint32_t k = 0; k < c->n; k++) {
		const velort_codec_column *col = &c->col[k];
		types[k] = col->type;
		wanted[k] = col->flags & 1;
		name_lens[k] = col->name_len;
		names[k] = velort_malloc(col->name_len + 1);
		if (!names[k]) return velort_codec_error("msgpack: out of memory");
		memcpy(names[k], (const void *)(uintptr_t)col->name, col->name_len);
	}
	return 0;
}

/* ---- decode ---- */

static const uint8_t *p, *end;
static const char *err;
static char errbuf[96];

static uint32_t be16(const uint8_t *b) { return (uint32_t)b[0] << 8 | b[1]; }
static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }
static uint64_t be64(const uint8_t *b) { return (uint64_t)be32(b) << 32 | be32(b + 4); }

/* fail sets err to "msgpack: <what> at offset N" (N from base). */
static const uint8_t *base;
static void fail(const char *what) {
	if (err) return;
	char *o = errbuf, *lim = errbuf + sizeof errbuf - 12;
	for (const char *s = "msgpack: "; *s; s++) *o++ = *s;
	for (; *what && o < lim; what++) *o++ = *what;
	for (const char *s = " at offset "; *s; s++) *o++ = *s;
	uint32_t n = (uint32_t)(p - base), d = 1;
	while (n / d >= 10) d *= 10;
	for (; d; d /= 10) *o++ = (char)('0' + n / d % 10);
	*o = 0;
	err = errbuf;
}

static int need(uint32_t n) {
	if ((uint32_t)(end - p) < n) {
		fail("payload ends inside a value");
		return 0;
	}
	return 1;
}

/* str_head reads a str header; returns its length or -1 when the next
 * value is not a str. */
static int64_t str_head(void) {
	if (!need(1)) return -1;
	uint8_t b = *p;
	uint32_t n;
	if ((b & 0xe0) == 0xa0) {
		n = b & 0x1f;
		p += 1;
	} else if (b == 0xd9) {
		if (!need(2)) return -1;
		n = p[1];
		p += 2;
	} else if (b == 0xda) {
		if (!need(3)) return -1;
		n = be16(p + 1);
		p += 3;
	} else if (b == 0xdb) {
		if (!need(5)) return -1;
		n = be32(p + 1);
		p += 5;
	} else {
		return -1;
	}
	if (!need(n)) return -1;
	return n;
}

static int skip(int depth);

/* value reads one value into slot s (NULL: skip it). */
static int value(velort_slot *s, int depth) {
	if (!need(1)) return 0;
	uint8_t b = *p;
	const uint8_t *at = p;
	int64_t i;
	if (b <= 0x7f) { i = b; p++; goto integer; }
	if (b >= 0xe0) { i = (int8_t)b; p++; goto integer; }
	if ((b & 0xe0) == 0xa0 || b == 0xd9 || b == 0xda || b == 0xdb) {
		int64_t n = str_head();
		if (n < 0) return 0;
		if (s) { s->tag = VELORT_VARCHAR; s->len = (uint32_t)n; s->v.ptr = (uint32_t)(uintptr_t)p; }
		p += n;
		return 1;
	}
	switch (b) {
	case 0xc0: p++; return 1; /* nil: the slot stays NULL */
	case 0xc2: case 0xc3:
		p++;
		if (s) { s->tag = VELORT_BOOLEAN; s->v.i = b == 0xc3; }
		return 1;
	case 0xcc: if (!need(2)) return 0; i = p[1]; p += 2; goto integer;
	case 0xcd: if (!need(3)) return 0; i = be16(p + 1); p += 3; goto integer;
	case 0xce: if (!need(5)) return 0; i = be32(p + 1); p += 5; goto integer;
	case 0xcf: {
		if (!need(9)) return 0;
		uint64_t u = be64(p + 1);
		if (u > 0x7fffffffffffffffULL) { fail("uint 64 beyond BIGINT"); return 0; }
		i = (int64_t)u; p += 9; goto integer;
	}
	case 0xd0: if (!need(2)) return 0; i = (int8_t)p[1]; p += 2; goto integer;
	case 0xd1: if (!need(3)) return 0; i = (int16_t)be16(p + 1); p += 3; goto integer;
	case 0xd2: if (!need(5)) return 0; i = (int32_t)be32(p + 1); p += 5; goto integer;
	case 0xd3: if (!need(9)) return 0; i = (int64_t)be64(p + 1); p += 9; goto integer;
	case 0xca: {
		if (!need(5)) return 0;
		union { uint32_t u; float f; } c = {be32(p + 1)};
		p += 5;
		if (s) { s->tag = VELORT_DOUBLE; s->v.f = c.f; }
		return 1;
	}
	case 0xcb: {
		if (!need(9)) return 0;
		union { uint64_t u; double f; } c = {be64(p + 1)};
		p += 9;
		if (s) { s->tag = VELORT_DOUBLE; s->v.f = c.f; }
		return 1;
	}
	case 0xc4: case 0xc5: case 0xc6: {
		uint32_t h = b == 0xc4 ? 2 : b == 0xc5 ? 3 : 5;
		if (!need(h)) return 0;
		uint32_t n = b == 0xc4 ? p[1] : b == 0xc5 ? be16(p + 1) : be32(p + 1);
		p += h;
		if (!need(n)) return 0;
		if (s) { s->tag = VELORT_VARBINARY; s->len = n; s->v.ptr = (uint32_t)(uintptr_t)p; }
		p += n;
		return 1;
	}
	case 0xd6: case 0xd7: case 0xc7: { /* the timestamp extension */
		uint32_t h = b == 0xc7 ? 3 : 2, n = b == 0xd6 ? 4 : b == 0xd7 ? 8 : 0;
		if (!need(h)) return 0;
		if (b == 0xc7) n = p[1];
		int8_t type = (int8_t)p[h - 1];
		p += h;
		if (!need(n)) return 0;
		if (type != -1 || (n != 4 && n != 8 && n != 12)) {
			if (s) { p = at; fail("an extension other than timestamp"); return 0; }
			p += n;
			return 1;
		}
		int64_t sec; uint32_t nsec;
		if (n == 4) { sec = be32(p); nsec = 0; }
		else if (n == 8) { uint64_t v = be64(p); nsec = (uint32_t)(v >> 34); sec = (int64_t)(v & 0x3ffffffffULL); }
		else { nsec = be32(p); sec = (int64_t)be64(p + 4); }
		p += n;
		if (s) { s->tag = VELORT_TIMESTAMP; s->v.i = sec * 1000 + nsec / 1000000; }
		return 1;
	}
	}
	if (s) { fail("a nested array or map (or an unknown type) for a column"); return 0; }
	return skip(depth);
integer:
	if (s) { s->tag = VELORT_BIGINT; s->v.i = i; }
	return 1;
}

/* skip passes over one value of any type, nested ones included. */
static int skip(int depth) {
	if (depth > 64) { fail("values nested deeper than 64"); return 0; }
	if (!need(1)) return 0;
	uint8_t b = *p;
	uint32_t items = 0;
	if ((b & 0xf0) == 0x90) { items = b & 0x0f; p++; }
	else if ((b & 0xf0) == 0x80) { items = 2 * (b & 0x0f); p++; }
	else if (b == 0xdc || b == 0xde) { if (!need(3)) return 0; items = be16(p + 1) * (b == 0xde ? 2 : 1); p += 3; }
	else if (b == 0xdd || b == 0xdf) { if (!need(5)) return 0; items = be32(p + 1) * (b == 0xdf ? 2 : 1); p += 5; }
	else if (b == 0xd4 || b == 0xd5 || b == 0xd8) { uint32_t n = b == 0xd4 ? 1 : b == 0xd5 ? 2 : 16; if (!need(2 + n)) return 0; p += 2 + n; return 1; }
	else if (b == 0xc8 || b == 0xc9) { uint32_t h = b == 0xc8 ? 4 : 6; if (!need(h)) return 0; uint32_t n = b == 0xc8 ? be16(p + 1) : be32(p + 1); p += h; if (!need(n)) return 0; p += n; return 1; }
	else if (b == 0xc1) { fail("byte 0xc1 (never used)"); return 0; }
	else return value(0, depth);
	for (uint32_t k = 0; k < items; k++)
		if (!skip(depth + 1)) return 0;
	return 1;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int memcmp_eq(const char *a, const uint8_t *b, uint32_t n) {
	for (uint32_t j = 0; j < n; j++)
		if ((uint8_t)a[j] != b[j]) return 0;
	return 1;
}

/* column finds the column of a key; guess is where the previous key's
 * column was, plus one (keys usually come in column order). */
static int column(const uint8_t *k, uint32_t n, uint32_t guess) {
	for (uint32_t t = 0; t < ncols; t++) {
		uint32_t c = (guess + t) % ncols;
		if (name_lens[c] == n && memcmp_eq(names[c], k, n)) return (int)c;
	}
	for (uint32_t c = 0; c < ncols; c++) {
		if (name_lens[c] != n) continue;
		uint32_t j = 0;
		while (j < n && lower(names[c][j]) == lower(k[j])) j++;
		if (j == n) return (int)c;
	}
	return -1;
}

VELORT_EXPORT("msgpack_decode")
velort_str msgpack_decode(const uint8_t *payload, uint32_t len, velort_slot *row) {
	base = p = payload;
	end = payload + len;
	err = 0;
	if (!need(1)) return velort_codec_error(err);
	uint8_t b = *p;
	uint32_t entries;
	if ((b & 0xf0) == 0x80) { entries = b & 0x0f; p++; }
	else if (b == 0xde) { if (!need(3)) return velort_codec_error(err); entries = be16(p + 1); p += 3; }
	else if (b == 0xdf) { if (!need(5)) return velort_codec_error(err); entries = be32(p + 1); p += 5; }
	else { fail("the payload is not a map"); return velort_codec_error(err); }
	uint32_t guess = 0;
	for (uint32_t e = 0; e < entries; e++) {
		int64_t n = str_head();
		if (n < 0) {
			fail("a map key that is not a string");
			return velort_codec_error(err);
		}
		int c = column(p, (uint32_t)n, guess);
		p += n;
		velort_slot *s = 0;
		if (c >= 0) {
			guess = (uint32_t)c + 1;
			if (wanted[c]) s = &row[c];
		}
		if (!(s ? value(s, 0) : skip(0))) return velort_codec_error(err);
		if (s && types[c] == VELORT_JSON && s->tag == VELORT_VARCHAR) s->tag = VELORT_JSON; /* a JSON column's text */
	}
	if (p != end) {
		fail("bytes after the map");
		return velort_codec_error(err);
	}
	return 0;
}

/* ---- encode ---- */

static uint8_t *out;
static uint32_t out_len, out_cap;

static int grow(uint32_t n) {
	if (out_len + n <= out_cap) return 1;
	uint32_t cap = out_cap ? out_cap : 256;
	while (cap < out_len + n) cap *= 2;
	uint8_t *q = velort_malloc(cap);
	if (!q) return 0;
	memcpy(q, out, out_len);
	out = q;
	out_cap = cap;
	return 1;
}

static void put8(uint8_t b) { out[out_len++] = b; }
static void put16(uint32_t v) { put8((uint8_t)(v >> 8)); put8((uint8_t)v); }
static void put32(uint32_t v) { put16(v >> 16); put16(v & 0xffff); }
static void put64(uint64_t v) { put32((uint32_t)(v >> 32)); put32((uint32_t)v); }

static int put_str(const void *s, uint32_t n) {
	if (!grow(n + 5)) return 0;
	if (n < 32) put8((uint8_t)(0xa0 | n));
	else if (n < 256) { put8(0xd9); put8((uint8_t)n); }
	else if (n < 65536) { put8(0xda); put16(n); }
	else { put8(0xdb); put32(n); }
	memcpy(out + out_len, s, n);
	out_len += n;
	return 1;
}

static void put_int(int64_t i) {
	if (i >= 0 && i <= 0x7f) put8((uint8_t)i);
	else if (i < 0 && i >= -32) put8((uint8_t)(int8_t)i);
	else if (i >= -128 && i <= 127) { put8(0xd0); put8((uint8_t)(int8_t)i); }
	else if (i >= -32768 && i <= 32767) { put8(0xd1); put16((uint16_t)(int16_t)i); }
	else if (i >= -2147483648LL && i <= 2147483647LL) { put8(0xd2); put32((uint32_t)(int32_t)i); }
	else { put8(0xd3); put64((uint64_t)i); }
}

/* decimal_text writes unscaled / 10^scale as text into buf. */
static uint32_t decimal_text(char *buf, int64_t v, uint32_t scale) {
	char digits[24];
	uint32_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do { digits[n++] = (char)('0' + u % 10); u /= 10; } while (u || n <= scale);
	uint32_t o = 0;
	if (v < 0) buf[o++] = '-';
	while (n) {
		if (n == scale) buf[o++] = '.';
		buf[o++] = digits[--n];
	}
	return o;
}

VELORT_EXPORT("msgpack_encode")
velort_str msgpack_encode(const velort_slot *row) {
	out_len = 0;
	if (!grow(5)) return velort_codec_fail("msgpack: out of memory");
	if (ncols < 16) put8((uint8_t)(0x80 | ncols));
	else { put8(0xde); put16(ncols); }
	for (uint32_t c = 0; c < ncols; c++) {
		const velort_slot *s = &row[c];
		if (!put_str(names[c], name_lens[c]) || !grow(16)) return velort_codec_fail("msgpack: out of memory");
		switch (s->tag) {
		case VELORT_NULL: put8(0xc0); break;
		case VELORT_BOOLEAN: put8(s->v.i ? 0xc3 : 0xc2); break;
		case VELORT_BIGINT: put_int(s->v.i); break;
		case VELORT_DOUBLE: {
			union { double f; uint64_t u; } c = {s->v.f};
			put8(0xcb);
			put64(c.u);
			break;
		}
		case VELORT_TIMESTAMP: { /* timestamp 96: nanoseconds, seconds */
			int64_t ms = s->v.i, sec = ms / 1000, rem = ms % 1000;
			if (rem < 0) { rem += 1000; sec--; }
			put8(0xc7); put8(12); put8(0xff);
			put32((uint32_t)rem * 1000000u);
			put64((uint64_t)sec);
			break;
		}
		case VELORT_VARCHAR: case VELORT_JSON: case VELORT_VARBINARY:
			if (!put_str((const void *)(uintptr_t)s->v.ptr, s->len)) return velort_codec_fail("msgpack: out of memory");
			break;
		case VELORT_DECIMAL: {
			char buf[48];
			uint32_t n = decimal_text(buf, s->v.i, s->len);
			if (!put_str(buf, n)) return velort_codec_fail("msgpack: out of memory");
			break;
		}
		default:
			return velort_codec_fail("msgpack: a value of an unknown tag");
		}
	}
	return velort_return(out, out_len);
}
