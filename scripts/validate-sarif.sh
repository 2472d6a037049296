#!/usr/bin/env bash
# Validate `profilec check --format sarif` with a real SARIF validator:
# Microsoft's SARIF multitool (npm @microsoft/sarif-multitool, pinned in
# tools/sarif/package-lock.json). Fails on any error the validator reports.
# Usage: scripts/validate-sarif.sh [PROFILEC_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(scripts/bin-dir.sh)/profilec}"

if [ ! -x tools/sarif/node_modules/.bin/sarif-multitool ]; then
  (cd tools/sarif && npm ci --no-audit --no-fund --loglevel=error)
fi
# npm does not run the package's postinstall (chmod) unless approved.
chmod u+x tools/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Validate the SARIF log in $1 (made by `$2`), which must have results.
validate() {
  local log="$1" what="$2"
  local results
  results=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$log")
  DOTNET_CLI_TELEMETRY_OPTOUT=1 tools/sarif/node_modules/.bin/sarif-multitool validate \
    "$log" --output "$log.validation" --quiet || true
  python3 - "$log.validation" "$results" "$what" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
findings = [r for run in log["runs"] for r in run.get("results", [])]
errors = [r for r in findings if r.get("level", "warning") == "error"]
for r in findings:
    msg = r["message"].get("text") or " ".join(r["message"].get("arguments", []))
    print(f'  {r.get("level", "warning")} {r["ruleId"]}: {msg}')
print(f"validate-sarif: {sys.argv[3]}: {sys.argv[2]} results checked; validator: {len(errors)} errors, {len(findings) - len(errors)} other findings")
sys.exit(1 if errors else 0)
PY
}

# Run "$@" (a profilec command with --format sarif, on inputs with errors)
# into $work/NAME.sarif; it must exit 1.
sarif_of() {
  local name="$1"
  shift
  set +e
  "$@" >"$work/$name.sarif" 2>/dev/null
  local status=$?
  set -e
  if [ "$status" -ne 1 ]; then
    echo "validate-sarif: $name: expected exit status 1 (the inputs have errors), got $status" >&2
    exit 1
  fi
}

# Inputs with errors, warnings, secondary locations, includes and seccomp JSON.
sarif_of check "$bin" check --format sarif --base tests/data/diagnostics -I tests/data/diagnostics/includes \
  tests/data/diagnostics/*.sd tests/data/seccomp/check/*.json
validate "$work/check.sarif" "profilec check"
# Kubernetes manifests: every lint rule, spans into YAML.
sarif_of k8s "$bin" k8s lint --format sarif --profiles tests/data/k8s/profiles tests/data/k8s/lint/*.yaml
validate "$work/k8s.sarif" "profilec k8s lint"
