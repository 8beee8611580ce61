# Sourced by the bench scripts: the two benchmark corpora, the run directory and the timing of
# one command. Every figure is reported on both corpora:
#   generated  bench/gen_chat.py --seed 1: synthetic support chats, ~1.3 KB records
#   real       bench/make_real_corpus.py --seed 1: the public datasets of tests/data/public/,
#              as OpenAI chat, repeated with light seeded perturbations
# Both are made on first use under bench/work/ (git-ignored) and reused after.

CORPORA=(generated real)
declare -A CORPUS_PATH WALL CPU RSS EXIT

# generated_corpus FILE SIZE [gen_chat.py options...]: makes bench/work/FILE (SIZE bytes of
# bench/gen_chat.py --seed 1 with the options, e.g. --dirty) if it is not there yet, and records
# its path as CORPUS_PATH[generated].
generated_corpus() {
  local path="bench/work/$1" size=$2; shift 2
  if [ ! -f "$path" ]; then
    echo "generating $path ..." >&2
    python3 bench/gen_chat.py --bytes "$size" --seed 1 "$@" > "$path.tmp" && mv "$path.tmp" "$path"
  fi
  CORPUS_PATH[generated]=$path
}

# real_corpus SIZE: makes bench/work/real-chat-SIZE.jsonl (bench/make_real_corpus.py --seed 1) if
# it is not there yet, and records its path as CORPUS_PATH[real]. Every script uses this one file.
real_corpus() {
  local path="bench/work/real-chat-$1.jsonl"
  if [ ! -f "$path" ]; then
    echo "generating $path ..." >&2
    python3 bench/make_real_corpus.py --bytes "$1" --seed 1 -o "$path.tmp" && mv "$path.tmp" "$path"
  fi
  CORPUS_PATH[real]=$path
}

# start_runs SCRIPT: a fresh directory for this run's raw outputs, bench/runs/<date>/SCRIPT/<HHMMSS>/
start_runs() {
  runs="bench/runs/$(date -u +%Y-%m-%d)/$1/$(date -u +%H%M%S)"
  mkdir -p "$runs"
}

machine_line() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(lscpu | awk -F': +' '/Model name/ {print $2}'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

corpus_line() {  # KIND: one line describing the corpus file
  local path=${CORPUS_PATH[$1]}
  echo "$1: $path ($(stat -c %s "$path") bytes, $(grep -c . "$path") records)"
}

table_header() {
  echo "| command | corpus | wall s | MB/s (wall) | CPU s | MB per CPU-s | peak RSS MB | exit |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
}

# measure NAME CORPUS BYTES RUNS COMMAND...: runs COMMAND RUNS times under /usr/bin/time -v and
# keeps the fastest run by wall time (on a shared machine, the least disturbed one): its
# /usr/bin/time output in $runs/NAME.CORPUS.time, its standard output in $runs/NAME.CORPUS.stdout.
# Prints one table row; MB/s are 10^6 BYTES per second of wall time and of CPU time (user + sys),
# which load on other cores does not inflate. Records the figures in WALL, CPU, RSS (MB) and EXIT,
# keyed by NAME.CORPUS. A non-zero exit status is shown, not fatal (validate exits 1 on errors).
measure() {
  local name=$1 corpus=$2 bytes=$3 count=$4; shift 4
  local key="$name.$corpus" best="" best_i=0 i secs
  for ((i = 1; i <= count; i++)); do
    /usr/bin/time -v "$@" > "$runs/$key.stdout.$i" 2> "$runs/$key.time.$i" || true
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$runs/$key.time.$i")
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN {exit !(a < b)}'; then
      [ "$best_i" = 0 ] || mv "$runs/$key.time" "$runs/$key.time.slower-$best_i"
      best=$secs best_i=$i
      mv "$runs/$key.time.$i" "$runs/$key.time"
      mv "$runs/$key.stdout.$i" "$runs/$key.stdout"
    else
      mv "$runs/$key.time.$i" "$runs/$key.time.slower-$i"
      rm -f "$runs/$key.stdout.$i"
    fi
  done
  WALL[$key]=$best
  CPU[$key]=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$runs/$key.time")
  RSS[$key]=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2/1024}' "$runs/$key.time")
  EXIT[$key]=$(awk -F': ' '/Exit status/ {print $2}' "$runs/$key.time")
  awk -v n="$name" -v c="$corpus" -v s="$best" -v u="${CPU[$key]}" -v b="$bytes" -v r="${RSS[$key]}" -v x="${EXIT[$key]}" \
    'BEGIN {printf "| %s | %s | %.2f | %.1f | %.2f | %.1f | %.1f | %s |\n", n, c, s, b/1e6/s, u, b/1e6/u, r, x}'
}

# speedup A B: how many times faster A ran than B, by wall and by CPU time (keys NAME.CORPUS).
speedup() {
  awk -v wa="${WALL[$1]}" -v wb="${WALL[$2]}" -v ca="${CPU[$1]}" -v cb="${CPU[$2]}" \
    'BEGIN {printf "%.2fx wall, %.2fx CPU", wb/wa, cb/ca}'
}
