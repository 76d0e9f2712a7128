// `npm run vsix`: server wheel + production bundle -> dist/code-coach-<version>.vsix
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, 'dist', `${pkg.name}-${pkg.version}.vsix`);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root });

fs.mkdirSync(path.dirname(out), { recursive: true });
run(process.execPath, [path.join(root, 'extension', 'scripts', 'build-wheel.mjs')]);
// vsce runs `vscode:prepublish` (the production bundle) itself.
run(process.execPath, [
  path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package',
  '--no-dependencies',
  '--skip-license',
  '--allow-missing-repository',
  '--readme-path', 'extension/README.md',
  '--out', out,
]);
console.log(`Built ${path.relative(root, out)} (${Math.round(fs.statSync(out).size / 1024)} KiB)`);
