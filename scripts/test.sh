#!/usr/bin/env bash
# The test command (README.md, "Run the tests"; .ci/run calls it).
# Needs the packages of scripts/install-deps.sh: the Debian corpus test fails
# without them.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# Unit tests, the conformance runner (tests/conformance-baseline), the
# Debian corpus test, golden diagnostics, CLI end-to-end tests and a short
# run of the parser fuzz test (FUZZ_CASES=N for a longer one).
step "cargo test --workspace"
cargo test --workspace

# --- seccomp (lead: add here) ------------------------------------------------
# When the seccomp harness lands, run it against the examples, e.g.
#   step "profilec test examples/seccomp"
#   cargo run --quiet --bin profilec -- test examples/seccomp
# ------------------------------------------------------------------------------

# Prints a timing table next to apparmor_parser; never fails on timing.
step "scripts/bench-apparmor.sh"
scripts/bench-apparmor.sh

step "all tests passed"
