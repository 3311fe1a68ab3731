// Bundles vaktctl (lib/vaktctl/main.ts, the client CLI for CI) into one ESM file that runs with plain
// `node` (20 or later) anywhere: `node dist/vaktctl.mjs plan -f recovery.yaml`.
//   node scripts/build-vaktctl.mjs [--outfile PATH]
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { outfile: { type: 'string', default: join(repo, 'dist', 'vaktctl.mjs') } } });
const target = resolve(values.outfile);
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

const { metafile } = await build({
  entryPoints: [join(repo, 'lib', 'vaktctl', 'main.ts')],
  outfile: target,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // yaml is CommonJS and calls require() for Node built-ins: the ESM bundle gets one
  banner: {
    js: `#!/usr/bin/env node\n// vaktctl ${version}, built ${new Date().toISOString()} by scripts/build-vaktctl.mjs\nimport { createRequire as __vaktctlRequire } from 'node:module';\nconst require = __vaktctlRequire(import.meta.url);`,
  },
});
// vaktctl imports only itself and yaml: anything else in the bundle is a mistake
const inputs = Object.keys(metafile.inputs);
const foreign = inputs.filter((p) => !p.startsWith('lib/vaktctl/') && !p.startsWith('node_modules/yaml/'));
if (foreign.length) {
  console.error(`vaktctl must import only lib/vaktctl and yaml; the bundle also has: ${foreign.join(', ')}`);
  process.exit(1);
}
chmodSync(target, 0o755);
console.log(`built ${relative(process.cwd(), target)} (${Math.round(statSync(target).size / 1024)} KiB, ${inputs.length} inputs)`);
