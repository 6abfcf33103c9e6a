#!/usr/bin/env bash
# rounds.sh: Nexmark in engine mode, round-robin, for a shared host.
#
#   internal/bench/rounds.sh [ROUNDS] [QUERY...]     (default: 7 rounds, q0–q22)
#
# Builds BenchmarkNexmarkGraph's test binary as velort ships (the
# profile-guided build, cmd/velort/default.pgo), then runs each query once
# per round (1 M events, two timed runs, each checked against its oracle,
# GOMAXPROCS=1, pinned to CPU $CORE, default 0), the queries in turn, so
# that a loud minute on the host lands on one run of each query instead
# of every run of one. Each run is a line "round query events/cpu-s
# records/cpu-s time" on stderr; at the end, per query: runs, the median
# and the range of Nexmark events per CPU second, and the median of
# records per CPU second (BENCHMARKS.md, "Round-robin rounds").
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-7}
shift || true
queries=("$@")
if [ ${#queries[@]} -eq 0 ]; then
	for i in $(seq 0 22); do queries+=("q$i"); done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bench.test
go test -c -pgo="$PWD/../../cmd/velort/default.pgo" -o "$bin" .
runs=$tmp/runs
for r in $(seq "$rounds"); do
	for q in "${queries[@]}"; do
		out=$(NEXMARK_EVENTS=1000000 GOMAXPROCS=1 taskset -c "${CORE:-0}" "$bin" -test.run XXX \
			-test.bench "NexmarkGraph/$q\$" -test.benchtime 2x 2>&1) || {
			echo "$out" >&2
			exit 1
		}
		line=$(echo "$out" | awk -v r="$r" -v q="$q" '{
			for (i = 2; i <= NF; i++) {
				if ($i == "events/cpu-s") e = $(i-1)
				if ($i == "records/cpu-s") v = $(i-1)
			}
		} END { printf "%s %s %s %s", r, q, e, v }')
		echo "$line $(date -u +%H:%M:%S)" | tee -a "$runs" >&2
	done
done
printf '%-5s %5s %14s %24s %14s\n' query runs "events/cpu-s" "range" "records/cpu-s"
for q in "${queries[@]}"; do
	awk -v q="$q" '$2 == q { e[n+0] = $3 + 0; v[n+0] = $4 + 0; n++ }
		function median(a, n,   i, j, t) {
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[int(n/2)] : (a[n/2-1] + a[n/2]) / 2
		}
		END {
			if (n == 0) exit
			lo = e[0]; hi = e[0]
			for (i = 1; i < n; i++) { if (e[i] < lo) lo = e[i]; if (e[i] > hi) hi = e[i] }
			printf "%-5s %5d %14.0f %11.0f–%-12.0f %14.0f\n", q, n, median(e, n), lo, hi, median(v, n)
		}' "$runs"
done
