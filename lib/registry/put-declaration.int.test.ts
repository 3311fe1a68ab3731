import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/base/db';
import { cliActor, type TActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/base/errors';
import { listAudit } from '@/lib/audit/list-audit';
import { verifyAuditChain } from '@/lib/audit/verify';
import { createTeam } from './teams';
import { setAutoAccept } from './lifecycle-review';
import { putDeclaration, type TPutDeclarationInput } from './put-declaration';
import { getContext, getDeclarationHistory, listContexts } from './contexts';
import { getContextFindings } from '../findings/get-context-findings';
import { listClasses, updateClass } from './classes';
import { registerCluster } from './register-cluster';
import { createSite } from './sites';
import type { TDeclarationSpec } from './declaration-schema';
import { declarationSpec } from '../../tests/support/declaration-fixture';

const sfx = () => randomBytes(4).toString('hex');
const admin = cliActor();
const spec: TDeclarationSpec = declarationSpec({ runbook: 'Fence, promote, verify.', storage: { durability: 'replicated-block' } });
const owner = (team: string): TActor => ({ type: 'user', id: null, label: `owner-${team}`, role: 'service-owner', teams: [team] });
const viewer: TActor = { type: 'user', id: null, label: 'viewer', role: 'viewer', teams: [] };

async function expectError(p: Promise<unknown>, status: number, match?: RegExp): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status, (e as Error).message).toBe(status);
    if (match) expect((e as AppError).message).toMatch(match);
    return e as AppError;
  }
  throw new Error(`expected ${status}`);
}

let team: string;
let slug: string;
beforeAll(async () => {
  team = `team-${sfx()}`;
  await createTeam({ actor: admin, name: team });
  // these tests are about saving (versions, concurrency, validation): the team's owners' saves are
  // accepted at once, as before the lifecycle (tests/registry/declaration-lifecycle.int.test.ts covers proposals)
  await setAutoAccept({ actor: admin, target: { team }, on: true });
  slug = `ctx-${sfx()}`;
});
afterAll(async () => {
  await disconnectDb();
});

