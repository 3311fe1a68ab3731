import { describe, expect, it } from 'vitest';
import type { TSafetyReport } from '@/lib/safety/engine';
import type { TLiveBackup, TLiveCluster, TLiveDrill, TLiveFindingsInput } from '@/lib/findings/live-types';
import { backupState } from '@/lib/findings/backup-state';
import { declarationSpec } from '@/tests/support/declaration-fixture';
import { estimateRestore } from './restore-estimate';
import { scenarioLosses, type TScenario } from './scenarios';
import { computeReadiness, restoreCommands, servedReadiness } from './readiness';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const H = 3600;
const D = 86400;
const MB = 1e6;
const seg = (n: number) => `00000001000000000000${n.toString(16).toUpperCase().padStart(4, '0')}`;

const drill = (p: Partial<TLiveDrill> = {}): TLiveDrill => ({ id: 'd1', status: 'SUCCEEDED', external: false, backupLabel: 'F2', backupChain: ['F2'], backupSizeBytes: 100 * MB, walReplayBytes: 0, restoreSeconds: 20, finishedAt: ago(D), ...p });

describe('estimateRestore', () => {
  it.each<[string, TLiveDrill[], number | null, number | null, number | null, boolean, RegExp]>([
    ['no drill: unknown, never a guess', [], 100 * MB, 0, null, false, /no successful restore drill/],
    ['one drill, same size: its time', [drill()], 100 * MB, 0, 20, true, /1 drill\(s\)/],
    ['scaled by size and WAL to replay', [drill()], 150 * MB, 50 * MB, 40, true, /now 150 MB backup \+ 50 MB WAL/],
    ['median rate of several drills', [drill({ restoreSeconds: 10 }), drill({ id: 'd2', restoreSeconds: 30, finishedAt: ago(2 * D) }), drill({ id: 'd3', restoreSeconds: 20, finishedAt: ago(3 * D) })], 200 * MB, 0, 40, true, /3 drill\(s\)/],
    ['failed drills do not count', [drill({ status: 'FAILED', restoreSeconds: 999 }), drill({ id: 'd2' })], 100 * MB, 0, 20, true, /1 drill/],
    ['backup size unknown: unscaled median', [drill({ restoreSeconds: 12 })], null, null, 12, false, /not scaled \(the backup size is unknown\)/],
    ['drills without size: unscaled', [drill({ backupSizeBytes: null, restoreSeconds: 12 })], 100 * MB, 0, 12, false, /the drills carry no size/],
  ])('%s', (_n, drills, size, wal, seconds, scaled, basis) => {
    const e = estimateRestore({ drills, sizeBytes: size, walToReplayBytes: wal });
    expect(e.seconds).toBe(seconds);
    expect(e.scaled).toBe(scaled);
    expect(e.basis).toMatch(basis);
  });
  it('uses the latest five drills only', () => {
    const many = Array.from({ length: 8 }, (_, i) => drill({ id: `d${i}`, finishedAt: ago((i + 1) * D), restoreSeconds: i < 5 ? 10 : 1000 }));
    expect(estimateRestore({ drills: many, sizeBytes: 100 * MB, walToReplayBytes: 0 }).seconds).toBe(10);
  });
});

type TCand = TSafetyReport['candidates'][number];
const cand = (node: string, site: string, worst: number | null, p: Partial<TCand> = {}): TCand =>
  ({
    node,
    site,
    crossSite: site !== 'oslo',
    verdict: 'SAFE',
    approvalsRequired: 0,
    reasons: [],
    dataLoss: { bytes: worst === null ? null : worst * 1000, seconds: worst, unknownWindowSeconds: 0, windowCoveredBySync: false, worstCaseSeconds: worst, referenceLsn: null, candidateLsn: null, syncState: 'async', basis: worst === null ? 'unknown' : 'measured-window', exact: false, finalLsn: null, proof: null },
    rpoBoundSeconds: 60,
    strictestContext: null,
    contexts: [],
    requiresAttestation: false,
    replayLsn: null,
    rank: 0,
    runbook: null,
    salvage: { possible: false, source: null, sourceKind: null, targetLsn: null, bytes: null, remainingBytes: null, expectedSeconds: null, reason: '' },
    ...p,
  }) as TCand;
