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
static uint64_t name_w0[MAX_COLS], name_w1[MAX_COLS]; /* a name's first 16 bytes, zero-padded */
static uint8_t *keys;                                  /* each column's map key, encoded (encode) */
static uint32_t key_off[MAX_COLS], key_len[MAX_COLS], keys_total;

/* Unaligned 8-byte loads and stores (clang makes them i64.load/i64.store). */
static inline uint64_t ld64(const void *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
static inline void st64(void *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }
static inline uint64_t low_bytes(uint64_t v, uint32_t n) { return n >= 8 ? v : v & ((1ULL << (8 * n)) - 1); }

VELORT_EXPORT("msgpack_init")
velort_str msgpack_init(const velort_codec_columns *c, uint32_t len) {
	(void)len;
	if (c->n > MAX_COLS) return velort_codec_error("msgpack: at most 256 columns");
	ncols = c->n;
	keys_total = 0;
	for (uint32_t k = 0; k < c->n; k++) {
		const velort_codec_column *col = &c->col[k];
		uint32_t n = col->name_len;
		types[k] = col->type;
		wanted[k] = col->flags & 1;
		name_lens[k] = n;
		names[k] = velort_malloc(n + 16);
		if (!names[k]) return velort_codec_error("msgpack: out of memory");
		memset(names[k], 0, n + 16);
		memcpy(names[k], (const void *)(uintptr_t)col->name, n);
		name_w0[k] = ld64(names[k]);
		name_w1[k] = n > 8 ? ld64(names[k] + 8) : 0;
		key_len[k] = n + (n < 32 ? 1 : n < 256 ? 2 : 3);
		keys_total += key_len[k];
	}
	keys = velort_malloc(keys_total + 8);
	if (!keys) return velort_codec_error("msgpack: out of memory");
	uint32_t o = 0;
	for (uint32_t k = 0; k < ncols; k++) {
		uint32_t n = name_lens[k];
		key_off[k] = o;
		if (n < 32) keys[o++] = (uint8_t)(0xa0 | n);
		else if (n < 256) { keys[o++] = 0xd9; keys[o++] = (uint8_t)n; }
		else { keys[o++] = 0xda; keys[o++] = (uint8_t)(n >> 8); keys[o++] = (uint8_t)n; }
		memcpy(keys + o, names[k], n);
		o += n;
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

/* key_is: is the key at k (n bytes, the payload ending at e) column c's name? */
static inline int key_is(uint32_t c, const uint8_t *k, uint32_t n, const uint8_t *e) {
	if (name_lens[c] != n) return 0;
	if (n <= 16 && e - k >= 16)
		return low_bytes(ld64(k), n) == name_w0[c] && (n <= 8 || low_bytes(ld64(k + 8), n - 8) == name_w1[c]);
	for (uint32_t j = 0; j < n; j++)
		if ((uint8_t)names[c][j] != k[j]) return 0;
	return 1;
}

/* column finds the column of a key; guess is where the previous key's
 * column was, plus one (keys usually come in column order). */
static int column(const uint8_t *k, uint32_t n, uint32_t guess) {
	if (guess < ncols && key_is(guess, k, n, end)) return (int)guess;
	for (uint32_t c = 0; c < ncols; c++)
		if (key_is(c, k, n, end)) return (int)c;
	for (uint32_t c = 0; c < ncols; c++) {
		if (name_lens[c] != n) continue;
		uint32_t j = 0;
		while (j < n && lower(names[c][j]) == lower(k[j])) j++;
		if (j == n) return (int)c;
	}
	return -1;
}

static inline uint64_t bswap64(uint64_t v) { return __builtin_bswap64(v); }

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
	const uint8_t *q = p, *e = end; /* the cursor in a local on the fast path */
	uint32_t guess = 0;
	for (uint32_t i = 0; i < entries; i++) {
		int c;
		if (q < e && (*q & 0xe0) == 0xa0 && (uint32_t)(e - q) > (uint32_t)(*q & 0x1f)) { /* a fixstr key */
			uint32_t n = *q & 0x1f;
			c = column(q + 1, n, guess);
			q += 1 + n;
		} else {
			p = q;
			int64_t n = str_head();
			if (n < 0) {
				fail("a map key that is not a string");
				return velort_codec_error(err);
			}
			c = column(p, (uint32_t)n, guess);
			q = p + n;
		}
		velort_slot *s = 0;
		if (c >= 0) {
			guess = (uint32_t)c + 1;
			if (wanted[c]) s = &row[c];
		}
		/* the usual values inline, the rest in value() and skip() */
		if (s && q < e) {
			uint8_t t = *q;
			if (t <= 0x7f) { s->tag = VELORT_BIGINT; s->v.i = t; q++; continue; }
			if (t >= 0xe0) { s->tag = VELORT_BIGINT; s->v.i = (int8_t)t; q++; continue; }
			if (t == 0xcb && e - q >= 9) {
				union { uint64_t u; double f; } cv = {bswap64(ld64(q + 1))};
				s->tag = VELORT_DOUBLE; s->v.f = cv.f; q += 9; continue;
			}
			if (t == 0xd2 && e - q >= 5) { s->tag = VELORT_BIGINT; s->v.i = (int32_t)be32(q + 1); q += 5; continue; }
			if ((t & 0xe0) == 0xa0 && (uint32_t)(e - q) > (uint32_t)(t & 0x1f)) {
				s->tag = types[c] == VELORT_JSON ? VELORT_JSON : VELORT_VARCHAR; /* a JSON column's text */
				s->len = t & 0x1f; s->v.ptr = (uint32_t)(uintptr_t)(q + 1);
				q += 1 + (t & 0x1f);
				continue;
			}
		}
		p = q;
		if (!(s ? value(s, 0) : skip(0))) return velort_codec_error(err);
		if (s && types[c] == VELORT_JSON && s->tag == VELORT_VARCHAR) s->tag = VELORT_JSON;
		q = p;
	}
	if (q != e) {
		p = q;
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

/* copy_words copies n bytes in 8-byte words; it may write up to 7 bytes
 * past dst + n (the output keeps that slack) and read past src + n only
 * when that stays inside memory. */
static inline void copy_words(uint8_t *dst, const uint8_t *src, uint32_t n) {
	uint32_t i = 0;
	if ((uintptr_t)src + n + 8 <= __builtin_wasm_memory_size(0) * 65536) {
		for (; i < n; i += 8) st64(dst + i, ld64(src + i));
		return;
	}
	for (; i + 8 <= n; i += 8) st64(dst + i, ld64(src + i));
	for (; i < n; i++) dst[i] = src[i];
}

static inline void put_be64(uint8_t *o, uint64_t v) { st64(o, bswap64(v)); }

VELORT_EXPORT("msgpack_encode")
velort_str msgpack_encode(const velort_slot *row) {
	/* room for every key, the largest value header of each column and its text */
	uint32_t room = 3 + keys_total + 16;
	for (uint32_t c = 0; c < ncols; c++) {
		uint32_t t = row[c].tag;
		room += 16 + (t == VELORT_VARCHAR || t == VELORT_JSON || t == VELORT_VARBINARY ? row[c].len : t == VELORT_DECIMAL ? 48 : 0);
	}
	out_len = 0;
	if (!grow(room)) return velort_codec_fail("msgpack: out of memory");
	uint8_t *o = out;
	if (ncols < 16) *o++ = (uint8_t)(0x80 | ncols);
	else { *o++ = 0xde; *o++ = (uint8_t)(ncols >> 8); *o++ = (uint8_t)ncols; }
	for (uint32_t c = 0; c < ncols; c++) {
		const velort_slot *s = &row[c];
		copy_words(o, keys + key_off[c], key_len[c]); /* keys has 8 bytes of slack */
		o += key_len[c];
		switch (s->tag) {
		case VELORT_NULL: *o++ = 0xc0; break;
		case VELORT_BOOLEAN: *o++ = s->v.i ? 0xc3 : 0xc2; break;
		case VELORT_BIGINT: {
			int64_t i = s->v.i;
			if (i >= -32 && i <= 0x7f) *o++ = (uint8_t)(int8_t)i;
			else if (i >= -2147483648LL && i <= 2147483647LL) { *o = 0xd2; put_be64(o + 1, (uint64_t)i << 32); o += 5; }
			else { *o = 0xd3; put_be64(o + 1, (uint64_t)i); o += 9; }
			break;
		}
		case VELORT_DOUBLE: {
			union { double f; uint64_t u; } cv = {s->v.f};
			*o = 0xcb;
			put_be64(o + 1, cv.u);
			o += 9;
			break;
		}
		case VELORT_TIMESTAMP: { /* timestamp 96: nanoseconds, seconds */
			int64_t ms = s->v.i, sec = ms / 1000, rem = ms % 1000;
			if (rem < 0) { rem += 1000; sec--; }
			o[0] = 0xc7; o[1] = 12; o[2] = 0xff;
			put_be64(o + 3, (uint64_t)((uint32_t)rem * 1000000u) << 32);
			put_be64(o + 7, (uint64_t)sec);
			o += 15;
			break;
		}
		case VELORT_VARCHAR: case VELORT_JSON: case VELORT_VARBINARY: {
			uint32_t n = s->len;
			if (n < 32) *o++ = (uint8_t)(0xa0 | n);
			else if (n < 256) { *o++ = 0xd9; *o++ = (uint8_t)n; }
			else if (n < 65536) { *o++ = 0xda; *o++ = (uint8_t)(n >> 8); *o++ = (uint8_t)n; }
			else { *o = 0xdb; put_be64(o + 1, (uint64_t)n << 32); o += 5; }
			copy_words(o, (const uint8_t *)(uintptr_t)s->v.ptr, n);
			o += n;
			break;
		}
		case VELORT_DECIMAL: {
			char buf[48];
			uint32_t n = decimal_text(buf, s->v.i, s->len);
			*o++ = (uint8_t)(0xa0 | n); /* at most 21 characters: a fixstr */
			for (uint32_t j = 0; j < n; j++) o[j] = (uint8_t)buf[j];
			o += n;
			break;
		}
		default:
			return velort_codec_fail("msgpack: a value of an unknown tag");
		}
	}
	return velort_return(out, (uint32_t)(o - out));
}
