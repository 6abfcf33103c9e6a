/* badimport.c — imports a function the sandbox does not provide; loading it
 * must fail with a "forbidden import" error. */
#include "velort.h"

VELORT_MANIFEST_FILE("badimport.json");

__attribute__((import_module("env"), import_name("launch_missiles")))
int64_t launch_missiles(int64_t n);

VELORT_EXPORT("boom")
int64_t boom(int64_t n) { return launch_missiles(n); }
