#!/usr/bin/env bash
# The VS Code extension (editors/vscode) in CI: install the locked npm
# dependencies, compile the TypeScript, test the TextMate grammars against
# their golden scopes (vscode-textmate + vscode-oniguruma), and package the
# extension with vsce. Needs node and npm (Debian: nodejs, npm).
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"

npm ci --no-audit --no-fund
npx tsc -p .
node test/grammar.test.js
npx vsce package --skip-license --allow-missing-repository -o profilec.vsix
echo "test-vscode: packaged editors/vscode/profilec.vsix"
