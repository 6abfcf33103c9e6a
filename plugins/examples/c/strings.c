/* strings.c — VARCHAR, VARBINARY and JSON arguments and results. Its manifest
 * comes from the exported velort_describe function instead of a custom
 * section. */
#include "velort.h"

static const char manifest[] =
	"{\"functions\":["
	"{\"name\":\"mask_c\",\"export\":\"mask_c\",\"params\":[\"VARCHAR\"],\"returns\":\"VARCHAR\"},"
	"{\"name\":\"concat3\",\"export\":\"concat3\",\"params\":[\"VARCHAR\",\"VARCHAR\",\"VARCHAR\"],\"returns\":\"VARCHAR\"},"
	"{\"name\":\"byte_sum\",\"export\":\"byte_sum\",\"params\":[\"VARBINARY\"],\"returns\":\"BIGINT\"},"
	"{\"name\":\"hex\",\"export\":\"hex\",\"params\":[\"VARBINARY\"],\"returns\":\"VARCHAR\"},"
	"{\"name\":\"json_kind\",\"export\":\"json_kind\",\"params\":[\"JSON\"],\"returns\":\"VARCHAR\"},"
	"{\"name\":\"repeat\",\"export\":\"repeat\",\"params\":[\"VARCHAR\",\"BIGINT\"],\"returns\":\"VARCHAR\"}"
	"]}";

VELORT_EXPORT("velort_describe")
velort_str velort_describe(void) { return velort_return(manifest, sizeof manifest - 1); }

/* Results are built in a buffer that is reused from call to call: the host
 * copies a result out before it calls the module again. */
static char *out;
static uint32_t out_cap;

static char *out_buf(uint32_t n) {
	if (n > out_cap) {
		char *p = velort_malloc(n);
		if (!p) __builtin_trap();
		out = p;
		out_cap = n;
	}
	return out;
}

/* mask_c(VARCHAR) -> VARCHAR: all but the last 4 bytes become '*'. */
VELORT_EXPORT("mask_c")
velort_str mask_c(const char *s, uint32_t n) {
	char *o = out_buf(n);
	for (uint32_t i = 0; i < n; i++) o[i] = i + 4 < n ? '*' : s[i];
	return velort_return(o, n);
}

/* concat3(VARCHAR, VARCHAR, VARCHAR) -> VARCHAR */
VELORT_EXPORT("concat3")
velort_str concat3(const char *a, uint32_t an, const char *b, uint32_t bn, const char *c, uint32_t cn) {
	char *o = out_buf(an + bn + cn);
	memcpy(o, a, an);
	memcpy(o + an, b, bn);
	memcpy(o + an + bn, c, cn);
	return velort_return(o, an + bn + cn);
}

/* byte_sum(VARBINARY) -> BIGINT */
VELORT_EXPORT("byte_sum")
int64_t byte_sum(const uint8_t *p, uint32_t n) {
	int64_t s = 0;
	for (uint32_t i = 0; i < n; i++) s += p[i];
	return s;
}

/* hex(VARBINARY) -> VARCHAR */
VELORT_EXPORT("hex")
velort_str hex(const uint8_t *p, uint32_t n) {
	static const char digits[] = "0123456789abcdef";
	char *o = out_buf(2 * n);
	for (uint32_t i = 0; i < n; i++) {
		o[2 * i] = digits[p[i] >> 4];
		o[2 * i + 1] = digits[p[i] & 15];
	}
	return velort_return(o, 2 * n);
}

/* json_kind(JSON) -> VARCHAR: "object", "array", "string", "number", "bool"
 * or "null", from the first non-blank byte of the document. */
VELORT_EXPORT("json_kind")
velort_str json_kind(const char *s, uint32_t n) {
	uint32_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
	const char *k = "number";
	if (i == n) k = "null";
	else if (s[i] == '{') k = "object";
	else if (s[i] == '[') k = "array";
	else if (s[i] == '"') k = "string";
	else if (s[i] == 't' || s[i] == 'f') k = "bool";
	else if (s[i] == 'n') k = "null";
	uint32_t len = 0;
	while (k[len]) len++;
	return velort_return(k, len);
}

/* repeat(VARCHAR, BIGINT) -> VARCHAR; NULL when the count is negative. */
VELORT_EXPORT("repeat")
velort_str repeat(const char *s, uint32_t n, int64_t times) {
	if (times < 0) {
		velort_result_null();
		return 0;
	}
	char *o = out_buf(n * (uint32_t)times);
	for (int64_t t = 0; t < times; t++) memcpy(o + t * n, s, n);
	return velort_return(o, n * (uint32_t)times);
}
