// Builds the dashboard of `codecoach web` into the Python package (server/codecoach/web/static/):
// one script (the VS Code summary's own script and model, the dashboard, Chart.js inlined:
// nothing comes from a CDN) and one stylesheet (the VS Code summary's styles plus a theme).
// The output is committed, so `pip install` of the wheel serves the dashboard without Node;
// tests/web/test_assets.py rebuilds it and fails when the committed files are stale.
//
//   node extension/dashboard/build.mjs [--outdir DIR]
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(here, '..', '..', 'server', 'codecoach', 'web', 'static');

const common = {
  bundle: true,
  minify: true, // also drops the source paths, so the output is the same on every machine
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  target: 'es2022',
};

await esbuild.build({
  ...common,
  entryPoints: { dashboard: path.join(here, 'main.ts') },
  outdir,
  platform: 'browser',
  format: 'iife',
});
await esbuild.build({
  ...common,
  entryPoints: { dashboard: path.join(here, 'dashboard.css') },
  outdir,
});
