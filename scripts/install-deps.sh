#!/usr/bin/env bash
# Install everything profilec needs on a fresh Debian 12 machine. Run it as
# root (a fresh machine has no sudo), or as a user with sudo: apt-get then
# runs through sudo. Idempotent: when every package is already installed it
# changes nothing and does not even refresh the apt lists.
set -euo pipefail

# Root runs apt-get itself; anyone else goes through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "install-deps: run as root, or install sudo: cannot run $1 as $(id -un)" >&2
    exit 1
  fi
}

packages=(
  # AppArmor: the reference parser (oracle and benchmark peer) and the
  # Debian-packaged profiles used as a test corpus.
  apparmor apparmor-profiles apparmor-profiles-extra
  # seccomp: libseccomp for the harness (its static archive is linked into
  # the binaries); runc + busybox-static for live runs.
  libseccomp-dev pkg-config runc busybox-static
  # glibc's static archive and start files: the x86-64 binaries are
  # static-pie (.cargo/config.toml).
  libc6-dev
  # Reference seccomp profiles (Docker's default, containers/common's).
  golang-github-docker-docker-dev golang-github-containers-common
  # Benchmark driver for scripts/bench-apparmor.sh.
  hyperfine
  # The real LSP client of the language server test (lsp/tests/neovim.rs).
  neovim
  # Used by the scripts themselves.
  ca-certificates git python3
  # A venv for kubernetes-validate (scripts/validate-k8s.sh).
  python3-venv
  # The .NET runtime of the SARIF validator (scripts/validate-sarif.sh).
  libicu72
)
# Node.js and npm for the SARIF validator and the VS Code extension: from
# Debian when the machine has no node at all (an image may ship its own).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} apt packages already installed"
else
  echo "install-deps: installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Rust comes with the machine image (rustup); this script does not install it.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  cat >&2 <<'MSG'
install-deps: ERROR: `cargo` not found. profilec needs Rust >= 1.91 with rustfmt and clippy.
Install it with rustup (https://rustup.rs), e.g.
  curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y --component rustfmt,clippy
then open a new shell (or `. "$HOME/.cargo/env"`) and run this script again.
MSG
  exit 1
fi
for comp in fmt clippy; do
  if ! cargo "$comp" --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      name=$([ "$comp" = fmt ] && echo rustfmt || echo clippy)
      echo "install-deps: adding rustup component $name"
      rustup component add "$name"
    else
      echo "install-deps: ERROR: cargo $comp is missing and rustup is not available" >&2
      exit 1
    fi
  fi
done
echo "install-deps: $(cargo --version), $(rustc --version)"
echo "install-deps: $(apparmor_parser --version 2>&1 | head -n 1)"

# Optional second oracle: Debian 13's apparmor_parser 4.1 (the 4.x language),
# unpacked under target/apparmor-4 through a private apt configuration. The
# differential and fmt oracle tests use it when present; without it they
# judge by Debian 12's 3.0.8 alone, so a failed download is not fatal.
cd "$(dirname "$0")/.."
if [ ! -x target/apparmor-4/apparmor_parser ]; then
  if ! sh scripts/fetch-apparmor-parser-4.sh target/apparmor-4; then
    echo "install-deps: could not fetch apparmor_parser 4.1; tests will use 3.0.8 only" >&2
  fi
fi
