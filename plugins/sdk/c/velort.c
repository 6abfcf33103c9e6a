/* velort.c — allocator and the velort_alloc export for C guests. */
#include "velort.h"

extern unsigned char __heap_base;
static uintptr_t heap_top;

void *velort_malloc(size_t n) {
	if (heap_top == 0) heap_top = (uintptr_t)&__heap_base;
	uintptr_t p = (heap_top + 7) & ~(uintptr_t)7;
	uintptr_t end = p + n;
	uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
	if (end > have) {
		uintptr_t pages = (end - have + 65535) / 65536;
		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
	}
	heap_top = end;
	return (void *)p;
}

/* The host's argument area: reserved for the host until the next
 * velort_alloc call, so one buffer is reused for every call that fits. */
static void *area;
static uint32_t area_cap;

VELORT_EXPORT("velort_alloc")
uint32_t velort_alloc(uint32_t n) {
	if (n > area_cap) {
		void *p = velort_malloc(n);
		if (!p) return 0;
		area = p;
		area_cap = n;
	}
	return (uint32_t)(uintptr_t)area;
}

__attribute__((no_builtin))
void *memcpy(void *dst, const void *src, size_t n) {
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--) *d++ = *s++;
	return dst;
}

__attribute__((no_builtin))
void *memset(void *dst, int c, size_t n) {
	unsigned char *d = dst;
	while (n--) *d++ = (unsigned char)c;
	return dst;
}
