// A context's restore readiness (pure; README "Readiness"): the seven answers an operator needs —
// what backup exists, how recent it is, how to restore it, how long that takes, what each failure
// scenario loses, which contexts on the same cluster are stricter or weaker, and whether a cross-site
// promotion is safe, blocked or operator-gated — each with its number and where it comes from, per
// cluster holding the context, plus whether the backups are trusted. The worker computes it into the
// read model (lib/readmodel/compute.ts); pages and GET /api/v1/contexts/{slug}/readiness serve it.
import { toMs } from '@/lib/pg';
import type { TSafetyReport } from '@/lib/safety/engine';
import { backupState, evaluateTrust, type TBackupState, type TTrust } from '@/lib/findings/backup-state';
import { crossSiteReplicaRequired, type TLiveCluster, type TLiveFindingsInput } from '@/lib/findings/live-types';
import { estimateRestore, type TRestoreEstimate } from './restore-estimate';
import { scenarioLosses, type TScenario } from './scenarios';

export type TAnswerStatus = 'ok' | 'warn' | 'bad' | 'unknown';
export type TAnswer = { status: TAnswerStatus; summary: string; source: string };
export const ANSWERS = ['backup', 'recency', 'restore', 'restoreTime', 'dataLoss', 'comparison', 'crossSite'] as const;
export type TAnswerName = (typeof ANSWERS)[number];

export type TClusterReadiness = {
  cluster: string;
  /** an agent of the cluster reports a pgBackRest catalog */
  pgbackrest: boolean;
  trust: TTrust;
  backup: TAnswer & { newest: { label: string; type: string; stoppedAt: string; sizeBytes: number | null; error: boolean } | null; chain: string[]; count: number; running: boolean | null; repository: TBackupState['repository'] };
  recency: TAnswer & { newestBackupAgeSeconds: number | null; newestFullAgeSeconds: number | null; newestArchivedWalAgeSeconds: number | null; fullIntervalHours: number; pitrWindow: TBackupState['pitr'] };
  restore: TAnswer & { runbook: string; commands: { latest: string | null; pointInTime: string | null; where: string } };
  restoreTime: TAnswer & { estimate: TRestoreEstimate; rtoBoundSeconds: number | null };
  dataLoss: TAnswer & { scenarios: TScenario[]; rpoBoundSeconds: number | null };
  comparison: TAnswer & { contexts: Array<{ slug: string; rpoClass: string; rpoBoundSeconds: number | null; rtoBoundSeconds: number | null; /** the other context relative to this one */
    relation: 'stricter' | 'weaker' | 'same' | 'unknown' }> };
  crossSite: TAnswer & { candidates: Array<{ node: string; site: string; verdict: string; approvalsRequired: number; reasons: string[] }> };
};

export type TReadiness = {
  context: string;
  clusters: TClusterReadiness[];
  /** the weakest answer over every cluster (trust included): what the fleet view ranks by */
  weakest: { cluster: string | null; answer: TAnswerName | 'trust' | 'observed'; status: TAnswerStatus; summary: string };
  /** 3 bad, 2 unknown, 1 warn, 0 ok (higher = weaker) */
  rank: number;
};

const RANK: Record<TAnswerStatus, number> = { ok: 0, warn: 1, unknown: 2, bad: 3 };
const r1 = (n: number) => Math.round(n * 10) / 10;
const ageS = (at: string | null | undefined, nowMs: number) => {
  const ms = toMs(at ?? null);
  return ms === null ? null : r1(Math.max(0, (nowMs - ms) / 1000));
};
const hours = (s: number) => `${r1(s / 3600)} h`;
const worst = (xs: TAnswerStatus[]): TAnswerStatus => xs.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok' as TAnswerStatus);

