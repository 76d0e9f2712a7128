// Builds the server wheel that ships inside the .vsix (extension/server-wheel/), and
// the pip constraints the first-run bootstrap installs it with (extension/server-constraints.txt):
// every pin of uv.lock that the wheel and the offline model need, so a learner gets the
// versions the tests passed with. The wheel itself keeps its version ranges.
// Tools: $CODECOACH_UV (uv, builds and exports), else $CODECOACH_PYTHON -m pip for the wheel.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'extension', 'server-wheel');
const venvPython = path.join(root, '.venv', 'bin', 'python');
const python = process.env.CODECOACH_PYTHON || (fs.existsSync(venvPython) ? venvPython : 'python3');

const uv = process.env.CODECOACH_UV || '';
const constraints = path.join(root, 'extension', 'server-constraints.txt');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
if (uv) {
  console.log(`Building the server wheel with ${uv}`);
  execFileSync(uv, ['build', '--quiet', '--wheel', '--out-dir', out, root], { stdio: 'inherit', cwd: root });
  // --frozen: exactly uv.lock. No extras (tests, bench): what the wheel needs, plus the model group.
  const pins = execFileSync(
    uv,
    ['export', '--quiet', '--frozen', '--format', 'requirements-txt', '--no-hashes', '--no-emit-project',
      '--no-dev', '--no-default-groups', '--group', 'model', '--no-header', '--no-annotate'],
    { cwd: root, encoding: 'utf8' },
  );
  fs.writeFileSync(
    constraints,
    '# Generated from uv.lock by extension/scripts/build-wheel.mjs: the versions `make test` passed with.\n' +
      '# The first-run bootstrap installs the server wheel with `pip install -c` this file.\n' +
      pins,
  );
  console.log(`Constraints: extension/server-constraints.txt (${pins.trim().split('\n').length} pins)`);
} else {
  console.log(`Building the server wheel with ${python} (no uv: no constraints file)`);
  execFileSync(python, ['-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check', '--no-deps', '-w', out, root], {
    stdio: 'inherit',
    cwd: root,
  });
}
const wheels = fs.readdirSync(out).filter((f) => /^codecoach-.*\.whl$/.test(f));
if (wheels.length !== 1) {
  console.error(`Expected one codecoach wheel in ${out}, found: ${wheels.join(', ') || 'none'}`);
  process.exit(1);
}
console.log(`Server wheel: extension/server-wheel/${wheels[0]}`);
