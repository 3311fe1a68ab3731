import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/base/db';
import { actorFromToken } from '@/lib/auth/tokens';
import { verifyAuditChain } from '@/lib/audit/verify';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const sfx = () => randomBytes(4).toString('hex');

async function vakt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; last: string }> {
  try {
    const r = await run(path.join(root, 'node_modules/.bin/tsx'), ['scripts/vakt.ts', ...args], { cwd: root, env: { ...process.env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trim().split('\n').at(-1) ?? '' };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr, last: err.stdout.trim().split('\n').at(-1) ?? '' };
  }
}
const noStack = (s: string) => expect(s).not.toMatch(/^\s+at\s/m);

afterAll(() => disconnectDb());

describe('vakt CLI', () => {
  it('team add, user add, token create (last line = the token) and token revoke', async () => {
    const team = `cli-${sfx()}`;
    const t = await vakt('team', 'add', team);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.last)).toMatchObject({ ok: true, team: { name: team } });

    const email = `cli-${sfx()}@example.test`;
    const u = await vakt('user', 'add', '--email', email, '--password', 'correct-horse-battery', '--role', 'service-owner', '--team', team);
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.last)).toMatchObject({ ok: true, user: { email, role: 'service-owner', teams: [team] } });
    const dup = await vakt('user', 'add', '--email', email, '--password', 'correct-horse-battery', '--role', 'viewer');
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists/);
    noStack(dup.stderr);
    const weak = await vakt('user', 'add', '--email', `w-${sfx()}@example.test`, '--password', 'short', '--role', 'viewer');
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toMatch(/password: at least 10 characters/);
    const noTeam = await vakt('user', 'add', '--email', `n-${sfx()}@example.test`, '--password', 'correct-horse-battery', '--role', 'viewer', '--team', `missing-${sfx()}`);
    expect(noTeam.stderr).toMatch(/unknown team/);

    const name = `ci-${sfx()}`;
    const tok = await vakt('token', 'create', '--name', name, '--role', 'service-owner', '--team', team);
    expect(tok.code, tok.stderr).toBe(0);
    expect(tok.last).toMatch(/^vakt_[A-Za-z0-9_-]{20,}$/);
    expect(await actorFromToken(tok.last)).toMatchObject({ type: 'token', role: 'service-owner', teams: [team] });
    const rev = await vakt('token', 'revoke', name);
    expect(JSON.parse(rev.last)).toMatchObject({ ok: true, token: name, alreadyRevoked: false });
    expect(await actorFromToken(tok.last)).toBeNull();
  });

  it('apply -f applies a declaration file with the API validation; bad input exits non-zero naming the field', async () => {
    const slug = `cli-${sfx()}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-cli-'));
    const file = path.join(dir, 'recovery.yaml');
    const yaml = `apiVersion: vakt/v1
kind: RecoveryDeclaration
context: ${slug}
name: CLI applied
team: cli-team-${sfx()}
spec:
  dataOwnership: database-per-service
  rpoClass: RPO-2
  rtoClass: RTO-2
  crossSite: optional
  failover: operator-approved
  replication: { local: sync, crossSite: async }
  approvalsRequired: 2
  backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 }
  runbook: Promote after fencing.
  storage: { durability: local-disk }
`;
    fs.writeFileSync(file, yaml);
    const a = await vakt('apply', '-f', file);
    expect(a.code, a.stderr).toBe(0);
    const out = JSON.parse(a.last);
    expect(out).toMatchObject({ ok: true, context: slug, version: 1, created: true });
    // lint, then the live check (no registered cluster holds the new context yet)
    expect(out.findings.map((f: { code: string }) => f.code)).toEqual(['ACCEPTED_LOSS_MISSING', 'NOT_OBSERVED']);
    expect(a.stderr).toMatch(/ACCEPTED_LOSS_MISSING/);
    const again = await vakt('apply', '-f', file);
    expect(JSON.parse(again.last)).toMatchObject({ version: 1, created: false });

    fs.writeFileSync(file, yaml.replace('failover: operator-approved', 'failover: sometimes'));
    const bad = await vakt('apply', '-f', file);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.failover/);
    noStack(bad.stderr);
    fs.writeFileSync(file, 'spec: [unclosed\n');
    const broken = await vakt('apply', '-f', file);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/YAML/);
    const missing = await vakt('apply', '-f', path.join(dir, 'nope.yaml'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/cannot read/);
    const usage = await vakt('frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command/);
  });

  it('audit: the app connection cannot UPDATE or DELETE; a superuser edit with the trigger off is detected by audit verify', async () => {
    const ok = await vakt('audit', 'verify');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.last)).toMatchObject({ ok: true });

    const target = await db.auditEvent.findFirst({ orderBy: { id: 'desc' } });
    expect(target).not.toBeNull();
    const id = target!.id;
    await expect(db.$executeRaw`UPDATE vakt."AuditEvent" SET "actorLabel" = 'mallory' WHERE id = ${id}`).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`DELETE FROM vakt."AuditEvent" WHERE id = ${id}`).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.deleteMany({ where: { id } })).rejects.toThrow();

    // a superuser who disables the trigger can still edit a row: the hash chain then gives it away
    const su = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await su.connect();
    const setLabel = async (label: string) => {
      await su.query('BEGIN');
      await su.query('ALTER TABLE vakt."AuditEvent" DISABLE TRIGGER USER');
      await su.query('UPDATE vakt."AuditEvent" SET "actorLabel" = $1 WHERE id = $2', [label, id.toString()]);
      await su.query('ALTER TABLE vakt."AuditEvent" ENABLE TRIGGER USER');
      await su.query('COMMIT');
    };
    try {
      await setLabel('mallory');
      const bad = await vakt('audit', 'verify');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(`row ${id}`);
      expect(JSON.parse(bad.last)).toMatchObject({ ok: false, badId: id.toString() });
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, badId: id.toString() });
    } finally {
      // put the original value back so the shared test database's chain is whole again
      await setLabel(target!.actorLabel);
      await su.end();
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});
