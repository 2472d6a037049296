#!/usr/bin/env bash
# Benchmark (issue 13): `profilec check` beside `apparmor_parser -p` on the
# Debian corpus, the apparmor.d corpus (when ../shared/corpora/apparmor.d is
# there; 4.1 from scripts/fetch-apparmor-parser-4.sh), one profile per fresh
# process, a warm re-check, a 10 MB profile with its peak memory, and a
# 1x/10x/100x scaling table. Every pair is measured in the same run; the
# table goes to docs/bench-apparmor.md (scripts/bench_check.py says how).
#
# Fails only when a tool cannot run or rejects a corpus, never on timing.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release --bin profilec
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$(pwd)/$target_dir" ;; esac
export PROFILEC="$(scripts/bin-dir.sh release)/profilec"
export APPARMOR4="${APPARMOR4:-$target_dir/apparmor-4/apparmor_parser}"

# The warm re-check is measured in process by a Rust bench, which writes
# its figures to a file this script reads.
warm=$(mktemp)
trap 'rm -f "$warm"' EXIT
if WARM_RECHECK_OUT="$warm" cargo bench --quiet -p profilec-core --bench recheck >/dev/null; then
  export WARM_RECHECK="$warm"
fi

python3 scripts/bench_check.py
