#!/usr/bin/env bash
# Benchmark: `profilec check` against `apparmor_parser -p` (preprocess only:
# read, expand includes, print) on every Debian-packaged AppArmor profile,
# measured in the same run. Prints a Markdown table and writes it, with the
# machine it ran on, to docs/bench-apparmor.md.
#
# Fails only when a tool cannot run or rejects the corpus, never because of
# timing. Environment: BENCH_RUNS (default 10), BENCH_OUT (default
# docs/bench-apparmor.md; empty: do not write), BENCH_DRIVER=loop to time
# with a shell loop even when hyperfine is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${BENCH_RUNS:-10}"
out="${BENCH_OUT-docs/bench-apparmor.md}"

cargo build --quiet --release --bin profilec
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$(pwd)/$target_dir" ;; esac
profilec="$target_dir/release/profilec"

# The same file list as compiler/tests/debian_corpus.rs.
mapfile -t files < <(
  { find -L /etc/apparmor.d -maxdepth 1 -type f
    find -L /usr/share/apparmor/extra-profiles -maxdepth 1 -type f ! -name README
  } 2>/dev/null | sort
)
if [ ${#files[@]} -eq 0 ]; then
  echo "bench: no Debian profiles found: run sudo scripts/install-deps.sh" >&2
  exit 1
fi
command -v apparmor_parser >/dev/null || { echo "bench: apparmor_parser missing: run sudo scripts/install-deps.sh" >&2; exit 1; }

# Both tools must accept the whole corpus, or the timings compare nothing.
# apparmor_parser -p takes several files in one invocation and preprocesses
# each of them (same output as one invocation per file).
"$profilec" check "${files[@]}" 2>/dev/null || { echo "bench: profilec check reports errors on the corpus" >&2; exit 1; }
apparmor_parser -p "${files[@]}" >/dev/null 2>&1 || { echo "bench: apparmor_parser -p fails on the corpus" >&2; exit 1; }

names=("profilec check" "apparmor_parser -p")
cmds=("$profilec check ${files[*]}" "apparmor_parser -p ${files[*]}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Per tool: best and mean in ms, and the standard deviation.
declare -a best mean sd
if [ "${BENCH_DRIVER:-}" != loop ] && command -v hyperfine >/dev/null 2>&1; then
  driver="hyperfine $(hyperfine --version | awk '{print $2}'), $runs runs after 2 warm-up runs"
  hyperfine -N --warmup 2 --runs "$runs" --style none --export-json "$tmp/h.json" \
    --command-name "${names[0]}" --command-name "${names[1]}" \
    "${cmds[0]}" "${cmds[1]}" >/dev/null
  i=0
  while read -r b m s; do best[i]=$b; mean[i]=$m; sd[i]=$s; i=$((i + 1)); done < <(
    python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.1f %.1f %.1f" % (r["min"]*1e3, r["mean"]*1e3, (r["stddev"] or 0)*1e3))' "$tmp/h.json")
else
  driver="shell loop with date +%s%N, best of $runs runs after 1 warm-up run"
  for i in 0 1; do
    ${cmds[$i]} >/dev/null 2>&1
    : > "$tmp/t$i"
    for _ in $(seq "$runs"); do
      t0=$(date +%s%N); ${cmds[$i]} >/dev/null 2>&1; t1=$(date +%s%N)
      echo $(( (t1 - t0) / 1000 )) >> "$tmp/t$i"
    done
    read -r best[i] mean[i] sd[i] < <(awk '{ x=$1/1000; s+=x; q+=x*x; if (NR==1||x<m) m=x }
      END { a=s/NR; v=q/NR-a*a; if (v<0) v=0; printf "%.1f %.1f %.1f\n", m, a, sqrt(v) }' "$tmp/t$i")
  done
fi

ratio=$(awk -v p="${best[0]}" -v a="${best[1]}" 'BEGIN { if (p > 0) printf "%.2f", a / p; else print "n/a" }')
table=$(
  echo "| tool | files | best (ms) | mean ± σ (ms) |"
  echo "| --- | ---: | ---: | ---: |"
  for i in 0 1; do
    echo "| \`${names[$i]}\` | ${#files[@]} | ${best[$i]} | ${mean[$i]} ± ${sd[$i]} |"
  done
)
summary="Best-time ratio apparmor_parser / profilec: ${ratio} (above 1: profilec is faster)."

echo
echo "$table"
echo
echo "$summary"

if [ -n "$out" ]; then
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  mkdir -p "$(dirname "$out")"
  {
    echo "# Benchmark: profilec check vs apparmor_parser -p"
    echo
    echo "Written by \`scripts/bench-apparmor.sh\` (run by \`scripts/test.sh\`); rerun it to refresh."
    echo "Both tools read all ${#files[@]} Debian-packaged profiles (top-level files of"
    echo "/etc/apparmor.d and /usr/share/apparmor/extra-profiles) in one invocation each:"
    echo "\`profilec check\` parses, resolves includes and variables and checks;"
    echo "\`apparmor_parser -p\` only preprocesses (reads and expands includes, prints the result)."
    echo
    echo "$table"
    echo
    echo "$summary"
    echo
    echo "Machine and tools:"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- CPU: ${cpu:-unknown}, $(nproc) cores available"
    echo "- kernel: $(uname -sr); OS: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "- profilec: release build of $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(rustc --version)"
    echo "- $(apparmor_parser --version 2>&1 | head -n 1)"
    echo "- driver: $driver"
  } > "$out"
  echo "bench: wrote $out"
fi
