#!/usr/bin/env bash
# The main job: check every example under examples/ with profilec, and
# cross-check the AppArmor examples with the reference parser.
# Exit status: 0 when every example is clean, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin profilec
bin="$(scripts/bin-dir.sh)/profilec"

shopt -s nullglob
apparmor=(examples/apparmor/*)
if [ ${#apparmor[@]} -eq 0 ]; then
  echo "build-examples: no AppArmor examples found under examples/apparmor" >&2
  exit 1
fi

status=0
# The .confine examples: build them (every AppArmor output compiled by
# apparmor_parser first), then prove their expect blocks.
out="${CARGO_TARGET_DIR:-target}/examples-out"
echo "== profilec build --verify examples/confine -> $out"
"$bin" build --verify -o "$out" examples/confine || status=1
echo "== profilec test examples/confine"
"$bin" test examples/confine || status=1

echo "== profilec check (${#apparmor[@]} AppArmor profiles)"
"$bin" check "${apparmor[@]}" || status=1

# The reference parser compiles each profile without loading it into the
# kernel (-Q) and without touching the cache (-K): proof that what profilec
# accepts, apparmor_parser accepts too.
if command -v apparmor_parser >/dev/null 2>&1; then
  echo "== apparmor_parser -QK"
  for f in "${apparmor[@]}"; do
    if ! out=$(apparmor_parser -QK "$f" 2>&1); then
      printf '%s\n' "$out" | grep -v '^Cache read/write disabled' >&2 || true
      echo "apparmor_parser rejects $f" >&2
      status=1
    fi
  done
else
  echo "build-examples: apparmor_parser not found; run scripts/install-deps.sh" >&2
  status=1
fi

# seccomp: validate every example profile, then prove its expectations in
# the BPF simulator for every architecture it lists.
seccomp=(examples/seccomp/*.json)
echo "== profilec check (${#seccomp[@]} seccomp profiles)"
"$bin" check "${seccomp[@]}" || status=1
echo "== profilec test examples/seccomp"
"$bin" test examples/seccomp || status=1

if [ "$status" -eq 0 ]; then
  echo "build-examples: all examples are clean"
fi
exit "$status"
