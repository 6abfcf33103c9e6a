/* stats.c — two aggregates of a DOUBLE column: the sample variance (Welford's
 * algorithm, with Chan's formula to merge two partial states, and Welford's
 * step run backwards to retract a row, which lets velort use it over a
 * changelog) and the maximum (no retract). States live in the guest; the
 * host holds i32 handles. */
#include "velort.h"

VELORT_MANIFEST_FILE("stats.json");

typedef struct {
	int64_t n;
	double mean, m2;
	int32_t next_free; /* free-list link while unused */
} state;

static state *states;
static int32_t cap, used, free_head = -1;

VELORT_EXPORT("variance_init")
int32_t variance_init(void) {
	int32_t h;
	if (free_head >= 0) {
		h = free_head;
		free_head = states[h].next_free;
	} else {
		if (used == cap) {
			int32_t ncap = cap ? cap * 2 : 64;
			state *ns = velort_malloc(sizeof(state) * (size_t)ncap);
			if (!ns) __builtin_trap();
			if (used) memcpy(ns, states, sizeof(state) * (size_t)used);
			states = ns;
			cap = ncap;
		}
		h = used++;
	}
	states[h] = (state){0, 0, 0, -1};
	return h;
}

VELORT_EXPORT("variance_update")
void variance_update(int32_t h, double x) {
	state *s = &states[h];
	s->n++;
	double d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
}

/* variance_retract undoes variance_update(h, x): the mean before x was
 * (n*mean - x) / (n-1), and m2 loses the same term update added. Retracting
 * every row gives the empty state exactly; one row left has m2 = 0. */
VELORT_EXPORT("variance_retract")
void variance_retract(int32_t h, double x) {
	state *s = &states[h];
	if (s->n <= 1) {
		s->n = 0;
		s->mean = s->m2 = 0;
		return;
	}
	double mean = s->mean;
	s->n--;
	s->mean = mean - (x - mean) / (double)s->n;
	s->m2 -= (x - s->mean) * (x - mean);
	if (s->n == 1 || s->m2 < 0) s->m2 = 0; /* rounding cannot make it negative */
}

VELORT_EXPORT("variance_merge")
void variance_merge(int32_t h, int32_t o) {
	state *a = &states[h], *b = &states[o];
	if (b->n == 0) return;
	int64_t n = a->n + b->n;
	double d = b->mean - a->mean;
	a->mean += d * (double)b->n / (double)n;
	a->m2 += b->m2 + d * d * (double)a->n * (double)b->n / (double)n;
	a->n = n;
}

VELORT_EXPORT("variance_result")
double variance_result(int32_t h) {
	state *s = &states[h];
	if (s->n < 2) {
		velort_result_null();
		return 0;
	}
	return s->m2 / (double)(s->n - 1);
}

VELORT_EXPORT("variance_free")
void variance_free(int32_t h) {
	states[h].next_free = free_head;
	free_head = h;
}

/* maximum has no retract export: a maximum cannot take a row back without
 * keeping every value, so velort refuses it over a changelog (where the
 * built-in MAX keeps value counts and retracts). It shares variance's
 * handles, with mean holding the maximum. */
VELORT_EXPORT("maximum_init")
int32_t maximum_init(void) { return variance_init(); }

VELORT_EXPORT("maximum_update")
void maximum_update(int32_t h, double x) {
	state *s = &states[h];
	if (s->n == 0 || x > s->mean) s->mean = x;
	s->n++;
}

VELORT_EXPORT("maximum_merge")
void maximum_merge(int32_t h, int32_t o) {
	state *b = &states[o];
	if (b->n > 0) {
		maximum_update(h, b->mean);
		states[h].n += b->n - 1;
	}
}

VELORT_EXPORT("maximum_result")
double maximum_result(int32_t h) {
	if (states[h].n == 0) {
		velort_result_null();
		return 0;
	}
	return states[h].mean;
}

VELORT_EXPORT("maximum_free")
void maximum_free(int32_t h) { variance_free(h); }
