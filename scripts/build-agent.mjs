// Bundles the Vakt agent (lib/agent/main.ts) into one ESM file that runs with plain `node`
// on a database host: `node dist/vakt-agent.mjs --config /etc/vakt/agent.conf`.
//   node scripts/build-agent.mjs [--outfile PATH]
import path from 'node:path';
import fs from 'node:fs';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const i = process.argv.indexOf('--outfile');
const outfile = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'dist/vakt-agent.mjs'));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const result = await build({
  entryPoints: [path.join(root, 'lib/agent/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  // pg's optional native binding is never used; pino's worker transports are not used (stdout only)
  external: ['pg-native'],
  // CommonJS dependencies (pg, pino) call require() for Node built-ins: give the ESM bundle one.
  banner: {
    js: [
      '#!/usr/bin/env node',
      `// vakt-agent ${pkg.version} — built ${new Date().toISOString()} by scripts/build-agent.mjs`,
      "import { createRequire as __vaktCreateRequire } from 'node:module';",
      'const require = __vaktCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
  metafile: true,
});
fs.chmodSync(outfile, 0o755);
const bytes = fs.statSync(outfile).size;
console.log(`built ${path.relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KiB, ${Object.keys(result.metafile.inputs).length} inputs)`);
