import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/base/db';
import { cliActor, type TActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/base/errors';
import { listAudit } from '@/lib/audit/list-audit';
import { verifyAuditChain } from '@/lib/audit/verify';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { readClusterSafety } from '@/lib/readmodel/read';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import { getContext, getDeclarationHistory } from '@/lib/registry/contexts';
import type { TDeclarationSpec } from '@/lib/registry/declaration-schema';
import { getDeclarationReview } from '@/lib/registry/lifecycle-read';
import { reviewDeclaration, setAutoAccept } from '@/lib/registry/lifecycle-review';
import { putDeclaration } from '@/lib/registry/put-declaration';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createSite } from '@/lib/registry/sites';
import { createTeam } from '@/lib/registry/teams';
import { declarationSpec } from '../support/declaration-fixture';

// Declaration lifecycle (docs/api.md "Declaration lifecycle"): owners propose, admins accept or
// reject, one pending proposal per context, and until a proposal is accepted the stricter of the
// accepted and the proposed value binds verdicts — computed on the spot (getClusterSafety) and in the
// stored read model the worker serves (the trigger on pendingVersion / currentVersion).
const sfx = () => randomBytes(4).toString('hex');
const admin = cliActor();
const owner = (team: string): TActor => ({ type: 'user', id: null, label: `owner-${team}`, role: 'service-owner', teams: [team] });
const base = declarationSpec({ failover: 'operator-approved', approvalsRequired: 1, crossSite: 'optional', rpoClass: 'RPO-2', acceptedCrossSiteDataLossSeconds: 30 });
const spec = (p: Partial<TDeclarationSpec>) => declarationSpec({ ...base, ...p });

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
const clusters: string[] = [];

/** A cluster holding `slug`: primary in oslo, replica in bergen, latest observations as the poller stores them. */
async function clusterFor(slug: string): Promise<string> {
  const name = `lc-${sfx()}`;
  clusters.push(name);
  await registerCluster({
    actor: admin,
    input: {
      name,
      contexts: [slug],
      members: [
        { name: `${name}-a`, site: 'oslo', agentUrl: `http://127.0.0.1:9/${name}-a`, agentToken: 'fake-token-0123456789' },
        { name: `${name}-b`, site: 'bergen', agentUrl: `http://127.0.0.1:9/${name}-b`, agentToken: 'fake-token-0123456789' },
      ],
    },
  });
  for (const m of await db.clusterMember.findMany({ where: { cluster: { name } } })) {
    const primary = m.name.endsWith('-a');
    const o = { observedAt: new Date(), status: 'ok', role: primary ? 'primary' : 'replica', timeline: 1, lagSeconds: primary ? null : 1, lagBytes: primary ? null : 1000 };
    await db.nodeObservation.upsert({ where: { memberId: m.id }, create: { memberId: m.id, ...o }, update: o });
  }
  return name;
}

/** Reason codes and messages of the cross-site candidate: computed now, and as the read model stores them. */
async function verdict(cluster: string) {
  const now = (await getClusterSafety(cluster)).candidates.find((c) => c.node === `${cluster}-b`)!;
  await refreshUntilIdle();
  const stored = (await readClusterSafety(cluster)).candidates.find((c) => c.node === `${cluster}-b`)!;
  const codes = now.reasons.map((r) => r.code).sort();
  expect(stored.reasons.map((r) => r.code).sort(), 'the stored read model agrees').toEqual(codes);
  return { codes, text: now.reasons.map((r) => r.message).join(' ') };
}

/** A context owned by `team` whose version 1 an admin saved (accepted). */
async function acceptedContext(first: TDeclarationSpec = base): Promise<string> {
  const slug = `lc-${sfx()}`;
  const r = await putDeclaration({ actor: admin, slug, input: { team, name: slug, spec: first } });
  expect(r).toMatchObject({ version: 1, created: true, status: 'accepted' });
  return slug;
}

beforeAll(async () => {
  team = `lc-team-${sfx()}`;
  await createTeam({ actor: admin, name: team });
  for (const s of ['oslo', 'bergen']) await createSite({ actor: admin, input: { name: s } }).catch(() => undefined);
});
afterAll(async () => {
  await db.cluster.deleteMany({ where: { name: { in: clusters } } });
  await disconnectDb();
});

