// Runs `prisma generate` without the native schema engine (it cannot be downloaded here; generate
// only checks that the file exists). See README "Development".
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';

const root = path.resolve(import.meta.dirname, '..');
const stub = path.join(root, 'scripts', 'no-schema-engine.sh');
fs.chmodSync(stub, 0o755);
const bin = path.join(root, 'node_modules', '.bin', 'prisma');
const r = spawnSync(bin, ['generate'], {
  cwd: root,
  stdio: 'inherit',
  env: { PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1', ...process.env },
});
process.exit(r.status ?? 1);