describe('putDeclaration', () => {
  it('an admin creates a missing context (and team) from a declaration file', async () => {
    const newTeam = `team-${sfx()}`;
    const s = `ctx-${sfx()}`;
    const r = await putDeclaration({ actor: admin, slug: s, input: { apiVersion: 'vakt/v1', kind: 'RecoveryDeclaration', context: s, name: 'New one', team: newTeam, spec } });
    // clean lint; the live check (loaded without registration) says no registered cluster holds it yet
    expect(r).toMatchObject({ version: 1, created: true, findings: [{ code: 'NOT_OBSERVED', severity: 'info', source: 'live', message: `No registered cluster holds ${s}, so nothing about it is observed yet.` }] });
    const ctx = await getContext(s);
    expect(ctx).toMatchObject({ slug: s, name: 'New one', team: newTeam, currentVersion: 1, current: { version: 1, spec } });
    const events = (await listAudit({ targetId: s })).events.map((e) => e.action);
    expect(events).toEqual(['declaration.created', 'context.created']);
    expect((await listAudit({ action: 'team.created', targetId: newTeam })).events).toHaveLength(1);
  });

  it('two admins creating two new contexts for the same new team at once: both land, the team is created once', async () => {
    const newTeam = `team-${sfx()}`;
    const slugs = [`ctx-${sfx()}`, `ctx-${sfx()}`];
    const results = await Promise.all(slugs.map((s) => putDeclaration({ actor: admin, slug: s, input: { name: s, team: newTeam, spec } })));
    expect(results.map((r) => [r.version, r.created])).toEqual([[1, true], [1, true]]);
    for (const s of slugs) expect((await getContext(s)).team).toBe(newTeam);
    expect((await listAudit({ action: 'team.created', targetId: newTeam })).events).toHaveLength(1);
  });

  it('creates versions, never overwrites, and an identical spec is a no-op without an audit row', async () => {
    const v1 = await putDeclaration({ actor: admin, slug, input: { team, name: 'Ctx', spec, reason: 'first' } });
    expect(v1).toMatchObject({ version: 1, created: true });
    const auditBefore = (await listAudit({ targetId: slug })).events.length;
    const same = await putDeclaration({ actor: owner(team), slug, input: { spec: structuredClone(spec) } });
    expect(same).toMatchObject({ version: 1, created: false });
    expect((await listAudit({ targetId: slug })).events.length).toBe(auditBefore);

    const v2 = await putDeclaration({ actor: owner(team), slug, ifMatch: '"1"', input: { spec: { ...spec, rpoClass: 'RPO-2', acceptedCrossSiteDataLossSeconds: undefined }, reason: 'looser' } });
    expect(v2.version).toBe(2);
    expect(v2.status).toBe('accepted');
    expect(v2.findings.map((f) => f.code)).toContain('ACCEPTED_LOSS_MISSING');
    const hist = await getDeclarationHistory(slug);
    expect(hist.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(hist.versions[1].spec).toEqual(spec); // version 1 untouched
    expect(hist.versions[0].diff).toEqual(
      expect.arrayContaining([
        { path: 'rpoClass', before: 'RPO-1', after: 'RPO-2' },
        { path: 'acceptedCrossSiteDataLossSeconds', before: 5, after: undefined },
      ]),
    );
    const ctx = await getContext(slug);
    expect(ctx.history.map((h) => [h.version, h.changes, h.reason])).toEqual([[2, 2, 'looser'], [1, 11, 'first']]);
    const audit = (await listAudit({ targetId: slug, action: 'declaration.created' })).events[0];
    expect(audit.before).toMatchObject({ version: 1, spec });
    expect(audit.after).toMatchObject({ version: 2, reason: 'looser' });
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('409 on an outdated base (baseVersion or If-Match) with the current version', async () => {
    const e = await expectError(putDeclaration({ actor: owner(team), slug, input: { spec: { ...spec, runbook: 'x' }, baseVersion: 1 } }), 409);
    expect(e.details).toMatchObject({ currentVersion: 2 });
    await expectError(putDeclaration({ actor: owner(team), slug, ifMatch: '"1"', input: { spec: { ...spec, runbook: 'x' } } }), 409);
  });

  it('422 when baseVersion and If-Match disagree, or the slug differs from context', async () => {
    const e = await expectError(putDeclaration({ actor: owner(team), slug, ifMatch: '"2"', input: { spec, baseVersion: 1 } }), 422);
    expect(e.details?.fields?.[0].path).toBe('baseVersion');
    const e2 = await expectError(putDeclaration({ actor: admin, slug, input: { apiVersion: 'vakt/v1', kind: 'RecoveryDeclaration', context: 'other-ctx', name: 'x', team, spec } }), 422);
    expect(e2.details?.fields?.[0].path).toBe('context');
  });

  it('422 naming each bad or unknown field', async () => {
    // deliberately malformed input: the use case validates it at run time
    const bad = { spec: { ...spec, backup: { ...spec.backup, retentionDays: 'x' }, colour: 'red' } } as unknown as TPutDeclarationInput;
    const e = await expectError(putDeclaration({ actor: owner(team), slug, input: bad }), 422);
    expect(e.details?.fields?.map((f) => f.path).sort()).toEqual(['spec.backup.retentionDays', 'spec.colour']);
  });

  it('403 for another team and for a viewer; 404 for a non-admin on a missing context', async () => {
    await expectError(putDeclaration({ actor: owner('someone-else'), slug, input: { spec } }), 403);
    await expectError(putDeclaration({ actor: viewer, slug, input: { spec } }), 403);
    await expectError(putDeclaration({ actor: owner(team), slug: `nope-${sfx()}`, input: { team, spec } }), 404);
  });

  it('two concurrent saves on the same base: exactly one wins, the other gets 409', async () => {
    const cur = (await getContext(slug)).currentVersion;
    const results = await Promise.allSettled(
      [1, 2].map((n) => putDeclaration({ actor: owner(team), slug, input: { baseVersion: cur, spec: { ...spec, runbook: `concurrent ${n}` } } })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0].reason as AppError).status).toBe(409);
    const after = await getDeclarationHistory(slug);
    expect(after.currentVersion).toBe(cur + 1);
    expect(after.versions.filter((v) => v.version === cur + 1)).toHaveLength(1);
  });

  it('concurrent saves without a base both land as distinct versions or one 409s, never overwrite', async () => {
    const cur = (await getContext(slug)).currentVersion;
    const results = await Promise.allSettled([3, 4, 5].map((n) => putDeclaration({ actor: admin, slug, input: { spec: { ...spec, runbook: `free ${n}` } } })));
    const won = results.filter((r) => r.status === 'fulfilled').length;
    for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).status).toBe(409);
    const h = await getDeclarationHistory(slug);
    expect(h.currentVersion).toBe(cur + won);
    expect(h.versions.map((v) => v.version)).toEqual([...Array(cur + won).keys()].map((i) => cur + won - i));
  });

  it('findings = lint + live compliance; listContexts counts them; class bound changes show', async () => {
    // live: a registered cluster holds the context, and its replica's latest observation (as the poller
    // stores it) lags above the RPO-1 bound of 5 s
    await createSite({ actor: admin, input: { name: 'oslo' } }).catch(() => undefined);
    const cluster = `lagging-${sfx()}`;
    await registerCluster({
      actor: admin,
      input: {
        name: cluster,
        contexts: [slug],
        members: ['a', 'b'].map((n) => ({ name: `${cluster}-${n}`, site: 'oslo', agentUrl: `http://127.0.0.1:9/${cluster}-${n}`, agentToken: 'fake-token-0123456789' })),
      },
    });
    for (const m of await db.clusterMember.findMany({ where: { cluster: { name: cluster } } })) {
      const primary = m.name.endsWith('-a');
      const o = { observedAt: new Date(), status: 'ok', role: primary ? 'primary' : 'replica', timeline: 1, lagSeconds: primary ? null : 30, lagBytes: primary ? null : 1e6 };
      await db.nodeObservation.upsert({ where: { memberId: m.id }, create: { memberId: m.id, ...o }, update: o });
    }
    const f = await getContextFindings(slug);
    expect(f.map((x) => x.code)).toContain('LAG_ABOVE_RPO');
    const row = (await listContexts()).find((c) => c.slug === slug)!;
    expect(row).toMatchObject({ team, rpoClass: 'RPO-1', failover: 'operator-approved', crossSite: 'required' });
    expect(row.findingCounts.error).toBeGreaterThanOrEqual(1);
    await expectError(getContextFindings(`missing-${sfx()}`), 404);
  });
});

