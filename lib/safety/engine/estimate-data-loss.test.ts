import { describe, expect, it } from 'vitest';
import { estimateDataLoss, type TDataLossInput } from './estimate-data-loss';
import type { TReplicationEntry } from './types';
import { MiB, NOW, ago, lsn, rep } from '../../../tests/support/safety-fixtures';

const P = 160 * MiB;
function input(p: {
  cand?: number | null;
  replication?: TReplicationEntry[];
  seenAgo?: number | null;
  known?: Array<number | null>;
  peers?: TDataLossInput['peers'];
  commit?: string;
  lastReplayAgo?: number | null;
  primary?: null;
}): TDataLossInput {
  const cand = p.cand === undefined ? P : p.cand;
  return {
    now: NOW,
    candidate: { name: 'c', receiveLsn: cand === null ? null : lsn(cand), replayLsn: cand === null ? null : lsn(cand), lastReplayAt: p.lastReplayAgo == null ? null : ago(p.lastReplayAgo) },
    primary:
      p.primary === null
        ? null
        : { lastLsn: lsn(P), lastSeenOkAt: p.seenAgo === null ? null : ago(p.seenAgo ?? 30), replication: p.replication ?? [rep('c', 'sync', P)], synchronousCommit: p.commit ?? 'on' },
    knownPrimaryLsns: (p.known ?? []).map((b) => (b === null ? null : lsn(b))),
    peers: p.peers ?? [],
  };
}

describe('estimateDataLoss', () => {
  it.each([
    { name: 'sync standby caught up: no loss, window covered', in: input({}), out: { bytes: 0, seconds: 0, unknownWindowSeconds: 30, windowCoveredBySync: true, worstCaseSeconds: 0, syncState: 'sync' } },
    { name: 'quorum standby caught up, no other quorum peer: covered', in: input({ replication: [rep('c', 'quorum', P)] }), out: { bytes: 0, windowCoveredBySync: true, worstCaseSeconds: 0 } },
    {
      name: 'quorum standby while another quorum member received more: not covered, bytes counted',
      in: input({ replication: [rep('c', 'quorum', P), rep('d', 'quorum', P)], known: [P + MiB], peers: [{ name: 'd', fresh: true, receivedLsn: lsn(P + MiB) }] }),
      out: { bytes: MiB, seconds: 0, windowCoveredBySync: false, worstCaseSeconds: 30 },
    },
    {
      name: 'sync standby with a potential standby Vakt cannot see: not covered',
      in: input({ replication: [rep('c', 'sync', P), rep('d', 'potential', P)], peers: [{ name: 'd', fresh: false, receivedLsn: lsn(P) }] }),
      out: { bytes: 0, windowCoveredBySync: false, worstCaseSeconds: 30 },
    },
    {
      name: 'sync standby with a fresh potential standby no further ahead: covered',
      in: input({ replication: [rep('c', 'sync', P), rep('d', 'potential', P)], peers: [{ name: 'd', fresh: true, receivedLsn: lsn(P) }] }),
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

  it('never reports negative loss or a window from a future observation', () => {
    const i = input({ cand: P + 10 * MiB });
    i.primary!.lastSeenOkAt = NOW + 5000;
    expect(estimateDataLoss(i)).toMatchObject({ bytes: 0, unknownWindowSeconds: 0 });
  });
});
