/* badsig.c — its manifest declares half(BIGINT) -> BIGINT but the export
 * takes and returns f64; loading it must fail with "signature mismatch". */
#include "velort.h"

VELORT_MANIFEST_FILE("badsig.json");

VELORT_EXPORT("half")
double half(double x) { return x / 2; }
