// Package conformance holds velort's differential conformance test: every
// expression of a long list is evaluated by velort (parsed, planned and run
// over JSON records through the real decoder, pipeline and encoder) and by a
// private MariaDB server over the same edge-value rows, and the results are
// compared under the rules of compare_test.go. Differences that are
// deliberate are listed with their reason in accepted_test.go; known bugs
// still to fix are in testdata/known_wrong.txt (regenerate it with
// `go test ./internal/conformance -run TestMariaDB -update-known`; add
// `-only REGEXP` to run only the matching expressions). A human-
// readable report of every difference is written to /tmp/conformance/report.txt
// (or $VELORT_CONFORMANCE_REPORT). TestMariaDBRandomColumnComparisons adds
// random predicates over column-to-column comparisons (VELORT_SEEDS=n for
// n seeds of 40).
package conformance
