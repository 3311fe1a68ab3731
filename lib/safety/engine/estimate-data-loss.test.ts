import { describe, expect, it } from 'vitest';
import { estimateDataLoss, explainDataLoss, type TDataLossInput } from './estimate-data-loss';
import type { TReplicationEntry } from './types';
import { MiB, NOW, ago, lsn, rep, standbyNames } from '../../../tests/support/safety-fixtures';

const P = 160 * MiB;
function input(p: {
  cand?: number | null;
  replication?: TReplicationEntry[];
  seenAgo?: number | null;
  known?: Array<number | null>;
  peers?: TDataLossInput['peers'];
  commit?: string;
  names?: string | null;
  overrides?: Array<{ role: string | null; database: string | null; value: string }> | null;
  lastReplayAgo?: number | null;
  primary?: null;
}): TDataLossInput {
  const cand = p.cand === undefined ? P : p.cand;
  const replication = p.replication ?? [rep('c', 'sync', P)];
  // synchronous_standby_names as the replication rows imply (FIRST 1 over the non-async ones), unless given.
  const names = p.names !== undefined ? p.names : standbyNames(replication.filter((r) => r.syncState !== 'async').map((r) => r.applicationName));
  return {
    now: NOW,
    candidate: { name: 'c', receiveLsn: cand === null ? null : lsn(cand), replayLsn: cand === null ? null : lsn(cand), lastReplayAt: p.lastReplayAgo == null ? null : ago(p.lastReplayAgo) },
    primary:
      p.primary === null
        ? null
        : {
            node: 'p',
            lastLsn: lsn(P),
            lastSeenOkAt: p.seenAgo === null ? null : ago(p.seenAgo ?? 30),
            replication,
            synchronousCommit: p.commit ?? 'on',
            synchronousStandbyNames: names,
            synchronousCommitOverrides: p.overrides === undefined ? [] : p.overrides,
          },
    memberWalEnds: (p.known ?? []).map((b) => (b === null ? null : lsn(b))),
    peers: p.peers ?? [],
  };
}

