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
# PROFILEC_REQUIRE_RUNC=1 makes a missing runc or busybox a failure of the
# runc end-to-end test instead of a printed skip. The differential and fmt
# oracle tests also use apparmor_parser 4.1 when install-deps fetched it.
# PROFILEC_REQUIRE_NVIM=1 does the same for Neovim in the language
# server's real-editor test (lsp/tests/neovim.rs).
step "cargo test --workspace"
PROFILEC_REQUIRE_RUNC=1 PROFILEC_REQUIRE_NVIM=1 cargo test --workspace

cargo build --quiet --bin profilec
bin="$(scripts/bin-dir.sh)/profilec"

# seccomp: every example's expectations in the BPF simulator, then again in
# the running kernel; and real profiles written by others must validate.
step "profilec test examples/ (simulated)"
"$bin" test examples/
step "profilec test --live examples/ tests/data/seccomp (kernel)"
"$bin" test --live examples/ tests/data/seccomp
step "profilec check: Docker's and containers/common's seccomp profiles"
"$bin" check --format json \
  /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json \
  /usr/share/containers/seccomp.json >/dev/null

# SARIF output, validated by Microsoft's SARIF multitool (npm).
step "profilec check --format sarif (SARIF multitool validate)"
scripts/validate-sarif.sh "$bin"

# Kubernetes manifests, validated by kubernetes-validate (PyPI, pinned).
step "profilec k8s manifests (kubernetes-validate)"
scripts/validate-k8s.sh "$bin"

# The CLI's generated extras work as shipped.
step "profilec completions / man"
"$bin" completions bash >/dev/null
"$bin" man >/dev/null

# The VS Code extension: npm ci, tsc, the TextMate grammar test against
# golden scopes, vsce package.
step "scripts/test-vscode.sh"
scripts/test-vscode.sh

step "cargo bench --bench seccomp_table"
cargo bench --quiet -p profilec --bench seccomp_table

step "cargo bench --bench confine_build (docs/bench-confine.md)"
BENCH_DOCS=1 cargo bench --quiet -p profilec --bench confine_build

# Prints a timing table next to apparmor_parser; never fails on timing.
step "scripts/bench-apparmor.sh"
scripts/bench-apparmor.sh

# Language server latency (didChange -> publishDiagnostics) and memory;
# writes docs/bench-lsp.md, never fails on timing.
step "cargo bench --bench latency (profilec-lsp)"
cargo bench --quiet -p profilec-lsp --bench latency

step "all tests passed"
