import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/base/db';
import { getHealth } from '@/lib/base/health';

const url = process.env.DATABASE_URL!; // this worker's database (tests/setup/db-env.ts)
const migrate = (cmd: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.resolve('scripts/migrate.mjs'), cmd], { env: { ...process.env, DATABASE_URL: url, ...env }, encoding: 'utf8' });

afterAll(disconnectDb);

describe("Vakt's own schema", () => {
  it('the migrated database matches schema.prisma (no drift either way)', () => {
    const r = migrate('check');
    expect(r.stdout + r.stderr).toContain('drift check OK');
    expect(r.status).toBe(0);
  });

  it('re-applying migrations applies nothing (idempotent)', () => {
    const r = migrate('deploy');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ applied: [] });
  });

  it('every table, the migrations table included, lives in schema vakt and none in public', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query<{ table_schema: string; table_name: string }>(
        `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema')`,
      );
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.filter((r) => r.table_schema !== 'vakt')).toEqual([]);
      expect(rows.map((r) => r.table_name)).toContain('_prisma_migrations');
    } finally {
      await c.end();
    }
  });

  it('a schema.prisma change without a migration is reported as drift', () => {
    // copy the project's prisma folder aside, add a field, and check from there
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-drift-'));
    try {
      fs.cpSync(path.resolve('prisma'), path.join(dir, 'prisma'), { recursive: true });
      fs.cpSync(path.resolve('scripts'), path.join(dir, 'scripts'), { recursive: true });
      fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
      const schema = path.join(dir, 'prisma/schema.prisma');
      fs.writeFileSync(schema, fs.readFileSync(schema, 'utf8').replace('model Site {\n', 'model Site {\n  drifted String?\n'));
      const r = spawnSync(process.execPath, [path.join(dir, 'scripts/migrate.mjs'), 'check'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', cwd: dir });
      expect(r.stdout).toContain('DRIFT');
      expect(r.status).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /api/health', () => {
  it('answers ok with the database reachable', async () => {
    const h = await getHealth();
    expect(h.status).toBe('ok');
    expect(h.database.reachable).toBe(true);
  });

  it('answers degraded (not a crash) when the database is unreachable, without leaking the URL', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgresql://vakt:secret@127.0.0.1:1/nowhere';
    try {
      const h = await getHealth();
      expect(h.status).toBe('degraded');
      expect(h.database.reachable).toBe(false);
      expect(JSON.stringify(h)).not.toContain('secret');
    } finally {
      process.env.DATABASE_URL = saved;
      await disconnectDb();
    }
    expect((await getHealth()).status).toBe('ok');
  });
});

describe('audit rows are append-only for the app connection', () => {
  it('UPDATE, DELETE and TRUNCATE of audit rows fail', async () => {
    const { audit } = await import('@/lib/audit/record');
    const { cliActor } = await import('@/lib/auth/actor');
    await db.$transaction((tx) => audit(tx, { actor: cliActor(), action: 'test.append_only', targetType: 'test' }));
    await expect(db.$executeRawUnsafe(`UPDATE vakt."AuditEvent" SET action = 'x' WHERE action = 'test.append_only'`)).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe(`DELETE FROM vakt."AuditEvent" WHERE action = 'test.append_only'`)).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe(`TRUNCATE vakt."AuditEvent"`)).rejects.toThrow(/append-only/);
  });
});