describe('estimateDataLoss', () => {
  it.each([
    { name: 'sync standby caught up: no loss, window covered', in: input({}), out: { bytes: 0, seconds: 0, unknownWindowSeconds: 30, windowCoveredBySync: true, worstCaseSeconds: 0, syncState: 'sync' } },
    { name: 'quorum standby caught up, no other quorum peer: covered', in: input({ replication: [rep('c', 'quorum', P)] }), out: { bytes: 0, windowCoveredBySync: true, worstCaseSeconds: 0 } },
    {
      name: 'quorum standby while another quorum member received more: not covered, bytes counted',
      in: input({ replication: [rep('c', 'quorum', P), rep('d', 'quorum', P)], known: [P + MiB], peers: [{ name: 'd', fresh: true, walEnd: lsn(P + MiB) }] }),
      out: { bytes: MiB, seconds: 0, windowCoveredBySync: false, worstCaseSeconds: 30 },
    },
    {
      name: 'sync standby with a potential standby Vakt cannot see: not covered',
      in: input({ replication: [rep('c', 'sync', P), rep('d', 'potential', P)], peers: [{ name: 'd', fresh: false, walEnd: lsn(P) }] }),
      out: { bytes: 0, windowCoveredBySync: false, worstCaseSeconds: 30 },
    },
    {
      name: 'sync standby with a fresh potential standby no further ahead: covered',
      in: input({ replication: [rep('c', 'sync', P), rep('d', 'potential', P)], peers: [{ name: 'd', fresh: true, walEnd: lsn(P) }] }),
      out: { windowCoveredBySync: true, worstCaseSeconds: 0 },
    },
    { name: 'synchronous_commit = local: commits did not wait, not covered', in: input({ commit: 'local' }), out: { bytes: 0, windowCoveredBySync: false, worstCaseSeconds: 30 } },
    { name: 'sync standby behind the primary\'s last LSN: not covered', in: input({ cand: P - MiB, replication: [rep('c', 'sync', P - MiB, 1)] }), out: { bytes: MiB, seconds: 1, windowCoveredBySync: false, worstCaseSeconds: 31 } },
    {
      name: 'async lagging: measured bytes and seconds plus the unknown window',
      in: input({ cand: P - 16 * MiB, replication: [rep('c', 'async', P - 16 * MiB, 12)] }),
      out: { bytes: 16 * MiB, seconds: 12, unknownWindowSeconds: 30, windowCoveredBySync: false, worstCaseSeconds: 42 },
    },
    {
      name: 'async candidate received past the last primary observation: bytes 0, only the window remains',
      in: input({ cand: P + MiB, replication: [rep('c', 'async', P, 3)] }),
      out: { bytes: 0, seconds: 0, worstCaseSeconds: 30 },
    },
    {
      name: 'another replica received more than the candidate: bytes measured against it',
      in: input({ cand: P, replication: [rep('c', 'async', P)], known: [P + 4 * MiB, null] }),
      out: { bytes: 4 * MiB, seconds: 0, worstCaseSeconds: 30 },
    },
    {
      name: 'no lag measurement: falls back to the age of the last replayed commit at the last primary observation',
      in: input({ cand: P - MiB, replication: [{ ...rep('c', 'async', P - MiB), flushLagSeconds: null, replayLagSeconds: null }], lastReplayAgo: 50 }),
      out: { bytes: MiB, seconds: 20, worstCaseSeconds: 50 },
    },
    {
      name: 'candidate unknown to the primary and no replay time: seconds unknown',
      in: input({ cand: P - MiB, replication: [] }),
      out: { bytes: MiB, seconds: null, worstCaseSeconds: null, syncState: null },
    },
    { name: 'primary never seen ok: window unbounded, worst case unknown', in: input({ seenAgo: null }), out: { unknownWindowSeconds: null, windowCoveredBySync: false, worstCaseSeconds: null } },
    { name: 'nothing known about the primary: bytes unknown', in: input({ primary: null }), out: { bytes: null, seconds: null, unknownWindowSeconds: null, worstCaseSeconds: null } },
    { name: 'candidate position unknown: bytes unknown', in: input({ cand: null, replication: [] }), out: { bytes: null, worstCaseSeconds: null } },
  ])('$name', ({ in: i, out }) => {
    expect(estimateDataLoss(i)).toMatchObject(out);
  });

  it('ignores malformed LSNs instead of throwing', () => {
    const i = input({ replication: [] });
    i.candidate.receiveLsn = 'garbage';
    i.candidate.replayLsn = null;
    expect(estimateDataLoss(i)).toMatchObject({ bytes: null, candidateLsn: null });
  });

  it('never reports negative loss; a last-seen time in the future is a fault: the window is unknown, never 0', () => {
    const i = input({ cand: P + 10 * MiB });
    i.primary!.lastSeenOkAt = NOW + 5000;
    expect(estimateDataLoss(i)).toMatchObject({ bytes: 0, unknownWindowSeconds: null, windowCoveredBySync: false, worstCaseSeconds: null });
  });

  it('a last-seen time within the future tolerance (1 s) counts as now', () => {
    const i = input({});
    i.primary!.lastSeenOkAt = NOW + 500;
    expect(estimateDataLoss(i)).toMatchObject({ unknownWindowSeconds: 0, windowCoveredBySync: true });
  });
});