const report = (candidates: TCand[]): TSafetyReport => ({
  cluster: 'c1',
  state: 'HEALTHY',
  epoch: 1,
  evaluatedAt: ago(1),
  primary: { node: 'oslo-1', site: 'oslo', status: 'ok', role: 'primary', observedAt: ago(1), ageSeconds: 1, lastSeenOkAt: ago(1), downForSeconds: null, timeline: 1, lsn: '0/1', fenced: false },
  alarms: [],
  candidates,
  fenceTarget: null,
  needsRebuild: [],
  needsRepoint: [],
});
const backups: TLiveBackup[] = [
  { label: 'F1', type: 'full', stoppedAt: ago(15 * D), walStart: seg(2), walStop: seg(2), sizeBytes: 100 * MB, dbId: 1 },
  { label: 'F2', type: 'full', stoppedAt: ago(5 * H), walStart: seg(6), walStop: seg(6), sizeBytes: 100 * MB, dbId: 1 },
];
const liveCluster = (p: Partial<TLiveCluster> = {}, lastArchivedAgo = 40): TLiveCluster => ({
  name: 'c1',
  kind: 'vakt-agent',
  members: [
    {
      name: 'oslo-1',
      site: 'oslo',
      status: 'ok',
      role: 'primary',
      observedAt: ago(1),
      archiver: { archivedCount: 9, lastArchivedAt: ago(lastArchivedAgo), failedCount: 0, lastFailedAt: null },
      backups: { stanza: 'vakt', configPath: '/etc/pgbackrest/vakt.conf', status: { code: 0, message: 'ok' }, backups, archives: [{ id: '15-1', dbId: 1, min: seg(1), max: seg(7) }], backupRunning: false },
    },
  ],
  database: 'inv',
  schema: 'public',
  otherContexts: [],
  vaktDatabaseHere: false,
  drills: [drill()],
  backupRepositorySite: 'stavanger',
  siteRegions: { oslo: 'east', bergen: 'west', stavanger: 'west', drammen: 'east' },
  ...p,
});

const scen = (o: { cluster?: Partial<TLiveCluster>; candidates?: TCand[] | null; pitr?: boolean }): Record<string, TScenario> => {
  const cl = liveCluster(o.cluster);
  const out = scenarioLosses({ cluster: cl, report: o.candidates === null ? null : report(o.candidates ?? []), state: backupState(cl), pitr: o.pitr ?? true, fullIntervalHours: 24, rpoBoundSeconds: 60, nowMs: NOW });
  return Object.fromEntries(out.map((s) => [s.scenario, s]));
};

