#!/bin/sh
# Trains the image's AOT cache (JDK 25, JEP 483/514/515): one `bin/interlock run` with every bundled plugin, stopped
# by SIGTERM once all have started; at exit the JVM writes the classes it loaded and linked (the boot layer's: the
# platform, Guice, Guava, and the JDK classes the plugins used) to <image>/lib/interlock.aot, which bin/interlock
# then passes as -XX:AOTCache. Plugin-layer classes have their own class loaders and are not cached.
#
# usage: train-aot-cache.sh IMAGE WORKDIR
set -eu
image="$1" work="$2"
cache="$image/lib/interlock.aot"
rm -rf "$work" "$cache"
mkdir -p "$work/data" "$work/config"
fifo="$work/out"
mkfifo "$fifo"
unset INTERLOCK_OPTS INTERLOCK_HOME INTERLOCK_PLUGIN_DIR INTERLOCK_DATA_DIR INTERLOCK_CONFIG_DIR \
  JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS || :
XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" INTERLOCK_OPTS="-XX:AOTCacheOutput=$cache" \
  "$image/bin/interlock" run >"$fifo" 2>"$work/err" &
pid=$!
exec 3<"$fifo"
started=""
while IFS= read -r line <&3; do
  echo "$line" >>"$work/log"
  case "$line" in
  "interlock: "*"plugin(s) running"*) started=yes; break ;;
  esac
done
if [ -z "$started" ]; then
  echo "train-aot-cache: 'interlock run' ended before its plugins started:" >&2
  cat "$work/log" "$work/err" >&2
  exit 1
fi
kill -TERM "$pid"
cat <&3 >>"$work/log"
exec 3<&-
status=0
wait "$pid" || status=$?
if [ "$status" -ne 0 ] || [ ! -s "$cache" ]; then
  echo "train-aot-cache: the training run exited $status and wrote no cache at $cache:" >&2
  cat "$work/log" "$work/err" >&2
  exit 1
fi
echo "train-aot-cache: $cache ($(du -k "$cache" | cut -f1) kB)"
