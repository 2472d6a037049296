// Tokenizes every test/samples file with the extension's TextMate grammars
// (vscode-textmate + vscode-oniguruma, as VS Code does) and compares the
// scopes with the golden `<sample>.scopes`. UPDATE_GOLDEN=1 rewrites them.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.join(__dirname, '..');
const grammars = {
  'source.apparmor': path.join(root, 'syntaxes/apparmor.tmLanguage.json'),
  'source.confine': path.join(root, 'syntaxes/confine.tmLanguage.json'),
};

async function main() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => {
      const file = grammars[scope];
      if (!file) return null;
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const dir = path.join(__dirname, 'samples');
  const samples = fs.readdirSync(dir).filter((f) => !f.endsWith('.scopes')).sort();
  let failed = 0;
  for (const name of samples) {
    const scope = name.endsWith('.confine') ? 'source.confine' : 'source.apparmor';
    const grammar = await registry.loadGrammar(scope);
    const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n');
    let stack = vsctm.INITIAL;
    const out = [];
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        const scopes = t.scopes.filter((s) => s !== scope);
        if (text.trim() === '' || scopes.length === 0) continue;
        out.push(`${i + 1}:${t.startIndex} ${JSON.stringify(text)} ${scopes.join(' ')}`);
      }
      stack = r.ruleStack;
    });
    const got = out.join('\n') + '\n';
    const golden = path.join(dir, name + '.scopes');
    if (process.env.UPDATE_GOLDEN) {
      fs.writeFileSync(golden, got);
      continue;
    }
    const want = fs.existsSync(golden) ? fs.readFileSync(golden, 'utf8') : '';
    if (got !== want) {
      failed++;
      console.error(`${name}: scopes differ from ${path.basename(golden)}; got:\n${got}`);
    } else {
      console.log(`${name}: ${out.length} tokens as expected`);
    }
  }
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
