#!/usr/bin/env bash
# Runs the maas benchmarks against raw ONNX Runtime and DJL, prints a Markdown report whose last line is
#   RESULT overhead=R1 vs_ceiling=R2 vs_raw=R3 vs_djl=R4
# writes PNG charts beside it, then runs the regression guard (dev.maas.benchmarks.Guard), whose failure
# makes this script exit non-zero at the very end, after the report and charts are written.
#
#   benchmarks/run.sh quick    # MLP at 1/8/32/64 callers, overhead on MLP and MiniLM, identity at 64; < 10 min on 2 cores
#   benchmarks/run.sh full     # also MiniLM at every concurrency, tensor conversions per dtype, paired and virtual-thread
#                              # callers at 64 (those on Java 21+ when one is found), longer iterations (about 76 min on 2 cores)
#   benchmarks/run.sh guard    # only the guard and the three short JMH runs it needs (about 1 min), in target/guard
#   benchmarks/run.sh publish  # copies the last quick/full run's report.md, charts and conditions to docs/benchmarks/
#
# MAAS_BENCH_GUARD=off skips the guard; MAAS_GUARD_MAX_OVERHEAD (1.10) and MAAS_GUARD_MIN_VS_CEILING (0.80)
# set its limits.
#
# Results: benchmarks/target/jmh-*.json (JMH), maas-stats-*.json (maas's scheduler), jmh-*.log (JMH's
# console output), report.md (the report), *.png (charts). See benchmarks/README.md for how to read them.
set -euo pipefail

# Nothing leaves the machine: ONNX Runtime and DJL phone home unless told not to.
export ORT_DISABLE_TELEMETRY=1 OPT_OUT_TRACKING=true DJL_OFFLINE=true

profile="${1:-quick}"
case "$profile" in
  quick|full|guard|publish) ;;
  *) echo "usage: $0 quick|full|guard|publish" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/benchmarks.jar"
out="$here/target"
[[ "$profile" == guard ]] && out="$here/target/guard"
start=$SECONDS

if [[ "$profile" == publish ]]; then
  # The committed copy the top-level README shows: the report, its charts, and the conditions of the run.
  [[ -f "$out/report.md" ]] || { echo "no $out/report.md: run '$0 quick' or '$0 full' first" >&2; exit 1; }
  docs="$root/docs/benchmarks"
  mkdir -p "$docs"
  rm -f "$docs"/*.png "$docs"/report.md "$docs"/conditions.txt
  cp "$out/report.md" "$out/conditions.txt" "$out"/*.png "$docs/"
  echo "copied to $docs: $(cd "$docs" && ls | tr '\n' ' ')"
  echo "taken on: $(head -1 "$out/conditions.txt")"
  exit 0
fi

# DJL writes its caches under target, never to ~/.djl.ai.
export DJL_CACHE_DIR="$here/target/djl-cache" ENGINE_CACHE_DIR="$here/target/djl-cache"

# --- build if needed: no jar, or a source or pom newer than it
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/pom.xml" "$root/benchmarks" "$root/maas-core" "$root/maas-runtime-onnx" "$root/maas-storage-s3" \
    \( -path '*/target' -prune \) -o -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) \
    -newer "$jar" -print -quit)" ]]; then
  echo "building benchmarks.jar ..."
  (cd "$root" && mvn -q -B -DskipTests package -pl benchmarks -am)
fi

