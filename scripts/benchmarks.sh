#!/usr/bin/env bash
# Runs the JMH suite and writes docs/benchmarks.md: every figure beside its baseline from the same run.
#
#   scripts/benchmarks.sh                 # the full suite, -f 3 -wi 8 -i 5 (about 40 minutes on 2 cores)
#   FORKS=2 WARMUPS=5 scripts/benchmarks.sh   # shorter
#   ONLY='KeyedMutex|SingleFlight' scripts/benchmarks.sh   # only the runs whose regex matches (a bash regex)
#   KEEP=1 ONLY='SingleFlight' scripts/benchmarks.sh         # re-run those and keep the other results of the last
#                                                            # run: the report names every command that contributed
#
# Each invocation below is one JMH run; the JSON results land in benchmarks/target/jmh/ and
# scripts/benchmarks_report.py turns them into the Markdown report.
set -euo pipefail
cd "$(dirname "$0")/.."

FORKS=${FORKS:-3}
WARMUPS=${WARMUPS:-8}
ITERATIONS=${ITERATIONS:-5}
ONLY=${ONLY:-}
KEEP=${KEEP:-}

./mvnw -B -q -pl benchmarks -am install -DskipTests
# run JMH on the same JDK the wrapper picked
JAVA="$(./mvnw -B --version | sed -n 's/.*runtime: //p')/bin/java"
JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/jmh
[ -n "$KEEP" ] || rm -rf "$OUT"
mkdir -p "$OUT"
# -to: an iteration that hangs (a deadlocked baseline, a leak) fails after 2 minutes instead of JMH's 10.
COMMON=(-f "$FORKS" -wi "$WARMUPS" -i "$ITERATIONS" -w 1s -r 1s -to 120s -prof gc -jvmArgs "-Xms1g -Xmx1g")

run() { # name, regex, extra args...
  local name=$1 regex=$2; shift 2
  if [ -n "$ONLY" ] && ! [[ "$regex" =~ $ONLY ]]; then return 0; fi
  echo "== $name: $regex $*" >&2
  "$JAVA" -jar "$JAR" "$regex" "${COMMON[@]}" "$@" -rf json -rff "$OUT/$name.json" | tee "$OUT/$name.log" | grep -E '^(Benchmark|[A-Z][A-Za-z]+Benchmark\.)' || true
}

run keyed-1t  'guard.KeyedMutexBenchmark\.'  -t 1
run keyed-2t  'guard.KeyedMutexBenchmark\.(interlock|striped|refCounted)$' -t 2 -p keys=uniform,zipf
run keyed-vt  'guard.KeyedMutexVirtualThreadsBenchmark\.' -t 1
run flight    'guard.SingleFlightBenchmark\.' -t 1
run burst     'guard.SingleFlightBurstBenchmark\.' -t 1
run queue     'guard.OperationQueueBenchmark\.' -t 1
run mse       'mse.MseHandshakeBenchmark\.|mse.MseStreamBenchmark\.' -t 1
run ratchet   'ratchet.RatchetSealOpenBenchmark\.|ratchet.RatchetRekeyBenchmark\.' -t 1
run mls       'mls.MlsCreateGroupBenchmark\.|mls.MlsAddMemberBenchmark\.|mls.MlsProtectBenchmark\.' -t 1

echo "FORKS=$FORKS WARMUPS=$WARMUPS ITERATIONS=$ITERATIONS${KEEP:+ KEEP=$KEEP}${ONLY:+ ONLY='$ONLY'} scripts/benchmarks.sh" \
  >> "$OUT/commands.txt"
CMD="$(awk 'NR > 1 { printf "` then `" } { printf "%s", $0 }' "$OUT/commands.txt")"
python3 scripts/benchmarks_report.py "$OUT" "$JAVA" "$CMD" > docs/benchmarks.md
# Figures measured by other harnesses (image size and start-up, the bridge's outbox, ...), each fragment with the
# command that produced it.
for fragment in docs/benchmarks.d/*.md; do
  [ -f "$fragment" ] && { echo; cat "$fragment"; } >> docs/benchmarks.md
done
echo "wrote docs/benchmarks.md" >&2