describe('declaration lifecycle', () => {
  it("proposal -> accept: an owner's save is proposed, binds (stricter) while pending, and binds as is once accepted", async () => {
    const slug = await acceptedContext();
    const cluster = await clusterFor(slug);
    expect((await verdict(cluster)).codes).toContain('OPERATOR_APPROVAL');

    const p = await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ failover: 'manual' }), reason: 'manual until the runbook is drilled' } });
    expect(p).toMatchObject({ version: 2, created: true, status: 'proposed' });
    expect((await getContext(slug)).currentVersion).toBe(1); // the accepted version stays
    expect((await verdict(cluster)).codes).toContain('FAILOVER_MANUAL'); // the stricter proposal binds already
    const review = await getDeclarationReview(slug);
    expect(review.pending).toMatchObject({ version: 2, authorLabel: `owner-${team}`, diff: [{ path: 'failover', before: 'operator-approved', after: 'manual' }] });
    expect(review.binding).toMatchObject({ state: 'pending', spec: { failover: 'manual' } });

    await expectError(reviewDeclaration({ actor: owner(team), slug, version: 2, action: 'accept' }), 403);
    await expectError(reviewDeclaration({ actor: admin, slug, version: 1, action: 'accept' }), 409, /not pending/);
    const a = await reviewDeclaration({ actor: admin, slug, version: 2, action: 'accept' });
    expect(a).toMatchObject({ status: 'accepted', currentVersion: 2 });
    expect((await getContext(slug)).current).toMatchObject({ version: 2, spec: { failover: 'manual' } });
    expect((await getDeclarationReview(slug)).pending).toBeNull();
    expect((await verdict(cluster)).codes).toContain('FAILOVER_MANUAL');
    await expectError(reviewDeclaration({ actor: admin, slug, version: 2, action: 'accept' }), 409);
    const ev = (await listAudit({ targetId: slug, action: 'declaration.accepted' })).events[0];
    expect(ev.after).toMatchObject({ version: 2, status: 'accepted', acceptedVersion: 2 });
    expect((await listAudit({ targetId: slug, action: 'declaration.proposed' })).events).toHaveLength(1);
  });

  it('proposal -> reject: a reason is required; the accepted version keeps binding; the proposer sees why', async () => {
    const slug = await acceptedContext();
    const cluster = await clusterFor(slug);
    await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ crossSite: 'not-assumed' }) } });
    expect((await verdict(cluster)).codes).toContain('CROSS_SITE_NOT_ALLOWED'); // stricter stance pending

    const e = await expectError(reviewDeclaration({ actor: admin, slug, version: 2, action: 'reject', reason: '  ' }), 422);
    expect(e.details?.fields?.[0].path).toBe('reason');
    const r = await reviewDeclaration({ actor: admin, slug, version: 2, action: 'reject', reason: 'bergen is our DR site' });
    expect(r).toMatchObject({ status: 'rejected', currentVersion: 1 });
    expect((await verdict(cluster)).codes).not.toContain('CROSS_SITE_NOT_ALLOWED');
    const review = await getDeclarationReview(slug);
    expect(review.pending).toBeNull();
    expect(review.lastDecision).toMatchObject({ version: 2, status: 'rejected', decidedByLabel: admin.label, reason: 'bergen is our DR site' });
    const h = await getDeclarationHistory(slug);
    expect(h.versions.map((v) => [v.version, v.status])).toEqual([[2, 'rejected'], [1, 'accepted']]);
    await expectError(reviewDeclaration({ actor: admin, slug, version: 2, action: 'accept' }), 409);
    expect((await listAudit({ targetId: slug, action: 'declaration.rejected' })).events[0].after).toMatchObject({ version: 2, reason: 'bergen is our DR site' });
  });

  it('one pending proposal: a new one supersedes it, an identical one creates nothing, an outdated base is 409', async () => {
    const slug = await acceptedContext();
    const p2 = await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ approvalsRequired: 2 }) } });
    const p3 = await putDeclaration({ actor: owner(team), slug, ifMatch: '"2"', input: { spec: spec({ approvalsRequired: 2, rpoClass: 'RPO-1' }) } });
    expect([p2.version, p3.version]).toEqual([2, 3]);
    const h = await getDeclarationHistory(slug);
    expect(h.versions.map((v) => [v.version, v.status])).toEqual([[3, 'proposed'], [2, 'superseded'], [1, 'accepted']]);
    await expectError(reviewDeclaration({ actor: admin, slug, version: 2, action: 'accept' }), 409, /superseded/);

    const audits = (await listAudit({ targetId: slug })).events.length;
    const same = await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ approvalsRequired: 2, rpoClass: 'RPO-1' }) } });
    expect(same).toMatchObject({ version: 3, created: false, status: 'proposed' });
    expect((await listAudit({ targetId: slug })).events.length).toBe(audits);
    expect((await getDeclarationHistory(slug)).versions).toHaveLength(3);

    // a change starts from the accepted version (1) or the pending proposal (3); 2 is outdated
    const e = await expectError(putDeclaration({ actor: owner(team), slug, input: { baseVersion: 2, spec: spec({ runbook: 'x' }) } }), 409);
    expect(e.details).toMatchObject({ currentVersion: 1, pendingVersion: 3 });
    const p4 = await putDeclaration({ actor: owner(team), slug, input: { baseVersion: 1, spec: spec({ runbook: 'from the accepted one' }) } });
    expect(p4).toMatchObject({ version: 4, status: 'proposed' });

    // an admin's save is accepted at once and supersedes the pending proposal
    const a5 = await putDeclaration({ actor: admin, slug, input: { spec: spec({ runbook: 'admin' }) } });
    expect(a5).toMatchObject({ version: 5, status: 'accepted' });
    const ctx = await db.boundedContext.findUniqueOrThrow({ where: { slug } });
    expect(ctx).toMatchObject({ currentVersion: 5, pendingVersion: null, latestVersion: 5 });
    expect((await getDeclarationHistory(slug)).versions.map((v) => v.status)).toEqual(['accepted', 'superseded', 'superseded', 'superseded', 'accepted']);
  });

  it('auto-accept: on a team or a context, owners save accepted versions at once (audited, admin only)', async () => {
    const slug = await acceptedContext();
    await expectError(setAutoAccept({ actor: owner(team), target: { team }, on: true }), 403);
    await setAutoAccept({ actor: admin, target: { context: slug }, on: true });
    expect(await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ runbook: 'ctx auto' }) } })).toMatchObject({ version: 2, status: 'accepted' });
    await setAutoAccept({ actor: admin, target: { context: slug }, on: false });
    expect(await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ runbook: 'proposed again' }) } })).toMatchObject({ version: 3, status: 'proposed' });
    await setAutoAccept({ actor: admin, target: { team }, on: true });
    try {
      const t = await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ runbook: 'team auto' }) } });
      expect(t).toMatchObject({ version: 4, status: 'accepted' });
      expect((await getDeclarationHistory(slug)).versions[1]).toMatchObject({ version: 3, status: 'superseded' });
    } finally {
      await setAutoAccept({ actor: admin, target: { team }, on: false });
    }
    expect((await listAudit({ targetId: slug, action: 'context.auto-accept' })).events).toHaveLength(2);
    expect((await listAudit({ targetId: team, action: 'team.auto-accept' })).events).toHaveLength(2);
    await expectError(setAutoAccept({ actor: admin, target: { team: `nope-${sfx()}` }, on: true }), 404);
  });

  it.each([
    ['stricter', { failover: 'operator-approved', approvalsRequired: 1, acceptedCrossSiteDataLossSeconds: 30 }, { failover: 'manual', approvalsRequired: 2, acceptedCrossSiteDataLossSeconds: 0 }],
    ['looser', { failover: 'manual', approvalsRequired: 2, acceptedCrossSiteDataLossSeconds: 0 }, { failover: 'automatic', approvalsRequired: 1, acceptedCrossSiteDataLossSeconds: 600 }],
  ] as const)('a %s pending proposal: verdicts use the stricter value', async (_kind, accepted, proposed) => {
    const slug = await acceptedContext(spec(accepted));
    const cluster = await clusterFor(slug);
    await putDeclaration({ actor: owner(team), slug, input: { spec: spec(proposed) } });
    const v = await verdict(cluster);
    expect(v.codes).toContain('FAILOVER_MANUAL');
    expect(v.codes).not.toContain('OPERATOR_APPROVAL');
    // the smaller accepted loss (0 s): a 1 s cross-site lag is not accepted
    expect(v.codes).toContain('CROSS_SITE_LOSS_NOT_ACCEPTED');
  });

  it('a context without an accepted version gates every promotion with two approvals (DECLARATION_NOT_ACCEPTED)', async () => {
    // a context registered without a declaration (no version yet); its first save by an owner is a proposal
    const slug = `lc-${sfx()}`;
    const t = await db.team.findUniqueOrThrow({ where: { name: team } });
    await db.boundedContext.create({ data: { slug, name: slug, teamId: t.id } });
    const cluster = await clusterFor(slug);
    const p = await putDeclaration({ actor: owner(team), slug, input: { spec: spec({ failover: 'automatic', approvalsRequired: 1 }) } });
    expect(p).toMatchObject({ version: 1, status: 'proposed' });
    const v = await verdict(cluster);
    expect(v.codes).toContain('DECLARATION_NOT_ACCEPTED');
    expect(v.codes).toContain('OPERATOR_APPROVAL'); // automatic is not what binds: at least operator-approved
    expect(v.text).toMatch(/2 approval\(s\) required/);
    expect((await getDeclarationReview(slug)).binding).toMatchObject({ state: 'not-accepted', spec: { failover: 'operator-approved', approvalsRequired: 2 } });

    await reviewDeclaration({ actor: admin, slug, version: 1, action: 'accept' });
    const after = await verdict(cluster);
    expect(after.codes).not.toContain('DECLARATION_NOT_ACCEPTED');
    expect(after.codes).not.toContain('OPERATOR_APPROVAL'); // automatic, as accepted
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});
