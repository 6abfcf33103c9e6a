#!/bin/bash
# What an exchange costs (BENCHMARKS.md): the CPU time of `velort run` for the
# same answer through 0-3 stage boundaries. usage: run.sh ROUNDS VELORT
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -c "
import random
r = random.Random(1)
with open('$tmp/s.jsonl', 'w') as f:
    for i in range(300000):
        f.write('{\"k\":\"K%d\",\"x\":%d,\"y\":%d}\n' % (r.randrange(1000), r.randrange(100), r.randrange(100)))
"
for r in $(seq 1 "$1"); do for n in 0 1 2 3; do
  /usr/bin/time -f "$n %U %S %e" "$2" run chain$n.sql --replay s="$tmp/s.jsonl" --capture o="$tmp/o$n.out" >/dev/null 2>"$tmp/err"
  tail -1 "$tmp/err"
  test "$(wc -l < "$tmp/o$n.out")" = 300000 || echo "n=$n: wrong number of rows"
done; done
