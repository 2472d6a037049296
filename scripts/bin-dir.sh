#!/usr/bin/env bash
# Print the directory cargo puts this project's binaries in for a profile
# (debug by default, or release): .cargo/config.toml builds for the host's
# target by name, so that is target/<host tuple>/<profile>.
# Usage: scripts/bin-dir.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$(pwd)/$target_dir" ;; esac
host=$(rustc -vV | sed -n 's/^host: //p')
echo "$target_dir/$host/${1:-debug}"
