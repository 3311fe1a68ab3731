// Bundles vaktctl (lib/vaktctl/main.ts, the client CLI for CI) into one ESM file that runs with plain
// `node` (20 or later) anywhere: `node dist/vaktctl.mjs plan -f recovery.yaml`.
//   node scripts/build-vaktctl.mjs [--outfile PATH]
import path from 'node:path';
import fs from 'node:fs';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const i = process.argv.indexOf('--outfile');
const outfile = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'dist/vaktctl.mjs'));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const result = await build({
  entryPoints: [path.join(root, 'lib/vaktctl/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  // yaml is CommonJS and calls require() for Node built-ins: give the ESM bundle one.
  banner: {
    js: [
      '#!/usr/bin/env node',
      `// vaktctl ${pkg.version} — built ${new Date().toISOString()} by scripts/build-vaktctl.mjs`,
      "import { createRequire as __vaktCreateRequire } from 'node:module';",
      'const require = __vaktCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
  metafile: true,
});
// vaktctl imports only itself and yaml: anything else in the bundle is a mistake
const foreign = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('lib/vaktctl/') && !p.startsWith('node_modules/yaml/'));
if (foreign.length) {
  console.error(`vaktctl must import only lib/vaktctl and yaml; the bundle also has: ${foreign.join(', ')}`);
  process.exit(1);
}
fs.chmodSync(outfile, 0o755);
const bytes = fs.statSync(outfile).size;
console.log(`built ${path.relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KiB, ${Object.keys(result.metafile.inputs).length} inputs)`);
