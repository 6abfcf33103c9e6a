/* faults.c — misbehaving functions that the host's sandbox tests run: an
 * endless loop, loop-free endless recursion, traps, a memory grower and a
 * file reader. Each is the smallest guest that shows one fault. */
#include "velort.h"

VELORT_MANIFEST_FILE("faults.json");

/* add1 is the healthy function a test calls after a fault. */
VELORT_EXPORT("add1")
int64_t add1(int64_t x) { return x + 1; }

static volatile int64_t sink;

/* spin never returns. */
VELORT_EXPORT("spin")
int64_t spin(int64_t x) {
	for (;;) sink = x++;
}

/* The batch form of spin: never returns either. */
VELORT_EXPORT("spin_batch")
void spin_batch(int32_t n, const int64_t *x, int64_t *out) {
	for (int32_t i = 0; i < n; i++) out[i] = spin(x[i]);
}

/* burn is exponential recursion without any loop: only the fuel check at
 * function entry can stop it. optnone keeps clang from turning it into a loop. */
__attribute__((noinline, optnone)) static int64_t fib(int64_t n) {
	if (n < 2) return n;
	return fib(n - 1) + fib(n - 2);
}

VELORT_EXPORT("burn")
int64_t burn(int64_t n) { return fib(n); }

/* trap executes `unreachable`. */
VELORT_EXPORT("trap")
int64_t trap(int64_t x) {
	if (x >= 0) __builtin_trap();
	return x;
}

/* divide traps on a zero divisor (i64.div_s). */
VELORT_EXPORT("divide")
int64_t divide(int64_t a, int64_t b) { return a / b; }

/* The batch form of divide: a zero divisor in any row traps the whole call. */
VELORT_EXPORT("divide_batch")
void divide_batch(int32_t n, const int64_t *a, const int64_t *b, int64_t *out) {
	for (int32_t i = 0; i < n; i++) out[i] = divide(a[i], b[i]);
}

/* grow adds pages of linear memory, trapping when memory.grow fails. */
VELORT_EXPORT("grow")
int64_t grow(int64_t pages) {
	if (__builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) __builtin_trap();
	return (int64_t)__builtin_wasm_memory_size(0);
}

/* try_grow is grow without the trap: -1 when memory.grow fails. */
VELORT_EXPORT("try_grow")
int64_t try_grow(int64_t pages) {
	if (__builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) return -1;
	return (int64_t)__builtin_wasm_memory_size(0);
}

/* WASI preview 1, declared by hand: no libc here. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
int32_t wasi_path_open(int32_t dirfd, int32_t dirflags, const char *path, uint32_t path_len, int32_t oflags,
                       int64_t rights, int64_t inheriting, int32_t fdflags, int32_t *fd);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_read")))
int32_t wasi_fd_read(int32_t fd, const void *iovs, uint32_t iovs_len, uint32_t *nread);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_close")))
int32_t wasi_fd_close(int32_t fd);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("environ_sizes_get")))
int32_t wasi_environ_sizes_get(uint32_t *count, uint32_t *size);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("clock_time_get")))
int32_t wasi_clock_time_get(int32_t id, int64_t precision, int64_t *t);

#define PREOPEN_FD 3          /* the first preopened directory, if any */
#define RIGHT_FD_READ (1 << 1)

static int32_t open_file(const char *path, uint32_t n, int32_t *fd) {
	return wasi_path_open(PREOPEN_FD, 0, path, n, 0, RIGHT_FD_READ, 0, 0, fd);
}

/* try_open returns -errno when the file cannot be opened, else 0. */
VELORT_EXPORT("try_open")
int64_t try_open(const char *path, uint32_t n) {
	int32_t fd;
	int32_t err = open_file(path, n, &fd);
	if (err) return -(int64_t)err;
	wasi_fd_close(fd);
	return 0;
}

/* read_file returns the number of bytes in the file, trapping if it cannot be
 * opened: a denied open is a fault the host must report. */
VELORT_EXPORT("read_file")
int64_t read_file(const char *path, uint32_t n) {
	int32_t fd;
	if (open_file(path, n, &fd)) __builtin_trap();
	static char buf[4096];
	struct { const void *p; uint32_t len; } iov = {buf, sizeof buf};
	int64_t total = 0;
	for (;;) {
		uint32_t got = 0;
		if (wasi_fd_read(fd, &iov, 1, &got)) __builtin_trap();
		if (got == 0) break;
		total += got;
	}
	wasi_fd_close(fd);
	return total;
}

/* env_count is the number of environment variables the guest sees. */
VELORT_EXPORT("env_count")
int64_t env_count(void) {
	uint32_t count = 0, size = 0;
	if (wasi_environ_sizes_get(&count, &size)) __builtin_trap();
	return count;
}

/* clock_ms reads the realtime clock, in epoch milliseconds. */
VELORT_EXPORT("clock_ms")
int64_t clock_ms(void) {
	int64_t ns = 0;
	if (wasi_clock_time_get(0, 1000, &ns)) __builtin_trap();
	return ns / 1000000;
}

/* fragile_sum is an aggregate (a sum) that traps on a negative input, to
 * show that states die with a faulted instance. */
static int64_t sums[64];
static int32_t nsums;

VELORT_EXPORT("fragile_sum_init")
int32_t fragile_sum_init(void) {
	if (nsums == 64) __builtin_trap();
	sums[nsums] = 0;
	return nsums++;
}

VELORT_EXPORT("fragile_sum_update")
void fragile_sum_update(int32_t h, int64_t x) {
	if (x < 0) __builtin_trap();
	sums[h] += x;
}

/* fragile_sum_retract takes x back out of the sum; found by its default
 * name (the manifest does not name it). It traps on a negative input like
 * update, and never returns for x = 1 << 40, to show retract's faults. */
VELORT_EXPORT("fragile_sum_retract")
void fragile_sum_retract(int32_t h, int64_t x) {
	if (x < 0) __builtin_trap();
	if (x == (int64_t)1 << 40)
		for (;;) sink = x++;
	sums[h] -= x;
}

VELORT_EXPORT("fragile_sum_merge")
void fragile_sum_merge(int32_t h, int32_t o) { sums[h] += sums[o]; }

VELORT_EXPORT("fragile_sum_result")
int64_t fragile_sum_result(int32_t h) { return sums[h]; }
