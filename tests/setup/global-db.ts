import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

// A fresh database per integration run on the machine's PostgreSQL, migrated with the project's
// migrator, dropped afterwards.
const ADMIN_URL = process.env.VAKT_TEST_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export default async function setup(project: TestProject) {
  const name = `vakt_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  execFileSync(process.execPath, [path.resolve('scripts/migrate.mjs'), 'deploy'], { env: { ...process.env, DATABASE_URL: dbUrl }, stdio: 'pipe' });
  project.provide('databaseUrl', dbUrl);
  project.provide('adminUrl', ADMIN_URL);
  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminUrl: string;
  }
}
