// The vaktctl entry point (bundled by scripts/build-vaktctl.mjs into dist/vaktctl.mjs).
import fs from 'node:fs/promises';
import { runVaktctl } from './cli.ts';

const code = await runVaktctl(process.argv.slice(2), {
  env: process.env,
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  readFile: (p) => fs.readFile(p, 'utf8'),
});
process.exitCode = code;