describe('scenarioLosses', () => {
  it.each<[string, Parameters<typeof scen>[0], Record<string, Partial<TScenario>>]>([
    [
      'local, other-site and other-region replicas: each the best candidate there',
      { candidates: [cand('oslo-2', 'oslo', 2), cand('oslo-3', 'oslo', 1), cand('drammen-1', 'drammen', 5), cand('bergen-1', 'bergen', 90)] },
      {
        node: { seconds: 1, via: 'replica', node: 'oslo-3', withinRpo: true },
        site: { seconds: 5, node: 'drammen-1', withinRpo: true },
        region: { seconds: 90, node: 'bergen-1', withinRpo: false },
        logical: { seconds: 40, via: 'pitr', withinRpo: true },
      },
    ],
    [
      'no replica in another region: a restore from the repository in the other region (loss = newest archived WAL age)',
      { candidates: [cand('oslo-2', 'oslo', 2), cand('drammen-1', 'drammen', 5)] },
      { region: { seconds: 40, via: 'restore', withinRpo: true } },
    ],
    [
      'repository inside the lost region: nothing survives',
      { candidates: [cand('oslo-2', 'oslo', 2)], cluster: { backupRepositorySite: 'drammen' } },
      { site: { seconds: 40, via: 'restore' }, region: { seconds: null, via: 'none', withinRpo: false } },
    ],
    [
      'repository in the primary site: a site loss takes it too',
      { candidates: [cand('oslo-2', 'oslo', 2)], cluster: { backupRepositorySite: 'oslo' } },
      { site: { seconds: null, via: 'none', withinRpo: false }, region: { via: 'none' } },
    ],
    [
      'repository site unknown: said plainly',
      { candidates: [cand('oslo-2', 'oslo', 2)], cluster: { backupRepositorySite: null } },
      { site: { seconds: null, via: 'unknown', withinRpo: null }, region: { via: 'unknown' } },
    ],
    [
      'no local replica: node loss promotes the best elsewhere',
      { candidates: [cand('bergen-1', 'bergen', 3)] },
      { node: { seconds: 3, node: 'bergen-1' } },
    ],
    [
      'no report (stale): replica scenarios unknown, logical still from the archive',
      { candidates: null },
      { node: { via: 'unknown', withinRpo: null }, site: { via: 'unknown' }, region: { via: 'unknown' }, logical: { seconds: 40, via: 'pitr' } },
    ],
    [
      'without PITR: logical corruption loses up to the backup interval',
      { candidates: [], pitr: false },
      { logical: { seconds: 24 * H, via: 'restore', withinRpo: false } },
    ],
    [
      'region of the primary unknown: the region answer is unknown',
      { candidates: [cand('bergen-1', 'bergen', 3)], cluster: { siteRegions: { stavanger: 'west' } } },
      { region: { via: 'unknown', seconds: null } },
    ],
  ])('%s', (_n, o, expected) => {
    const got = scen(o);
    for (const [k, v] of Object.entries(expected)) expect(got[k], k).toMatchObject(v);
    for (const s of Object.values(got)) expect(s.basis.length).toBeGreaterThan(10);
  });
});

const input = (p: { cluster?: Partial<TLiveCluster>; spec?: Parameters<typeof declarationSpec>[0]; rto?: number | null } = {}): TLiveFindingsInput => ({
  context: { slug: 'inv' },
  spec: declarationSpec({ rpoClass: 'RPO-2', ...p.spec }),
  bounds: { rpoBoundSeconds: 60, rtoBoundSeconds: p.rto === undefined ? 900 : p.rto },
  clusters: [liveCluster(p.cluster)],
  now: NOW,
});
const reports = (c: TCand[] = [cand('oslo-2', 'oslo', 1), cand('bergen-1', 'bergen', 5, { verdict: 'GATED', approvalsRequired: 2 })]) => new Map([['c1', report(c)]]);

