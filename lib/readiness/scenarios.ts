// Standing data loss per failure scenario (pure; README "Data loss per failure scenario"): what a
// context would lose right now if it lost a node, its primary's site, its primary's region, or its
// data to a logical error, each a number with its basis, against the RPO bound. Replica losses are the
// engine's own estimates (the stored cluster report's candidates, `dataLoss`), never recomputed here;
// a restore from backup loses what was not yet archived, and only if the repository survives.
import { toMs } from '@/lib/pg';
import type { TSafetyReport } from '@/lib/safety/engine';
import type { TBackupState } from '@/lib/findings/backup-state';
import type { TLiveCluster } from '@/lib/findings/live-types';

export type TScenarioName = 'node' | 'site' | 'region' | 'logical';
export type TScenario = {
  scenario: TScenarioName;
  /** seconds of committed data lost (conservative); null = unknown, or nothing survives (`via: 'none'`) */
  seconds: number | null;
  bytes: number | null;
  via: 'replica' | 'restore' | 'pitr' | 'none' | 'unknown';
  /** the replica promoted (via replica) */
  node: string | null;
  basis: string;
  withinRpo: boolean | null;
};

type TCandidate = TSafetyReport['candidates'][number];
const r1 = (n: number) => Math.round(n * 10) / 10;

function best(cands: TCandidate[]): TCandidate | null {
  const score = (c: TCandidate) => c.dataLoss.worstCaseSeconds ?? Infinity;
  return [...cands].sort((a, b) => score(a) - score(b) || (a.dataLoss.bytes ?? Infinity) - (b.dataLoss.bytes ?? Infinity) || a.rank - b.rank)[0] ?? null;
}

function fromReplica(scenario: TScenarioName, c: TCandidate, where: string): Omit<TScenario, 'withinRpo'> {
  const d = c.dataLoss;
  const how = d.basis === 'proven-final' ? `exact, ${d.proof ?? 'proven final position'}` : d.basis === 'unknown' ? 'the bytes cannot be measured' : `measured lag ${d.seconds ?? '?'} s${d.unknownWindowSeconds ? ` + ${r1(d.unknownWindowSeconds)} s since the primary was last seen` : ''}${d.windowCoveredBySync ? ' (synchronous: nothing acknowledged is lost)' : ''}`;
  return { scenario, seconds: d.worstCaseSeconds, bytes: d.bytes, via: 'replica', node: c.node, basis: `promote ${c.node} (${where}, verdict ${c.verdict}): ${how}; from the engine's report` };
}

export type TScenarioInput = {
  cluster: TLiveCluster;
  /** the stored engine report (null = not computed or stale: replica answers unknown) */
  report: TSafetyReport | null;
  state: TBackupState;
  pitr: boolean;
  fullIntervalHours: number;
  rpoBoundSeconds: number | null;
  nowMs: number;
};

/** Loss of a restore from the repository after losing `lost` (a site or a region), or why there is none. */
function fromRestore(scenario: TScenarioName, i: TScenarioInput, lostSite: string | null, lostRegion: string | null): Omit<TScenario, 'withinRpo'> {
  const repo = i.cluster.backupRepositorySite ?? null;
  const none = (basis: string, via: TScenario['via'] = 'none') => ({ scenario, seconds: null, bytes: null, via, node: null, basis });
  if (!i.state.newest) return none('no replica survives and there is no backup to restore');
  if (!repo) return none(`no replica survives; a restore depends on where the pgBackRest repository lives, and its site is not declared (set backupRepositorySite on ${i.cluster.name}): unknown`, 'unknown');
  const repoRegion = i.cluster.siteRegions?.[repo] ?? null;
  if (repo === lostSite) return none(`no replica survives and the repository lives in ${repo}, the lost site: nothing to restore`);
  if (lostRegion !== null && repoRegion === lostRegion) return none(`no replica survives and the repository lives in ${repo}, inside the lost region ${lostRegion}: nothing to restore`);
  if (lostRegion === null && scenario === 'region') return none(`no replica survives; the region of ${lostSite ?? 'the primary\'s site'} or of the repository site ${repo} is not set: unknown`, 'unknown');
  const archivedAt = !i.state.pitr.gap ? toMs(i.state.pitr.endAt) : null;
  const at = archivedAt ?? toMs(i.state.newest.stoppedAt) ?? i.nowMs;
  return {
    scenario,
    seconds: r1(Math.max(0, (i.nowMs - at) / 1000)),
    bytes: null,
    via: 'restore',
    node: null,
    basis: `restore from the repository in ${repo}: everything after the ${archivedAt !== null ? 'newest archived WAL' : `end of backup ${i.state.newest.label}`} is lost`,
  };
}

