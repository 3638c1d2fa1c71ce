#!/usr/bin/env bash
# Measures the jlink runtime image (distribution/target/interlock) and writes docs/benchmarks.d/image.md:
#   1. size on disk (du), and of the .tar.gz;
#   2. time from launch to "all plugins started" (`interlock run` prints "interlock: N plugin(s) running" once every
#      plugin's start has returned), over RUNS runs: min / median / max wall time, and the CPU time the JVM had used;
#   3. resident memory at that moment (VmRSS from /proc/<pid>/status);
# each two ways: as shipped (bin/interlock passes the image's AOT cache, lib/interlock.aot, trained at build time) and
# with -XX:AOTMode=off (no AOT cache, no class sharing at all); the runs of the two kinds are interleaved so that both
# see the same machine load.
#
#   scripts/measure-image.sh            # RUNS=10
#   RUNS=3 scripts/measure-image.sh     # quicker
#   IMAGE=/opt/interlock scripts/measure-image.sh   # another image (the report still goes to docs/benchmarks.d)
#
# The image is built first if it is missing (./mvnw -B -q -pl distribution -am install -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
IMAGE=${IMAGE:-distribution/target/interlock}
OUT=docs/benchmarks.d/image.md

if [ ! -x "$IMAGE/bin/interlock" ]; then
  echo "measure-image: no image at $IMAGE; building it" >&2
  ./mvnw -B -q -pl distribution -am install -DskipTests
fi
IMAGE="$(cd "$IMAGE" && pwd -P)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
unset INTERLOCK_OPTS INTERLOCK_HOME INTERLOCK_PLUGIN_DIR INTERLOCK_DATA_DIR INTERLOCK_CONFIG_DIR \
  JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS || true
tick=$(getconf CLK_TCK)

# One `interlock run`: prints "<wall ms> <cpu ms> <rss kB> <plugins running>"; stops it with SIGTERM and checks that it
# exits 0 with nothing that looks like a warning on stderr. $1: extra JVM options (INTERLOCK_OPTS), may be empty.
run_once() {
  local opts=$1 fifo="$work/out" line t0 t1 pid status cpu rss running
  rm -f "$fifo"; mkfifo "$fifo"
  t0=$(date +%s%N)
  INTERLOCK_OPTS="$opts" "$IMAGE/bin/interlock" run >"$fifo" 2>"$work/err" &
  pid=$!
  exec 3<"$fifo"
  running=""
  while IFS= read -r line <&3; do
    case "$line" in
    "interlock: "*"plugin(s) running"*) running="${line#interlock: }"; running="${running%% *}"; break ;;
    esac
  done
  t1=$(date +%s%N)
  if [ -z "$running" ]; then
    echo "measure-image: interlock run ended before its plugins started; stderr:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  # utime + stime (fields 14, 15 of /proc/<pid>/stat; the command name "(java)" has no spaces) and VmRSS.
  cpu=$(awk -v t="$tick" '{ printf "%d", ($14 + $15) * 1000 / t }' "/proc/$pid/stat")
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  kill -TERM "$pid"
  cat <&3 >/dev/null
  exec 3<&-
  status=0
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "measure-image: interlock run exited $status after SIGTERM; stderr:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  if grep -qi warn "$work/err"; then
    echo "measure-image: warnings on stderr with INTERLOCK_OPTS='$opts':" >&2
    cat "$work/err" >&2
    exit 1
  fi
  echo "$(( (t1 - t0) / 1000000 )) $cpu $rss $running"
}

# min / median / max of the numbers on stdin
stats() {
  sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%d / %d / %d", v[1], m, v[NR] }'
}

: >"$work/plain"; : >"$work/off"
for i in $(seq 1 "$RUNS"); do
  echo "measure-image: run $i/$RUNS" >&2
  run_once "" >>"$work/plain"
  run_once "-XX:AOTMode=off" >>"$work/off"
done

