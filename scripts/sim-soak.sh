#!/usr/bin/env bash
# A long soak of the consensus simulator: SEEDS seeds (default 20000) spread over several validator
# counts with 0 and f Byzantine validators, in chunks run JOBS at a time (default: one per CPU).
# Seeds start at FIRST (default 100000) so the soak does not repeat the CI test's seeds.
# Exits 1 and prints the replay command of each failing chunk's first violation.
#   SEEDS=50000 JOBS=8 TAIL=10000 bash scripts/sim-soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SEEDS:-20000}
first=${FIRST:-100000}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
chunk=${CHUNK:-500}
# Liveness is checked for this long after each run's heal (a chain that stalls later fails the run).
tail=${TAIL:-5000}
# n k pairs: every size with no faults and with f Byzantine validators (f = floor((n-1)/3)).
configs=("1 0" "4 0" "4 1" "7 0" "7 2" "10 3")
per_config=$((seeds / ${#configs[@]}))

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

tasks=()
for cfg in "${configs[@]}"; do
  read -r n k <<<"$cfg"
  for ((start = first; start < first + per_config; start += chunk)); do
    count=$((first + per_config - start < chunk ? first + per_config - start : chunk))
    tasks+=("$n $k $start $count $tail")
  done
done

echo "soak: ${#tasks[@]} chunks, $((per_config * ${#configs[@]})) seeds, $jobs at a time"
started=$(date +%s)
printf '%s\n' "${tasks[@]}" |
  xargs -P "$jobs" -L 1 sh -c \
    'npx tsx test/sim/run.ts --validators "$0" --byzantine "$1" --first "$2" --seeds "$3" --tail "$4" >"'"$logs"'/$0-$1-$2.log" 2>&1 || true'

failed=0
total=0
for log in "$logs"/*.log; do
  n=$(sed -n 's/^seeds: \([0-9]*\).*/\1/p' "$log")
  total=$((total + ${n:-0}))
  if ! grep -q '^violations: 0$' "$log"; then
    failed=1
    echo "--- $(basename "$log" .log)"
    grep -E '^(VIOLATION|scenario|replay)' "$log" || tail -5 "$log"
  fi
done
echo "seeds run: $total in $(($(date +%s) - started)) s"
if [ "$failed" -ne 0 ]; then
  echo "violations found"
  exit 1
fi
echo "violations: 0"