export function scenarioLosses(i: TScenarioInput): TScenario[] {
  const cands = i.report?.candidates ?? [];
  const primarySite = i.report?.primary?.site ?? i.cluster.members.find((m) => m.role === 'primary')?.site ?? null;
  const regionOf = (site: string | null) => (site ? (i.cluster.siteRegions?.[site] ?? null) : null);
  const primaryRegion = regionOf(primarySite);
  const within = (s: Omit<TScenario, 'withinRpo'>): TScenario => ({ ...s, withinRpo: s.seconds === null || i.rpoBoundSeconds === null ? (s.via === 'none' ? false : null) : s.seconds <= i.rpoBoundSeconds });
  const noReport = (scenario: TScenarioName): TScenario => ({ scenario, seconds: null, bytes: null, via: 'unknown', node: null, basis: "the cluster's engine report is not computed or stale: unknown", withinRpo: null });

  const out: TScenario[] = [];
  // node loss: the best candidate in the primary's site (a replica elsewhere if none is local)
  if (!i.report) out.push(noReport('node'));
  else {
    const local = best(cands.filter((c) => primarySite !== null && c.site === primarySite));
    const any = best(cands);
    out.push(within(local ? fromReplica('node', local, `same site ${primarySite}`) : any ? fromReplica('node', any, `no local replica; ${any.site}`) : fromRestore('node', i, null, null)));
  }
  // site loss: the best candidate in another site; else a restore, if the repository is elsewhere
  if (!i.report) out.push(noReport('site'));
  else {
    const other = best(cands.filter((c) => primarySite === null || c.site !== primarySite));
    out.push(within(other ? fromReplica('site', other, `site ${other.site}`) : fromRestore('site', i, primarySite, null)));
  }
  // region loss: the best candidate in another region (Site.region); else a restore
  if (!i.report) out.push(noReport('region'));
  else {
    const other = primaryRegion === null ? null : best(cands.filter((c) => regionOf(c.site) !== null && regionOf(c.site) !== primaryRegion));
    out.push(within(other ? fromReplica('region', other, `region ${regionOf(other.site)}`) : fromRestore('region', i, primarySite, primaryRegion)));
  }
  // logical corruption: replicas copy the damage; a restore to a point before it
  const w = i.state.pitr;
  const endMs = toMs(w.endAt);
  if (!i.state.newest) {
    out.push(within({ scenario: 'logical', seconds: null, bytes: null, via: 'none', node: null, basis: 'replicas copy the damage and there is no backup to restore' }));
  } else if (i.pitr && !w.gap && endMs !== null) {
    out.push(
      within({
        scenario: 'logical',
        seconds: r1(Math.max(0, (i.nowMs - endMs) / 1000)),
        bytes: null,
        via: 'pitr',
        node: null,
        basis: `point-in-time restore to any moment from ${w.startAt} to ${w.endAt}: the loss is everything after the point the operator chooses; the granularity is the age of the newest archived WAL`,
      }),
    );
  } else {
    const age = (i.nowMs - (toMs(i.state.newest.stoppedAt) ?? i.nowMs)) / 1000;
    out.push(
      within({
        scenario: 'logical',
        seconds: i.fullIntervalHours * 3600,
        bytes: null,
        via: 'restore',
        node: null,
        basis: `${i.pitr ? `PITR is broken (${w.gap ?? 'no archived WAL'})` : 'no PITR declared'}: restore a backup from before the damage, losing up to the ${i.fullIntervalHours} h backup interval (the newest backup is ${r1(age / 3600)} h old)`,
      }),
    );
  }
  return out;
}
