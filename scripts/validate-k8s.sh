#!/usr/bin/env bash
# Validate the Kubernetes manifests `profilec k8s manifests` writes with
# kubernetes-validate (PyPI, pinned in tools/k8s-validate/requirements.txt,
# installed into a venv under target/), in strict mode (unknown fields are
# errors) against Kubernetes 1.37 (the version of the k8s-openapi types)
# and 1.33 (the oldest version those types support).
# Usage: scripts/validate-k8s.sh [PROFILEC_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(scripts/bin-dir.sh)/profilec}"
venv="${CARGO_TARGET_DIR:-target}/k8s-validate"

if [ ! -x "$venv/bin/kubernetes-validate" ] \
  || ! cmp -s tools/k8s-validate/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tools/k8s-validate/requirements.txt
  cp tools/k8s-validate/requirements.txt "$venv/requirements.txt"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The default output, and one with every option that changes objects.
"$bin" k8s manifests --profiles tests/data/k8s/profiles -o "$work/default" 2>/dev/null
"$bin" k8s manifests --profiles tests/data/k8s/profiles -o "$work/options" \
  --privileged --no-node-label --no-namespace --set web-tier --namespace kube-system \
  --seccomp-root /var/lib/k0s/kubelet/seccomp --image registry.local/loader:1 2>/dev/null
files=("$work"/default/profilec-loader.yaml "$work"/default/pods/*.yaml
  "$work"/options/profilec-loader.yaml "$work"/options/pods/*.yaml)
for version in 1.37.0 1.33.0; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${files[@]}"
done
objects=$(grep -c '^kind:' "${files[@]}" | awk -F: '{n += $NF} END {print n}')
echo "validate-k8s: ${#files[@]} files, $objects objects valid for Kubernetes 1.37.0 and 1.33.0 (strict)"