// Sync coverage follows synchronous_standby_names, not the sync_state of one pg_stat_replication snapshot.
const fresh = (name: string, at: number) => ({ name, fresh: true, walEnd: lsn(at) });
describe('estimateDataLoss: acknowledged WAL and synchronous_standby_names', () => {
  it.each([
    {
      name: 'FIRST 1 (c, d): d was disconnected at the last poll (c sync), reconnected and is 10 MiB ahead: c is not covered, bytes 10 MiB',
      in: input({ names: standbyNames(['d', 'c']), known: [P + 10 * MiB], peers: [fresh('d', P + 10 * MiB)] }),
      out: { bytes: 10 * MiB, windowCoveredBySync: false, worstCaseSeconds: 30 },
      why: /d could have acknowledged commits \(FIRST 1 \(d, c\)\) and holds 10485760 bytes/,
    },
    {
      name: 'FIRST 1 (c, d): d listed but not freshly observed: not covered',
      in: input({ names: standbyNames(['c', 'd']), peers: [{ name: 'd', fresh: false, walEnd: lsn(P), notFresh: 'stale' }] }),
      out: { bytes: 0, windowCoveredBySync: false, worstCaseSeconds: 30 },
      why: /d could have acknowledged commits .* not freshly observed \(stale\)/,
    },
    {
      name: 'FIRST 1 (c, d): d fresh and no further ahead: covered',
      in: input({ names: standbyNames(['c', 'd']), peers: [fresh('d', P)] }),
      out: { bytes: 0, windowCoveredBySync: true, worstCaseSeconds: 0 },
      why: null,
    },
    {
      name: 'ANY 1 (c, d): d holds 1 MiB more: c is not covered',
      in: input({ names: standbyNames(['c', 'd'], 'ANY'), replication: [rep('c', 'quorum', P), rep('d', 'quorum', P)], known: [P + MiB], peers: [fresh('d', P + MiB)] }),
      out: { bytes: MiB, windowCoveredBySync: false },
      why: /d could have acknowledged/,
    },
    {
      name: 'legacy 2 (c, d), both fresh at the same position: covered',
      in: input({ names: '2 ("c", d)', peers: [fresh('d', P)] }),
      out: { windowCoveredBySync: true, worstCaseSeconds: 0 },
      why: null,
    },
    {
      name: 'plain list "x", c: x is listed but is not a member Vakt observes: not covered',
      in: input({ names: '"x", c', peers: [] }),
      out: { windowCoveredBySync: false },
      why: /lists x, which is not a member Vakt observes/,
    },
    {
      name: "'*' with every member fresh and no further ahead: covered",
      in: input({ names: '*', replication: [rep('c', 'sync', P), rep('d', 'potential', P)], peers: [fresh('d', P)] }),
      out: { windowCoveredBySync: true },
      why: null,
    },
    {
      name: "'*' while a non-member (pg_receivewal) streamed from the primary: not covered",
      in: input({ names: '*', replication: [rep('c', 'sync', P), rep('archiver', 'potential', P)], peers: [] }),
      out: { windowCoveredBySync: false },
      why: /archiver, which is not a member Vakt observes/,
    },
    {
      name: 'candidate not listed in synchronous_standby_names (sync_state said sync in the snapshot): not covered',
      in: input({ names: standbyNames(['d']), peers: [fresh('d', P)] }),
      out: { windowCoveredBySync: false, worstCaseSeconds: 30 },
      why: /c is not listed in synchronous_standby_names \(FIRST 1 \(d\)\)/,
    },
    {
      name: 'synchronous_standby_names empty although the snapshot says sync: not covered',
      in: input({ names: '' }),
      out: { windowCoveredBySync: false },
      why: /synchronous_standby_names on p is empty/,
    },
    {
      name: 'synchronous_standby_names unparseable: not covered',
      in: input({ names: 'FIRST 1 (c' }),
      out: { windowCoveredBySync: false },
      why: /cannot be parsed/,
    },
    {
      name: 'synchronous_commit not reported: not covered (no default to on)',
      in: { ...input({}), primary: { ...input({}).primary!, synchronousCommit: null } },
      out: { windowCoveredBySync: false },
      why: /synchronous_commit setting of p is not known/,
    },
    {
      name: 'synchronous_commit = remote_apply: covered',
      in: input({ commit: 'remote_apply' }),
      out: { windowCoveredBySync: true },
      why: null,
    },
    {
      name: 'role/database overrides not reported by the agent: not covered',
      in: input({ overrides: null }),
      out: { bytes: 0, windowCoveredBySync: false, worstCaseSeconds: 30 },
      why: /role and database settings of synchronous_commit on p were not reported/,
    },
    {
      name: 'role app_rw in database inventory sets synchronous_commit = local: not covered',
      in: input({ overrides: [{ role: 'app_rw', database: 'inventory', value: 'remote_apply' }, { role: 'app_rw', database: 'inventory', value: 'local' }] }),
      out: { windowCoveredBySync: false, worstCaseSeconds: 30 },
      why: /role app_rw in database inventory sets synchronous_commit = local/,
    },
    {
      name: 'a database override synchronous_commit = off: not covered',
      in: input({ overrides: [{ role: null, database: 'audit', value: 'off' }] }),
      out: { windowCoveredBySync: false },
      why: /database audit sets synchronous_commit = off/,
    },
    {
      name: 'overrides that all wait (on, remote_write): covered',
      in: input({ overrides: [{ role: 'app', database: null, value: 'remote_write' }, { role: null, database: 'x', value: 'on' }] }),
      out: { windowCoveredBySync: true },
      why: null,
    },
  ])('$name', ({ in: i, out, why }) => {
    const r = explainDataLoss(i);
    expect(r.loss).toMatchObject(out);
    if (why === null) expect(r.syncNotProven).toBeNull();
    else expect(r.syncNotProven).toMatch(why);
  });
});