/** The exact pgBackRest commands to restore this cluster's stanza (run on the node being restored, PostgreSQL stopped, as postgres). */
export function restoreCommands(state: TBackupState): TClusterReadiness['restore']['commands'] {
  const where = 'on the node to restore, PostgreSQL stopped, as the postgres user; then start PostgreSQL (it replays the archived WAL and promotes)';
  if (!state.stanza) return { latest: null, pointInTime: null, where };
  const base = `pgbackrest${state.configPath ? ` --config=${state.configPath}` : ''} --stanza=${state.stanza} --delta`;
  const target = state.pitr.endAt ? new Date(state.pitr.endAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00') : 'YYYY-MM-DD HH:MM:SS+00';
  return {
    latest: `${base} restore`,
    pointInTime: state.pitr.fromBackup && !state.pitr.gap ? `${base} --type=time --target="${target}" --target-action=promote restore` : null,
    where,
  };
}

function clusterReadiness(input: TLiveFindingsInput, cl: TLiveCluster, report: TSafetyReport | null, nowMs: number): TClusterReadiness {
  const { spec, bounds } = input;
  const state = backupState(cl);
  const drills = cl.drills ?? [];
  const trust = evaluateTrust(state, drills, spec.backup.drillCadenceDays, nowMs, cl.name);
  const pgbackrest = state.catalogs > 0;
  const source = pgbackrest ? `pgBackRest info of stanza ${state.stanza ?? '?'} (agents' latest observations)` : 'no agent reports pgBackRest';
  const nb = state.newest;

  const backup: TClusterReadiness['backup'] = {
    status: !pgbackrest ? 'unknown' : !nb ? 'bad' : state.repository && (state.repository.code !== 0 || state.repository.error) ? 'warn' : nb.error ? 'bad' : 'ok',
    summary: !pgbackrest
      ? `No agent of ${cl.name} has pgBackRest configured (VAKT_AGENT_PGBACKREST_STANZA): Vakt cannot see a backup.`
      : !nb
        ? `No backup in the repository${state.repository?.error ? ` (${state.repository.error})` : state.repository ? ` (${state.repository.message})` : ''}.`
        : `${state.backups.length} backup(s); a restore uses ${nb.label} (${nb.type}${state.chain.length > 1 ? `, chain ${state.chain.join(' → ')}` : ''})${nb.error ? ', which has page-checksum errors' : ''}${state.backupRunning ? '; a backup is running now' : ''}.`,
    source,
    newest: nb ? { label: nb.label, type: nb.type, stoppedAt: nb.stoppedAt as string, sizeBytes: nb.sizeBytes ?? null, error: nb.error === true } : null,
    chain: state.chain,
    count: state.backups.length,
    running: state.backupRunning,
    repository: state.repository,
  };

  const newestAge = ageS(nb?.stoppedAt as string | undefined, nowMs);
  const fullAge = ageS(state.newestFull?.stoppedAt as string | undefined, nowMs);
  const walAge = state.pitr.gap ? null : ageS(state.pitr.endAt as string | null, nowMs);
  const limit = spec.backup.fullIntervalHours * 3600;
  const recency: TClusterReadiness['recency'] = {
    status: !pgbackrest ? 'unknown' : fullAge === null || fullAge > limit ? 'bad' : spec.backup.pitr && state.pitr.gap ? 'bad' : 'ok',
    summary: !pgbackrest
      ? 'Unknown: no catalog.'
      : `Newest backup ${newestAge === null ? 'none' : `${hours(newestAge)} old`}; newest full ${fullAge === null ? 'none' : `${hours(fullAge)} old`} (policy: every ${spec.backup.fullIntervalHours} h); newest archived WAL ${walAge === null ? (state.pitr.gap ? `unusable: ${state.pitr.gap}` : 'unknown') : `${r1(walAge)} s old`}.`,
    source: `${source}; pg_stat_archiver of the primary`,
    newestBackupAgeSeconds: newestAge,
    newestFullAgeSeconds: fullAge,
    newestArchivedWalAgeSeconds: walAge,
    fullIntervalHours: spec.backup.fullIntervalHours,
    pitrWindow: state.pitr,
  };

  const commands = restoreCommands(state);
  const restore: TClusterReadiness['restore'] = {
    status: !commands.latest ? 'unknown' : spec.runbook.trim() ? 'ok' : 'warn',
    summary: commands.latest ? `Runbook, then ${commands.latest}${commands.pointInTime ? ' (or to a point in time)' : ''}.` : 'No pgBackRest stanza is known for this cluster: no restore command.',
    source: 'the declaration runbook and the stanza/config the agents report',
    runbook: spec.runbook,
    commands,
  };

  const estimate = estimateRestore({ drills, sizeBytes: nb?.sizeBytes, walToReplayBytes: state.walToReplayBytes });
  const rto = bounds.rtoBoundSeconds;
  const restoreTime: TClusterReadiness['restoreTime'] = {
    status: estimate.seconds === null ? 'unknown' : rto !== null && estimate.seconds > rto ? 'bad' : 'ok',
    summary: estimate.seconds === null ? `Unknown: ${estimate.basis}.` : `About ${estimate.seconds} s${rto !== null ? ` (RTO bound ${rto} s${estimate.seconds > rto ? ': slower' : ''})` : ''}.`,
    source: estimate.basis,
    estimate,
    rtoBoundSeconds: rto,
  };

  const scenarios = scenarioLosses({ cluster: cl, report, state, pitr: spec.backup.pitr, fullIntervalHours: spec.backup.fullIntervalHours, rpoBoundSeconds: bounds.rpoBoundSeconds, nowMs });
  const lossStatus = (s: TScenario): TAnswerStatus => (s.withinRpo === false ? (s.scenario === 'node' || s.scenario === 'site' ? 'bad' : 'warn') : s.withinRpo === null ? 'unknown' : 'ok');
  const dataLoss: TClusterReadiness['dataLoss'] = {
    status: worst(scenarios.map(lossStatus)),
    summary: scenarios.map((s) => `${s.scenario}: ${s.seconds === null ? (s.via === 'none' ? 'everything' : 'unknown') : `${s.seconds} s`}`).join('; ') + (bounds.rpoBoundSeconds !== null ? ` (RPO bound ${bounds.rpoBoundSeconds} s)` : ''),
    source: "the engine's candidate losses (cluster report), sites and regions, the repository site, the archive",
    scenarios,
    rpoBoundSeconds: bounds.rpoBoundSeconds,
  };

  const relation = (o: { rpoBoundSeconds: number | null; rtoBoundSeconds?: number | null }): 'stricter' | 'weaker' | 'same' | 'unknown' => {
    if (o.rpoBoundSeconds === null || bounds.rpoBoundSeconds === null) return 'unknown';
    const d = Math.sign(bounds.rpoBoundSeconds - o.rpoBoundSeconds) || Math.sign((bounds.rtoBoundSeconds ?? 0) - (o.rtoBoundSeconds ?? bounds.rtoBoundSeconds ?? 0));
    return d > 0 ? 'stricter' : d < 0 ? 'weaker' : 'same';
  };
  const others = cl.otherContexts.map((o) => ({ slug: o.slug, rpoClass: o.rpoClass, rpoBoundSeconds: o.rpoBoundSeconds, rtoBoundSeconds: o.rtoBoundSeconds ?? null, relation: relation(o) }));
  const stricter = others.filter((o) => o.relation === 'stricter');
  const comparison: TClusterReadiness['comparison'] = {
    status: 'ok',
    summary: others.length
      ? `${others.length} other context(s) on ${cl.name}: ${others.map((o) => `${o.slug} (${o.rpoClass}, ${o.relation})`).join(', ')}.${stricter.length ? ` The cluster must meet the stricter ${stricter.map((o) => o.slug).join(', ')}.` : ''}`
      : `${input.context.slug} is the only context on ${cl.name}.`,
    source: 'the current declarations of the contexts on the cluster and the class catalog',
    contexts: others,
  };

  const replicaRequired = crossSiteReplicaRequired(input);
  const cross = (report?.candidates ?? []).filter((c) => c.crossSite);
  const verdicts = cross.map((c) => c.verdict);
  const crossStatus: TAnswerStatus = !report
    ? 'unknown'
    : !cross.length
      ? replicaRequired ? 'bad' : 'ok'
      : verdicts.some((v) => v !== 'BLOCKED') ? 'ok' : replicaRequired ? 'bad' : 'warn';
  const crossSite: TClusterReadiness['crossSite'] = {
    status: crossStatus,
    summary: !report
      ? "Unknown: the cluster's engine report is not computed or stale."
      : !cross.length
        ? `No cross-site candidate on ${cl.name}${replicaRequired ? ', though cross-site is required' : ''}.`
        : cross.map((c) => `${c.node} (${c.site}): ${c.verdict === 'GATED' ? `operator-gated, ${c.approvalsRequired} approval(s)` : c.verdict === 'MANUAL' ? 'manual (runbook)' : c.verdict === 'SAFE' ? 'safe' : `blocked (${c.reasons.filter((r) => r.effect === 'block').map((r) => r.code).join(', ')})`}`).join('; ') + '.',
    source: `the engine's report of ${cl.name}${report ? ` at ${report.evaluatedAt}` : ''}`,
    candidates: cross.map((c) => ({ node: c.node, site: c.site, verdict: c.verdict, approvalsRequired: c.approvalsRequired, reasons: c.reasons.map((r) => r.code) })),
  };

  return { cluster: cl.name, pgbackrest, trust, backup, recency, restore, restoreTime, dataLoss, comparison, crossSite };
}

const trustStatus = (t: TTrust): TAnswerStatus => (t.trusted ? 'ok' : t.reason === 'drill-failed' || t.reason === 'no-backup' ? 'bad' : 'warn');

/** Readiness of one context: `reports` are the clusters' stored engine reports (by cluster name; absent or stale = null). */
export function computeReadiness(input: TLiveFindingsInput, reports: Map<string, TSafetyReport | null>): TReadiness {
  const nowMs = toMs(input.now) ?? 0;
  const clusters = input.clusters.map((cl) => clusterReadiness(input, cl, reports.get(cl.name) ?? null, nowMs));
  let weakest: TReadiness['weakest'] = clusters.length
    ? { cluster: clusters[0].cluster, answer: 'backup', status: 'ok', summary: clusters[0].backup.summary }
    : { cluster: null, answer: 'observed', status: 'unknown', summary: `No registered cluster holds ${input.context.slug}.` };
  for (const c of clusters) {
    const items: Array<[TReadiness['weakest']['answer'], TAnswerStatus, string]> = [
      ...ANSWERS.map((a): [TAnswerName, TAnswerStatus, string] => [a, c[a].status, c[a].summary]),
      ['trust', trustStatus(c.trust), c.trust.message],
    ];
    for (const [answer, status, summary] of items) if (RANK[status] > RANK[weakest.status]) weakest = { cluster: c.cluster, answer, status, summary };
  }
  return { context: input.context.slug, clusters, weakest, rank: RANK[weakest.status] };
}

/** Stored readiness as reads serve it: stale (or never computed), every answer reads unknown and nothing reads trusted. */
export function servedReadiness(r: TReadiness, stale: boolean, why: string): TReadiness {
  if (!stale) return r;
  const unknown = <T extends TAnswer>(a: T): T => ({ ...a, status: 'unknown', summary: `${why} (last computed: ${a.summary})` });
  return {
    ...r,
    rank: RANK.unknown > r.rank ? RANK.unknown : r.rank,
    weakest: { cluster: r.weakest.cluster, answer: 'observed', status: 'unknown', summary: why },
    clusters: r.clusters.map((c) => ({
      ...c,
      trust: { ...c.trust, trusted: false, message: `${why} (last computed: ${c.trust.message})` },
      backup: unknown(c.backup),
      recency: unknown(c.recency),
      restore: unknown(c.restore),
      restoreTime: unknown(c.restoreTime),
      dataLoss: unknown(c.dataLoss),
      comparison: unknown(c.comparison),
      crossSite: unknown(c.crossSite),
    })),
  };
}
