#!/usr/bin/env bash
# Validate `profilec check --format sarif` with a real SARIF validator:
# Microsoft's SARIF multitool (npm @microsoft/sarif-multitool, pinned in
# tools/sarif/package-lock.json). Fails on any error the validator reports.
# Usage: scripts/validate-sarif.sh [PROFILEC_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/debug/profilec}"

if [ ! -x tools/sarif/node_modules/.bin/sarif-multitool ]; then
  (cd tools/sarif && npm ci --no-audit --no-fund --loglevel=error)
fi
# npm does not run the package's postinstall (chmod) unless approved.
chmod u+x tools/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Inputs with errors, warnings, secondary locations, includes and seccomp JSON.
set +e
"$bin" check --format sarif --base tests/data/diagnostics -I tests/data/diagnostics/includes \
  tests/data/diagnostics/*.sd tests/data/seccomp/check/*.json >"$work/profilec.sarif" 2>/dev/null
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "validate-sarif: expected exit status 1 (the inputs have errors), got $status" >&2
  exit 1
fi
results=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$work/profilec.sarif")
DOTNET_CLI_TELEMETRY_OPTOUT=1 tools/sarif/node_modules/.bin/sarif-multitool validate \
  "$work/profilec.sarif" --output "$work/validation.sarif" --quiet || true
python3 - "$work/validation.sarif" "$results" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
findings = [r for run in log["runs"] for r in run.get("results", [])]
errors = [r for r in findings if r.get("level", "warning") == "error"]
for r in findings:
    msg = r["message"].get("text") or " ".join(r["message"].get("arguments", []))
    print(f'  {r.get("level", "warning")} {r["ruleId"]}: {msg}')
print(f"validate-sarif: {sys.argv[2]} results checked; validator: {len(errors)} errors, {len(findings) - len(errors)} other findings")
sys.exit(1 if errors else 0)
PY