describe('classes', () => {
  it('the default catalog is installed, and an admin edits a bound (audited; non-admin 403; duplicate 409)', async () => {
    const { rpo, rto } = await listClasses();
    expect(rpo.map((c) => [c.name, c.boundSeconds])).toEqual(expect.arrayContaining([['RPO-0', 0], ['RPO-1', 5], ['RPO-2', 60], ['RPO-3', 900], ['RPO-4', 86400]]));
    expect(rto.map((c) => c.name)).toEqual(['RTO-1', 'RTO-2', 'RTO-3', 'RTO-4']);
    const rpo4 = rpo.find((c) => c.name === 'RPO-4')!;
    await expectError(updateClass({ actor: owner(team), id: rpo4.id, input: { boundSeconds: null } }), 403);
    await expectError(updateClass({ actor: admin, id: rpo4.id, input: { name: 'RPO-3', boundSeconds: 86400 } }), 409);
    await expectError(updateClass({ actor: admin, id: rpo4.id, input: { boundSeconds: -1 } }), 422);
    const u = await updateClass({ actor: admin, id: rpo4.id, input: { boundSeconds: null } });
    expect(u.boundSeconds).toBeNull();
    const ev = (await listAudit({ action: 'class.updated', targetId: rpo4.id })).events[0];
    expect(ev.before).toMatchObject({ boundSeconds: 86400 });
    await updateClass({ actor: admin, id: rpo4.id, input: { boundSeconds: 86400 } });
  });
});