describe('computeReadiness', () => {
  it('answers the seven questions with numbers and sources', () => {
    const r = computeReadiness(input(), reports());
    const c = r.clusters[0];
    expect(c.pgbackrest).toBe(true);
    expect(c.trust.trusted).toBe(true);
    expect(c.backup).toMatchObject({ status: 'ok', newest: { label: 'F2' }, chain: ['F2'], count: 2 });
    expect(c.recency).toMatchObject({ status: 'ok', newestBackupAgeSeconds: 5 * H, newestFullAgeSeconds: 5 * H, newestArchivedWalAgeSeconds: 40 });
    expect(c.restore.commands.latest).toBe('pgbackrest --config=/etc/pgbackrest/vakt.conf --stanza=vakt --delta restore');
    expect(c.restore.commands.pointInTime).toBe(`pgbackrest --config=/etc/pgbackrest/vakt.conf --stanza=vakt --delta --type=time --target="${ago(40).replace('T', ' ').replace('.000Z', '+00')}" --target-action=promote restore`);
    expect(c.restoreTime).toMatchObject({ status: 'ok', rtoBoundSeconds: 900 });
    expect(c.restoreTime.estimate.seconds).toBeCloseTo(20 * (100 * MB + 16 * 1024 * 1024) / (100 * MB), 0);
    expect(c.dataLoss.scenarios.map((s) => s.scenario)).toEqual(['node', 'site', 'region', 'logical']);
    expect(c.crossSite).toMatchObject({ status: 'ok', candidates: [{ node: 'bergen-1', verdict: 'GATED', approvalsRequired: 2 }] });
    expect(c.crossSite.summary).toContain('operator-gated, 2 approval(s)');
    for (const a of [c.backup, c.recency, c.restore, c.restoreTime, c.dataLoss, c.comparison, c.crossSite]) expect(a.source.length).toBeGreaterThan(5);
  });
  it.each<[string, Parameters<typeof input>[0], TCand[] | undefined, { answer: string; status: string }]>([
    ['never drilled: the restore time is unknown, which ranks weaker than untrusted', { cluster: { drills: [] } }, undefined, { answer: 'restoreTime', status: 'unknown' }],
    ['restore slower than the RTO', { rto: 10 }, undefined, { answer: 'restoreTime', status: 'bad' }],
    ['cross-site required and every cross-site candidate blocked', {}, [cand('oslo-2', 'oslo', 1), cand('bergen-1', 'bergen', 5, { verdict: 'BLOCKED', reasons: [{ code: 'LAG_ABOVE_RPO', message: '', effect: 'block' }] })], { answer: 'crossSite', status: 'bad' }],
    ['a failed drill of the restore chain', { cluster: { drills: [drill({ status: 'FAILED', finishedAt: ago(60) }), drill()] } }, undefined, { answer: 'trust', status: 'bad' }],
  ])('weakest: %s', (_n, i, c, w) => {
    expect(computeReadiness(input(i), reports(c)).weakest).toMatchObject(w);
  });
  it('without pgBackRest on the agents it says so and knows no backup', () => {
    const r = computeReadiness(input({ cluster: { members: [{ ...liveCluster().members[0], backups: null }] } }), reports());
    expect(r.clusters[0].pgbackrest).toBe(false);
    expect(r.clusters[0].backup.summary).toMatch(/has pgBackRest configured/);
    expect(r.clusters[0].backup.status).toBe('unknown');
    expect(r.clusters[0].restore.commands.latest).toBeNull();
  });
  it('compares with the other contexts on the cluster', () => {
    const r = computeReadiness(
      input({ cluster: { otherContexts: [{ slug: 'audit', rpoClass: 'RPO-4', rpoBoundSeconds: 86400, rtoBoundSeconds: 3600, database: 'a', schema: 'public' }, { slug: 'pay', rpoClass: 'RPO-0', rpoBoundSeconds: 0, rtoBoundSeconds: 60, database: 'p', schema: 'public' }] } }),
      reports(),
    );
    expect(r.clusters[0].comparison.contexts.map((o) => [o.slug, o.relation])).toEqual([['audit', 'weaker'], ['pay', 'stricter']]);
    expect(r.clusters[0].comparison.summary).toContain('The cluster must meet the stricter pay');
  });
  it('no cluster: unknown, ranked weak', () => {
    expect(computeReadiness({ ...input(), clusters: [] }, new Map())).toMatchObject({ clusters: [], rank: 2, weakest: { answer: 'observed', status: 'unknown' } });
  });
  it('served stale: every answer unknown, nothing trusted', () => {
    const s = servedReadiness(computeReadiness(input(), reports()), true, 'old');
    const c = s.clusters[0];
    expect([c.backup, c.recency, c.restore, c.restoreTime, c.dataLoss, c.comparison, c.crossSite].map((a) => a.status)).toEqual(Array(7).fill('unknown'));
    expect(c.trust.trusted).toBe(false);
    expect(s.rank).toBe(2);
  });
  it('restore commands: no stanza, no command; PITR broken, no point-in-time command', () => {
    const cl = liveCluster();
    const st = backupState(cl);
    expect(restoreCommands({ ...st, stanza: null }).latest).toBeNull();
    expect(restoreCommands({ ...st, configPath: null }).latest).toBe('pgbackrest --stanza=vakt --delta restore');
    expect(restoreCommands({ ...st, pitr: { ...st.pitr, gap: 'x' } }).pointInTime).toBeNull();
  });
});