cd "$here"
mkdir -p "$out"
rm -f "$out"/jmh-*.json "$out"/jmh-*.log "$out"/maas-stats-*.json "$out"/paired-*.* "$out"/report.md \
  "$out"/conditions.txt "$out"/*.png

java_version="$(java -version 2>&1 | head -1)"
# busy: percent of all cores busy over 1 s, sampled between JMH runs, i.e. used by other processes
busy() {
  local a b
  read -r -a a < /proc/stat; sleep 1; read -r -a b < /proc/stat
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
    quiet_wait_left=$((quiet_wait_left - 4))
    b0="$(busy)"
  done
}
jmh_java=java  # the JDK that runs JMH and its forks; the virtual-thread steps set a newer one
jmh() {
  local name="$1"; shift
  local t0 b0
  quiet_busy
  t0=$SECONDS
  # -jvmArgsPrepend: the forks write maas's statistics to $out (the annotations' jvmArgsAppend are kept).
  while ! "$jmh_java" -jar "$jar" "$@" -jvmArgsPrepend "-Dmaas.bench.out=$out" -prof gc -prof dev.maas.benchmarks.CpuTimeProfiler \
      -rf json -rff "$out/jmh-$name.json" > "$out/jmh-$name.log" 2>&1; do
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

# guard: run.sh guard. Only what the guard compares (MLP): maas and raw at batch 1, maas with 64 callers,
# the ceiling's batch of 64; short iterations.
guard() {
  if [[ "${MAAS_BENCH_GUARD:-on}" == off ]]; then
    echo "guard skipped (MAAS_BENCH_GUARD=off)"
    return 0
  fi
  java -cp "$jar" dev.maas.benchmarks.Guard "$out"
}
if [[ "$profile" == guard ]]; then
  g=(-wi 3 -w 1 -i 5 -r 1)
  echo "profile guard: JMH runs (seconds; share of all cores that other processes kept busy just before each):"
  jmh overhead-mlp 'OverheadBenchmark\.(maas|raw)$' -p model=mlp "${g[@]}"
  jmh concurrency-mlp-t64 'ConcurrencyBenchmark\.maasBatched$' -t 64 -p model=mlp "${g[@]}"
  jmh ceiling-mlp 'CeilingBenchmark\.rawPreformedBatch$' -p model=mlp -p batch=64 "${g[@]}"
  echo "guard runs took $((SECONDS - start)) s"
  status=0
  guard || status=$?
  exit "$status"
fi

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
  # maas without a blocked thread per row: N calls started together (burst), N kept in flight.
  jmh "burst-$model" 'CeilingBenchmark.maasAsync(Burst|InFlight)' -p model="$model" -p batch="$bursts" \
    -p inFlight="$bursts" "${iters[@]}"
done
# Diagnostic: the MLP's inputs and outputs without its arithmetic, so what each system spends per row
# is what it spends around the model (conversions, hand-offs between threads).
if [[ "$profile" == quick ]]; then identity_threads=(64); else identity_threads=(1 8 32 64); fi
for t in "${identity_threads[@]}"; do
  jmh "concurrency-identity-t$t" ConcurrencyBenchmark -t "$t" -p model=identity "${short[@]}"
done
# quick: only the ceiling itself; maas's asynchronous diagnostics on the identity model are full's.
if [[ "$profile" == quick ]]; then identity_ceiling=CeilingBenchmark.rawPreformedBatch; else identity_ceiling=CeilingBenchmark; fi
jmh ceiling-identity "$identity_ceiling" -p model=identity -p batch="$(IFS=,; echo "${identity_threads[*]}")" "${short[@]}"
# maas around a model that does nothing (a no-op runtime in Java): what maas itself costs per call.
if [[ "$profile" == quick ]]; then noop_threads=(1); else noop_threads=(1 64); fi
for t in "${noop_threads[@]}"; do
  jmh "scheduler-noop-t$t" SchedulerBenchmark -t "$t" "${short[@]}"
done
if [[ "$profile" == full ]]; then
  # Every dtype's trip into ONNX Runtime and back, at 256 and 65,536 elements: 120 short runs.
  jmh tensors TensorConversionBenchmark -wi 2 -w 500ms -i 3 -r 500ms
  # The 64-caller question as rotating windows in one process (ceiling, maas, raw, DJL), which a machine
  # whose speed drifts biases much less than runs minutes apart.
  paired_concurrency() {  # JAVA KIND DELAY_MICROS
    local name="paired-concurrency-$2" t0 b0
    quiet_busy; t0=$SECONDS
    "$1" -Xms4g -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn $([[ "$2" == virtual ]] && echo --enable-native-access=ALL-UNNAMED) \
      -cp "$jar" dev.maas.benchmarks.PairedConcurrency mlp 64 "$2" 10 1000 "$3" "$out/$name.json" > "$out/$name.log" 2>&1 \
      || { echo "PairedConcurrency ($2) failed:" >&2; tail -20 "$out/$name.log" >&2; exit 1; }
    printf '  %-26s %4ds   machine %3s%% busy with other work just before\n' "$name" $((SECONDS - t0)) "$b0" \
      | tee -a "$out/conditions.txt"
  }
  paired_concurrency java platform 0
  # Callers on virtual threads need Java 21 or later: MAAS_BENCH_JAVA21, else the first such JDK under
  # /usr/lib/jvm. maas with max queue delay 0 (as everywhere above) and 300 µs, which fills its batches
  # when callers come back within microseconds of their answer.
  java21=""
  for j in "${MAAS_BENCH_JAVA21:-}" /usr/lib/jvm/*/bin/java; do
    [[ -n "$j" && -x "$j" ]] || continue
    # A broken JDK is skipped, not fatal: this runs an hour into the profile.
    jv="$("$j" -version 2>&1 | head -1 | sed -E 's/.*version "([0-9]+).*/\1/')" || continue
    if [[ "$jv" =~ ^[0-9]+$ ]] && (( jv >= 21 )); then java21="$j"; break; fi
    [[ "$j" == "${MAAS_BENCH_JAVA21:-}" ]] && echo "  MAAS_BENCH_JAVA21=$j is not Java 21 or later; looking under /usr/lib/jvm"
  done
  if [[ -n "$java21" ]]; then
    echo "  virtual-thread steps on $("$java21" -version 2>&1 | head -1) ($java21)" | tee -a "$out/conditions.txt"
    jmh_java="$java21"
    jmh virtual-maas-mlp VirtualCallersBenchmark -p system=maas -p maxQueueDelayMicros=0,300 "${short[@]}"
    jmh virtual-others-mlp VirtualCallersBenchmark -p system=raw,djl "${short[@]}"
    jmh_java=java
    paired_concurrency "$java21" virtual 300
  else
    echo "  virtual-thread steps skipped: no Java 21 or later (set MAAS_BENCH_JAVA21)" | tee -a "$out/conditions.txt"
  fi
fi
echo "benchmarks took $((SECONDS - start)) s"
echo

java -Djava.awt.headless=true -cp "$jar" dev.maas.benchmarks.Report "$out" | tee "$out/report.md"
echo
# The guard last, so that a failure still leaves the report and charts; its status is the script's.
status=0
guard || status=$?
echo "run.sh $profile took $((SECONDS - start)) s in all"
exit "$status"
