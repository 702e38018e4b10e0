#!/usr/bin/env bash
# Runs the maas benchmarks against raw ONNX Runtime and prints a Markdown report whose last line is
#   RESULT overhead=R1 vs_ceiling=R2 vs_raw=R3
#
#   benchmarks/run.sh quick   # MLP at 1/8/32/64 callers, overhead on MLP and MiniLM, identity at 64; < 10 min on 2 cores
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
rm -f "$out"/jmh-*.json "$out"/jmh-*.log "$out"/maas-stats-*.json "$out"/paired-overhead-*.* "$out"/report.md \
  "$out"/conditions.txt

java_version="$(java -version 2>&1 | head -1)"
# busy: percent of all cores busy over 2 s, sampled between JMH runs, i.e. used by other processes
busy() {
  local a b
  read -r -a a < /proc/stat; sleep 2; read -r -a b < /proc/stat
  local idle=$(( b[4] + b[5] - a[4] - a[5] )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $java_version"
echo "machine: $machine"
echo "machine: $machine; profile $profile; $(date -u +%Y-%m-%dT%H:%MZ)" > "$out/conditions.txt"

# jmh NAME ARGS...: one JMH run with JSON output to target/jmh-NAME.json and its console to target/jmh-NAME.log.
# JMH refuses to start while another JMH run holds /tmp/jmh.lock (two benchmarks sharing the cores would
# both measure nonsense): then wait for it, up to MAAS_BENCH_LOCK_WAIT seconds in all (default 900).
lock_wait_left="${MAAS_BENCH_LOCK_WAIT:-900}"
# On a shared machine, MAAS_BENCH_QUIET_WAIT=SECONDS lets each run wait (that many seconds in all, 0 by
# default) until other processes keep the cores less than MAAS_BENCH_QUIET_BELOW percent busy (15).
quiet_wait_left="${MAAS_BENCH_QUIET_WAIT:-0}"
quiet_below="${MAAS_BENCH_QUIET_BELOW:-15}"
quiet_busy() {  # sets b0; not in a subshell, so that the waiting budget is spent for good
  b0="$(busy)"
  while (( b0 >= quiet_below && quiet_wait_left > 0 )); do
    sleep 3
    quiet_wait_left=$((quiet_wait_left - 5))
    b0="$(busy)"
  done
}
jmh() {
  local name="$1"; shift
  local t0 b0
  quiet_busy
  t0=$SECONDS
  while ! java -jar "$jar" "$@" -prof gc -prof dev.maas.benchmarks.CpuTimeProfiler -rf json -rff "$out/jmh-$name.json" > "$out/jmh-$name.log" 2>&1; do
    if grep -q "Unable to acquire the JMH lock" "$out/jmh-$name.log" && (( lock_wait_left > 0 )); then
      echo "  $name: another JMH run holds /tmp/jmh.lock; waiting (${lock_wait_left}s of waiting left)"
      sleep 10
      lock_wait_left=$((lock_wait_left - 10))
      quiet_busy
      t0=$SECONDS
      continue
    fi
    echo "JMH run $name failed; the end of its log:" >&2
    tail -40 "$out/jmh-$name.log" >&2
    exit 1
  done
  printf '  %-26s %4ds   machine %3s%% busy with other work just before\n' "$name" $((SECONDS - t0)) "$b0" \
    | tee -a "$out/conditions.txt"
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

echo "profile $profile: JMH runs (seconds; share of all cores that other processes kept busy just before each):"
jmh overhead-mlp OverheadBenchmark -p model=mlp "${short[@]}"
jmh overhead-minilm OverheadBenchmark -p model=minilm "${minilm_overhead[@]}"
# The same overhead question in alternating blocks on one thread, which a busy machine biases much less.
quiet_busy; t0=$SECONDS
java -Xms2g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$jar" dev.maas.benchmarks.PairedOverhead \
  mlp 500 "$([[ "$profile" == quick ]] && echo 200 || echo 1000)" "$out/paired-overhead-mlp.json" > "$out/paired-overhead-mlp.log" 2>&1 \
  || { echo "PairedOverhead failed:" >&2; tail -20 "$out/paired-overhead-mlp.log" >&2; exit 1; }
printf '  %-26s %4ds   machine %3s%% busy with other work just before\n' paired-overhead-mlp $((SECONDS - t0)) "$b0" \
  | tee -a "$out/conditions.txt"
for model in "${models[@]}"; do
  # MiniLM: 2 intra-op threads for every system. Its batches run for 100+ ms, so ONNX Runtime's spin
  # between batches costs maas nothing worth counting, while 1 thread would leave maas one core.
  if [[ "$model" == mlp ]]; then iters=("${short[@]}"); else iters=("${minilm_long[@]}" -p intraOpThreads=2); fi
  for t in 1 8 32 64; do
    jmh "concurrency-$model-t$t" ConcurrencyBenchmark -t "$t" -p model="$model" "${iters[@]}"
  done
  jmh "ceiling-$model" CeilingBenchmark.rawPreformedBatch -p model="$model" -p batch=1,8,32,64 "${iters[@]}"
  if [[ "$profile" == quick ]]; then bursts=64; else bursts=1,8,32,64; fi
  jmh "burst-$model" CeilingBenchmark.maasAsyncBurst -p model="$model" -p batch="$bursts" "${iters[@]}"
done
# Diagnostic: the MLP's inputs and outputs without its arithmetic, so what each system spends per row
# is what it spends around the model (conversions, hand-offs between threads).
if [[ "$profile" == quick ]]; then identity_threads=(64); else identity_threads=(1 8 32 64); fi
for t in "${identity_threads[@]}"; do
  jmh "concurrency-identity-t$t" ConcurrencyBenchmark -t "$t" -p model=identity "${short[@]}"
done
jmh ceiling-identity CeilingBenchmark -p model=identity -p batch="$(IFS=,; echo "${identity_threads[*]}")" "${short[@]}"
echo "benchmarks took $((SECONDS - start)) s"
echo

java -cp "$jar" dev.maas.benchmarks.Report "$out" | tee "$out/report.md"