kb() { du -sk "$1" | cut -f1; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
size_total=$(kb "$IMAGE")
size_modules=$(kb "$IMAGE/lib/modules")
size_plugins=$(kb "$IMAGE/plugins")
size_plugins_links=$(du -skl "$IMAGE/plugins" | cut -f1)
tarball=$(ls "$IMAGE"/../interlock-*.tar.gz 2>/dev/null | head -1 || true)
size_tar=""
[ -n "$tarball" ] && size_tar=$(( $(stat -c %s "$tarball") / 1024 ))
size_aot=$(kb "$IMAGE/lib/interlock.aot")
plugins=$(awk 'NR == 1 { print $4 }' "$work/plain")
modules=$("$IMAGE/bin/java" --list-modules | wc -l)
jvm=$("$IMAGE/bin/java" -version 2>&1 | head -1)

{
  echo "## Runtime image (jlink)"
  echo
  echo "Measured by \`scripts/measure-image.sh\` (RUNS=$RUNS) on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM (the JVM's default heap sizing follows it: no -Xmx is set),"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (the machine is shared: wall times include waiting"
  echo "for a core; CPU time does not). Image: \`distribution/target/interlock\` ($jvm; $modules modules linked,"
  echo "all in the boot layer), built by \`./mvnw -B -q install -DskipTests\`."
  echo
  echo "### Size on disk"
  echo
  echo "| what | size | command |"
  echo "|---|---|---|"
  echo "| the whole image | $(mb "$size_total") | \`du -sk distribution/target/interlock\` |"
  echo "| linked modules (\`lib/modules\`, zip-9) | $(mb "$size_modules") | \`du -sk .../lib/modules\` |"
  echo "| AOT cache (\`lib/interlock.aot\`, trained at build time) | $(mb "$size_aot") | \`du -sk .../lib/interlock.aot\` |"
  echo "| plugin folders (\`plugins/\`, shared jars hard-linked) | $(mb "$size_plugins") | \`du -sk .../plugins\` |"
  echo "| plugin folders if every shared jar were a copy | $(mb "$size_plugins_links") | \`du -skl .../plugins\` |"
  [ -n "$size_tar" ] && echo "| \`$(basename "$tarball")\` | $(mb "$size_tar") | \`stat -c %s\` |"
  echo
  echo "### Start-up and memory: launch to all $plugins plugins started"
  echo
  echo "One run: \`bin/interlock run\` with fresh XDG data/config directories, timed from launch until it prints"
  echo "\`interlock: $plugins plugin(s) running\` (every plugin's start has returned); CPU = utime + stime of the JVM"
  echo "(\`/proc/<pid>/stat\`) and RSS = \`VmRSS\` (\`/proc/<pid>/status\`) at that moment; then SIGTERM, which must"
  echo "end it with status 0 and no warning on stderr. min / median / max over $RUNS runs:"
  echo
  echo "| how | wall ms | CPU ms | RSS MB |"
  echo "|---|---|---|---|"
  for kind in plain off; do
    f="$work/$kind"
    case "$kind" in
    plain) label="as shipped (AOT cache): \`bin/interlock run\`" ;;
    off) label="no AOT cache, no CDS: \`INTERLOCK_OPTS=-XX:AOTMode=off bin/interlock run\`" ;;
    esac
    echo "| $label | $(cut -d' ' -f1 "$f" | stats) | $(cut -d' ' -f2 "$f" | stats) |" \
      "$(cut -d' ' -f3 "$f" | awk '{ print int($1 / 1024) }' | stats) |"
  done
  echo
  echo "The AOT cache (JDK 25, JEP 483/514/515) is trained in the build by one \`bin/interlock run\` with every"
  echo "bundled plugin, stopped by SIGTERM (\`distribution/src/build/train-aot-cache.sh\`, which runs it with"
  echo "\`INTERLOCK_OPTS=-XX:AOTCacheOutput=lib/interlock.aot\`). It holds the boot layer's classes (the platform, Guice,"
  echo "Guava, and the JDK classes the plugins used); plugin-layer classes have their own class loaders and load as"
  echo "usual. The image has no default CDS archive (\`jlink --generate-cds-archive\`, 28 MB): for \`bin/interlock\`"
  echo "the AOT cache supersedes it."
} >"$OUT"
echo "measure-image: wrote $OUT" >&2
cat "$OUT"
