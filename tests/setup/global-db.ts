import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { INTEGRATION_WORKERS } from './workers';

// Fresh databases per integration run on the machine's PostgreSQL, one per vitest worker (files in
// one worker run one at a time, as before; files in different workers never share a database, so
// fleet-wide reads, advisory locks and LISTEN/NOTIFY never see another file's rows). The first is
// migrated with the project's migrator; the others are copies of it (CREATE DATABASE … TEMPLATE).
// All are dropped afterwards.
const ADMIN_URL = process.env.VAKT_TEST_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function urlOf(name: string) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export default async function setup(project: TestProject) {
  const base = `vakt_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = Array.from({ length: INTEGRATION_WORKERS }, (_, i) => `${base}_w${i + 1}`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${names[0]}"`);
    execFileSync(process.execPath, [path.resolve('scripts/migrate.mjs'), 'deploy'], { env: { ...process.env, DATABASE_URL: urlOf(names[0]) }, stdio: 'pipe' });
    for (const n of names.slice(1)) await admin.query(`CREATE DATABASE "${n}" TEMPLATE "${names[0]}"`);
  } finally {
    await admin.end();
  }
  project.provide('databaseUrls', names.map(urlOf));
  project.provide('adminUrl', ADMIN_URL);
  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
    await c.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrls: string[];
    adminUrl: string;
  }
}
