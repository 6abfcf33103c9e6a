/* numeric.c — numeric, boolean and timestamp user functions, a batch entry
 * point, and NULL handling. Manifest: numeric.json, embedded as a custom
 * section. */
#include "velort.h"

VELORT_MANIFEST_FILE("numeric.json");

/* fee(price DOUBLE, qty BIGINT) -> DOUBLE: 0.1% of the notional, at least 1. */
VELORT_EXPORT("fee")
double fee(double price, int64_t qty) {
	double f = price * (double)qty * 0.001;
	return f < 1.0 ? 1.0 : f;
}

/* The batch form of fee: one call per micro-batch over column arrays. */
VELORT_EXPORT("fee_batch")
void fee_batch(int32_t n, const double *price, const int64_t *qty, double *out) {
	for (int32_t i = 0; i < n; i++) out[i] = fee(price[i], qty[i]);
}

/* is_even(BIGINT) -> BOOLEAN */
VELORT_EXPORT("is_even")
int32_t is_even(int64_t x) { return (x & 1) == 0; }

/* both(BOOLEAN, BOOLEAN) -> BOOLEAN */
VELORT_EXPORT("both")
int32_t both(int32_t a, int32_t b) { return a && b; }

/* day_start(TIMESTAMP) -> TIMESTAMP: midnight UTC of the same day (epoch ms). */
VELORT_EXPORT("day_start")
int64_t day_start(int64_t ms) {
	const int64_t day = 86400000;
	int64_t r = ms % day;
	return ms - (r < 0 ? r + day : r);
}

/* safe_div(DOUBLE, DOUBLE) -> DOUBLE, NULL when dividing by zero. */
VELORT_EXPORT("safe_div")
double safe_div(double a, double b) {
	if (b == 0) {
		velort_result_null();
		return 0;
	}
	return a / b;
}

/* coalesce0(DOUBLE) -> DOUBLE declares "handles_null": the host calls it for
 * NULL arguments too, passing a leading bitmask of the NULL arguments. */
VELORT_EXPORT("coalesce0")
double coalesce0(uint32_t nulls, double x) { return (nulls & 1) ? 0.0 : x; }

/* xorshift(seed BIGINT, n BIGINT) -> BIGINT: n rounds of xorshift64, a
 * loop-heavy function (the host's benchmarks measure loop overhead on it). */
VELORT_EXPORT("xorshift")
int64_t xorshift(int64_t seed, int64_t n) {
	uint64_t x = (uint64_t)seed;
	for (int64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return (int64_t)x;
}
