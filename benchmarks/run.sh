#!/usr/bin/env bash
# Runs the maas benchmarks against raw ONNX Runtime and prints a Markdown report whose last line is
#   RESULT overhead=R1 vs_ceiling=R2 vs_raw=R3
#
#   benchmarks/run.sh quick   # MLP at 1/8/32/64 callers + overhead on MLP and MiniLM; < 10 min on 2 cores
#   benchmarks/run.sh full    # also MiniLM at every concurrency, longer iterations (about an hour on 2 cores)
#
# Results: benchmarks/target/jmh-*.json (JMH), maas-stats-*.json (maas's scheduler), jmh-*.log (JMH's
# console output), report.md (the report). See benchmarks/README.md for how to read them.
set -euo pipefail

# Nothing leaves the machine: ONNX Runtime and DJL phone home unless told not to.
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true

profile="${1:-quick}"
case "$profile" in
  quick|full) ;;
  *) echo "usage: $0 quick|full" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/benchmarks.jar"
out="$here/target"
start=$SECONDS

# --- build if needed: no jar, or a source or pom newer than it
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/pom.xml" "$root/benchmarks" "$root/maas-core" "$root/maas-runtime-onnx" \
    \( -path '*/target' -prune \) -o -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) \
    -newer "$jar" -print -quit)" ]]; then
  echo "building benchmarks.jar ..."
  (cd "$root" && mvn -q -B -DskipTests package -pl benchmarks -am)
fi

cd "$here"
rm -f "$out"/jmh-*.json "$out"/jmh-*.log "$out"/maas-stats-*.json "$out"/report.md

java_version="$(java -version 2>&1 | head -1)"
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $java_version"

# jmh NAME ARGS...: one JMH run with JSON output to target/jmh-NAME.json and its console to target/jmh-NAME.log
jmh() {
  local name="$1"; shift
  local t0=$SECONDS l0
  l0="$(load)"
  if ! java -jar "$jar" "$@" -prof gc -rf json -rff "$out/jmh-$name.json" > "$out/jmh-$name.log" 2>&1; then
    echo "JMH run $name failed; the end of its log:" >&2
    tail -40 "$out/jmh-$name.log" >&2
    exit 1
  fi
  printf '  %-26s %4ds   load before %s, after %s\n' "$name" $((SECONDS - t0)) "$l0" "$(load)"
}

if [[ "$profile" == quick ]]; then
  short=(-wi 4 -w 1 -i 8 -r 1)            # MLP: thousands of calls per second-long iteration
  minilm_overhead=(-wi 3 -w 2 -i 6 -r 2)  # MiniLM at batch 1: ~20 ms per call
  models=(mlp)
else
  short=(-wi 5 -w 2 -i 10 -r 2)
  minilm_overhead=(-wi 5 -w 4 -i 10 -r 4)
  minilm_long=(-wi 2 -w 10 -i 5 -r 10)    # MiniLM batches of 64 run for about a second each
  models=(mlp minilm)
fi

echo "profile $profile: JMH runs (seconds, 1-minute load average of this machine):"
jmh overhead-mlp OverheadBenchmark -p model=mlp "${short[@]}"
jmh overhead-minilm OverheadBenchmark -p model=minilm "${minilm_overhead[@]}"
for model in "${models[@]}"; do
  if [[ "$model" == mlp ]]; then iters=("${short[@]}"); else iters=("${minilm_long[@]}"); fi
  for t in 1 8 32 64; do
    jmh "concurrency-$model-t$t" ConcurrencyBenchmark -t "$t" -p model="$model" "${iters[@]}"
  done
  jmh "ceiling-$model" CeilingBenchmark -p model="$model" -p batch=1,8,32,64 "${iters[@]}"
done
echo "benchmarks took $((SECONDS - start)) s"
echo

java -cp "$jar" dev.maas.benchmarks.Report "$out" | tee "$out/report.md"
