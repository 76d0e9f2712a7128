// Builds the server wheel that ships inside the .vsix (extension/server-wheel/).
// Python: $CODECOACH_PYTHON, else the repo's .venv, else python3.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'extension', 'server-wheel');
const venvPython = path.join(root, '.venv', 'bin', 'python');
const python = process.env.CODECOACH_PYTHON || (fs.existsSync(venvPython) ? venvPython : 'python3');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
console.log(`Building the server wheel with ${python}`);
execFileSync(python, ['-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check', '--no-deps', '-w', out, root], {
  stdio: 'inherit',
  cwd: root,
});
const wheels = fs.readdirSync(out).filter((f) => /^codecoach-.*\.whl$/.test(f));
if (wheels.length !== 1) {
  console.error(`Expected one codecoach wheel in ${out}, found: ${wheels.join(', ') || 'none'}`);
  process.exit(1);
}
console.log(`Server wheel: extension/server-wheel/${wheels[0]}`);
