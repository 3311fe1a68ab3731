import { describe, expect, it } from 'vitest';
import {
  downSinceFromSamples,
  downTransitions,
  expectedPrimaryHistory,
  expectedPrimaryName,
  lastSeenOkAsPrimary,
  outageBegan,
  previousPromotion,
  primarySighting,
  promotionFork,
  replacedPrimaries,
  replacedPrimary,
  sampleWindowStart,
  stoppedPrimary,
  type TLastGood,
  type TLastPromotion,
  type TOkPoint,
  type TSeenAs,
} from './history';

const T0 = Date.parse('2026-03-20T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const good = (role: string, s: number, timeline = 1, lsn = '0/3000000'): TLastGood => ({ role, observedAt: at(s), timeline, lsn });
const seen = (status: string, role: string, s: number): TSeenAs => ({ status, role, observedAt: at(s) });
const promotion = (p: Partial<TLastPromotion> = {}): TLastPromotion => ({
  candidate: 'oslo-2',
  epochAfter: 2,
  finishedAt: at(100),
  verdict: { primary: { node: 'oslo-1' } },
  eventData: { promotionId: 'p1', forkLsn: '0/5000000', previousTimeline: 1, newTimeline: 2 },
  ...p,
});
/** A last good snapshot as replica that keeps its last sighting as primary (NodeLastGood after a fence + read-only restart). */
const replicaAfterPrimary = (s: number, primaryS: number, timeline = 1, lsn = '0/9000000'): TLastGood => ({
  ...good('replica', s, timeline),
  lsn: null,
  primaryObservedAt: at(primaryS),
  primaryLsn: lsn,
  primaryTimeline: timeline,
});
const pts = (...xs: Array<[number, boolean]>): TOkPoint[] => xs.map(([s, ok]) => ({ at: at(s), ok }));

describe('expectedPrimaryName: which node is the expected primary', () => {
  const rows: Array<{ name: string; members: Array<{ name: string; lastGood: TLastGood | null }>; last: TLastPromotion | null; want: string | null }> = [
    {
      name: 'never promoted: the member last seen ok as primary',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('replica', 60) }],
      last: null,
      want: 'oslo-1',
    },
    {
      name: "the primary's agent answers replica after a fence: the last node seen as primary is still the expected primary",
      // the last good snapshot of a node keeps the role it had when last ok as primary
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('replica', 90) }],
      last: null,
      want: 'oslo-1',
    },
    {
      name: 'two members were seen as primary (after a split brain): the most recent sighting wins',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('primary', 70) }],
      last: null,
      want: 'oslo-2',
    },
    {
      name: 'same sighting time: the first member by name stays expected',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('primary', 50) }],
      last: null,
      want: 'oslo-1',
    },
    {
      name: 'nobody was ever seen as primary and nothing was promoted: no expected primary',
      members: [{ name: 'oslo-1', lastGood: null }, { name: 'oslo-2', lastGood: good('replica', 10) }],
      last: null,
      want: null,
    },
    {
      name: 'a promotion finished after the last primary sighting: its candidate is expected, though not yet seen as primary',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('replica', 60) }, { name: 'oslo-3', lastGood: good('primary', 80) }],
      last: promotion({ finishedAt: at(100), verdict: { primary: { node: 'oslo-3' } } }),
      want: 'oslo-2',
    },
    {
      name: 'the replaced primary still answers as primary after the promotion: it is never the expected primary',
      members: [{ name: 'oslo-1', lastGood: good('primary', 200) }, { name: 'oslo-2', lastGood: good('replica', 60) }],
      last: promotion({ finishedAt: at(100) }),
      want: 'oslo-2',
    },
    {
      name: 'the candidate was seen as primary after the promotion finished: the most recent primary sighting is expected',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('primary', 150) }, { name: 'oslo-3', lastGood: good('primary', 120) }],
      last: promotion({ finishedAt: at(100) }),
      want: 'oslo-2',
    },
    {
      name: 'another member was seen as primary after the promotion finished: that member is expected, not the candidate',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }, { name: 'oslo-2', lastGood: good('replica', 60) }, { name: 'oslo-3', lastGood: good('primary', 150) }],
      last: promotion({ finishedAt: at(100) }),
      want: 'oslo-3',
    },
    {
      name: 'a promotion without a finish time does not override a primary sighting',
      members: [{ name: 'oslo-2', lastGood: good('replica', 60) }, { name: 'oslo-3', lastGood: good('primary', 50) }],
      last: promotion({ finishedAt: null }),
      want: 'oslo-3',
    },
    {
      name: 'promoted, nobody seen as primary since: the candidate',
      members: [{ name: 'oslo-1', lastGood: null }, { name: 'oslo-2', lastGood: null }],
      last: promotion({ finishedAt: null }),
      want: 'oslo-2',
    },
    {
      name: 'the promoted candidate is no longer a member: the last primary sighting stands',
      members: [{ name: 'oslo-3', lastGood: good('primary', 50) }],
      last: promotion({ candidate: 'gone-1', finishedAt: at(100) }),
      want: 'oslo-3',
    },
    {
      name: 'the promoted candidate is no longer a member and only the replaced primary was seen as primary: no expected primary',
      members: [{ name: 'oslo-1', lastGood: good('primary', 50) }],
      last: promotion({ candidate: 'gone-1' }),
      want: null,
    },
  ];
  it.each(rows)('$name', ({ members, last, want }) => expect(expectedPrimaryName(members, last)).toBe(want));

  it.each([
    {
      name: 'the old primary was fenced and restarted read-only (its snapshot is now a replica one): it is still the expected primary by its sighting as primary',
      members: [{ name: 'oslo-1', lastGood: replicaAfterPrimary(300, 50) }, { name: 'oslo-2', lastGood: good('replica', 300) }],
      last: null,
      replaced: [],
      want: 'oslo-1',
    },
    {
      name: 'a primary replaced two promotions ago that was seen as primary again (split brain): never the expected primary',
      members: [{ name: 'oslo-1', lastGood: good('primary', 400) }, { name: 'oslo-2', lastGood: good('replica', 300) }, { name: 'oslo-3', lastGood: good('primary', 250) }],
      last: promotion({ candidate: 'oslo-3', finishedAt: at(200), verdict: { primary: { node: 'oslo-2' } } }),
      replaced: ['oslo-1', 'oslo-2'],
      want: 'oslo-3',
    },
  ])('$name', ({ members, last, replaced, want }) => expect(expectedPrimaryName(members, last, replaced)).toBe(want));
});

describe('primarySighting: the last time a member was ok as primary survives its replica answers', () => {
  it.each([
    { name: 'a primary snapshot without the sighting columns (older rows): the snapshot itself', g: good('primary', 50, 2, '0/5000000'), want: { at: at(50), lsn: '0/5000000', timeline: 2 } },
    { name: 'a replica snapshot of a node once seen as primary: the sighting as primary, not the replica answer', g: replicaAfterPrimary(300, 50, 1, '0/9000000'), want: { at: at(50), lsn: '0/9000000', timeline: 1 } },
    { name: 'a replica snapshot of a node never seen as primary (columns null): never', g: { ...good('replica', 300), primaryObservedAt: null, primaryLsn: null, primaryTimeline: null }, want: null },
    { name: 'a replica snapshot without the columns: never', g: good('replica', 300), want: null },
    { name: 'never seen ok: never', g: null, want: null },
  ])('$name', ({ g, want }) => expect(primarySighting(g)).toEqual(want));
});

describe('replacedPrimaries: every primary a promotion replaced that no later promotion promoted', () => {
  const p = (candidate: string, from: string | null, epochAfter: number | null, finishedS: number, previousTimeline: number | null = null): TLastPromotion =>
    promotion({ candidate, epochAfter, finishedAt: at(finishedS), verdict: { primary: from ? { node: from, timeline: 9 } : null }, eventData: previousTimeline === null ? null : { previousTimeline } });
  it.each([
    { name: 'never promoted: no losers', ps: [], want: [] },
    { name: 'one promotion: the replaced primary, with the promotion epoch and the timeline it wrote on', ps: [p('oslo-2', 'oslo-1', 2, 100, 1)], want: [{ node: 'oslo-1', epoch: 2, timeline: 1 }] },
    {
      name: 'two promotions (oslo-1 -> oslo-2 -> oslo-3): both earlier primaries are losers, each with its own epoch and timeline',
      ps: [p('oslo-3', 'oslo-2', 3, 200, 2), p('oslo-2', 'oslo-1', 2, 100, 1)],
      want: [{ node: 'oslo-1', epoch: 2, timeline: 1 }, { node: 'oslo-2', epoch: 3, timeline: 2 }],
    },
    {
      name: 'a replaced primary promoted again later (oslo-1 -> oslo-2 -> oslo-1): only oslo-2 is a loser',
      ps: [p('oslo-2', 'oslo-1', 2, 100, 1), p('oslo-1', 'oslo-2', 3, 200, 2)],
      want: [{ node: 'oslo-2', epoch: 3, timeline: 2 }],
    },
    {
      name: 'replaced twice (after being promoted back): the latest replacement counts',
      ps: [p('oslo-2', 'oslo-1', 2, 100, 1), p('oslo-1', 'oslo-2', 3, 200, 2), p('oslo-2', 'oslo-1', 4, 300, 3)],
      want: [{ node: 'oslo-1', epoch: 4, timeline: 3 }],
    },
    { name: 'no fork recorded: the timeline its verdict saw it on', ps: [p('oslo-2', 'oslo-1', 2, 100)], want: [{ node: 'oslo-1', epoch: 2, timeline: 9 }] },
    { name: 'the verdict named no primary (it was lost): nobody to name', ps: [p('oslo-2', null, 2, 100, 1)], want: [] },
    { name: 'a promotion that claimed no epoch is ignored', ps: [p('oslo-2', 'oslo-1', null, 100, 1)], want: [] },
  ])('$name', ({ ps, want }) => expect(replacedPrimaries(ps)).toEqual(want));
});

describe('lastSeenOkAsPrimary: when the expected primary was last seen ok', () => {
  it.each([
    { name: 'its latest observation is ok as primary and newer than the last good snapshot: the latest observation', obs: seen('ok', 'primary', 90), g: good('primary', 80), want: at(90) },
    { name: 'its latest observation is down: the last good snapshot as primary', obs: seen('down', 'unknown', 90), g: good('primary', 80), want: at(80) },
    { name: 'its agent answers replica after a fence: still the last time it was ok as primary', obs: seen('ok', 'replica', 90), g: good('primary', 80), want: at(80) },
    { name: 'the last good snapshot is as replica (a promoted candidate not yet seen as primary): never', obs: seen('unknown', 'unknown', 90), g: good('replica', 80), want: null },
    { name: 'never observed: never', obs: null, g: null, want: null },
    { name: 'a last good snapshot newer than the latest observation wins (the newest of both)', obs: seen('ok', 'primary', 70), g: good('primary', 80), want: at(80) },
  ])('$name', ({ obs, g, want }) => expect(lastSeenOkAsPrimary(obs, g)).toEqual(want));
});

describe('outageBegan: when the outage of the expected primary began', () => {
  it.each([
    { name: 'the primary answers ok as primary: no outage', obs: seen('ok', 'primary', 90), last: at(90), points: pts([10, true], [20, false]), want: null },
    { name: 'down after ok samples: the first not-ok sample after the last ok one', obs: seen('down', 'unknown', 90), last: at(30), points: pts([10, true], [30, true], [40, false], [60, false]), want: at(40) },
    { name: 'it flapped: the outage begins at the latest fall, not the first', obs: seen('down', 'unknown', 90), last: at(50), points: pts([10, true], [20, false], [50, true], [60, false], [80, false]), want: at(60) },
    {
      name: 'not-ok samples older than the last ok sighting do not count (the last good snapshot is newer than the samples say)',
      obs: seen('unknown', 'unknown', 90),
      last: at(50),
      points: pts([10, false], [20, false]),
      want: at(90),
    },
    { name: 'no samples after the last ok: no earlier than the latest not-ok observation (conservative)', obs: seen('unknown', 'unknown', 90), last: at(50), points: [], want: at(90) },
    { name: 'answers replica after a fence: that is an outage of the primary too', obs: seen('ok', 'replica', 90), last: at(30), points: pts([30, true], [45, false]), want: at(45) },
    { name: 'never observed and no samples: unknown', obs: null, last: null, points: [], want: null },
    { name: 'never seen ok: every not-ok sample counts, from the first', obs: seen('down', 'unknown', 90), last: null, points: pts([20, false], [40, false]), want: at(20) },
  ])('$name', ({ obs, last, points, want }) => expect(outageBegan({ observation: obs, lastSeenOkAt: last, points })).toEqual(want));
});

describe('downSinceFromSamples and downTransitions: reading status samples', () => {
  it.each([
    { name: 'all ok: the fallback', points: pts([1, true], [2, true]), fallback: at(9), since: at(9), falls: [] },
    { name: 'samples out of order are read in time order', points: pts([3, false], [1, true], [2, false]), fallback: null, since: at(2), falls: [at(2)] },
    { name: 'down, up, down again: since the last fall; two falls', points: pts([1, true], [2, false], [3, true], [4, false], [5, false]), fallback: null, since: at(4), falls: [at(2), at(4)] },
    { name: 'down from the first sample: since the first, but no fall seen', points: pts([1, false], [2, false]), fallback: null, since: at(1), falls: [] },
    { name: 'no samples: the fallback, no falls', points: [], fallback: null, since: null, falls: [] },
  ])('$name', ({ points, fallback, since, falls }) => {
    expect(downSinceFromSamples(points, fallback)).toEqual(since);
    expect(downTransitions(points)).toEqual(falls);
  });
});

describe('expectedPrimaryHistory: the engine history about the expected primary', () => {
  it('the primary went down after being ok: timeline and LSN from its last good snapshot as primary, outage start and falls from the samples', () => {
    const h = expectedPrimaryHistory({
      node: 'oslo-1',
      observation: seen('down', 'unknown', 90),
      lastGood: good('primary', 30, 3, '0/7000000'),
      samples: [
        { at: at(20), status: 'ok', role: 'primary' },
        { at: at(30), status: 'ok', role: 'primary' },
        { at: at(40), status: 'down', role: 'unknown' },
        { at: at(60), status: 'unknown', role: 'unknown' },
      ],
    });
    expect(h).toEqual({
      expectedPrimary: { node: 'oslo-1', timeline: 3, lastLsn: '0/7000000', lastSeenOkAt: at(30) },
      primaryDownSince: at(40),
      primaryDownEvents: [at(40)],
    });
  });

  it('the old primary was fenced and restarted read-only: timeline, LSN and last-seen-ok as primary survive its replica answers; the outage began when it stopped being primary', () => {
    const h = expectedPrimaryHistory({
      node: 'oslo-1',
      observation: seen('ok', 'replica', 300),
      lastGood: replicaAfterPrimary(300, 50, 1, '0/9000000'),
      samples: [
        { at: at(40), status: 'ok', role: 'primary' },
        { at: at(50), status: 'ok', role: 'primary' },
        { at: at(60), status: 'down', role: 'unknown' },
        { at: at(200), status: 'ok', role: 'replica' },
      ],
    });
    expect(h).toEqual({
      expectedPrimary: { node: 'oslo-1', timeline: 1, lastLsn: '0/9000000', lastSeenOkAt: at(50) },
      primaryDownSince: at(60),
      primaryDownEvents: [at(60)],
    });
  });

  it('a promoted candidate whose last good snapshot is as replica: no timeline, LSN or ok sighting as primary yet', () => {
    const h = expectedPrimaryHistory({ node: 'oslo-2', observation: seen('ok', 'replica', 90), lastGood: good('replica', 90), samples: [] });
    expect(h).toEqual({ expectedPrimary: { node: 'oslo-2', timeline: null, lastLsn: null, lastSeenOkAt: null }, primaryDownSince: at(90), primaryDownEvents: [] });
  });

  it('the primary is healthy: no outage, but earlier falls still count for the flapping guard', () => {
    const h = expectedPrimaryHistory({
      node: 'oslo-1',
      observation: seen('ok', 'primary', 90),
      lastGood: good('primary', 90),
      samples: [
        { at: at(10), status: 'ok', role: 'primary' },
        { at: at(20), status: 'down', role: 'unknown' },
        { at: at(30), status: 'ok', role: 'primary' },
      ],
    });
    expect(h.primaryDownSince).toBeNull();
    expect(h.primaryDownEvents).toEqual([at(20)]);
    expect(h.expectedPrimary?.lastSeenOkAt).toEqual(at(90));
  });
});

describe('the last promotion as history: replaced primary and fork point read back from stored JSON', () => {
  it.each([
    { name: 'the verdict names the primary it replaced', verdict: { primary: { node: 'oslo-1', timeline: 1 } }, want: 'oslo-1' },
    { name: 'the verdict had no primary (it was lost): unknown', verdict: { primary: null }, want: null },
    { name: 'no verdict stored: unknown', verdict: null, want: null },
    { name: 'a verdict of another shape: unknown', verdict: 'SAFE', want: null },
  ])('replacedPrimary: $name', ({ verdict, want }) => expect(replacedPrimary(verdict)).toBe(want));

  it.each([
    { name: 'the promotion event recorded the fork', data: { promotionId: 'p', forkLsn: '0/5000A8', previousTimeline: 1, newTimeline: 2 }, want: { forkLsn: '0/5000A8', previousTimeline: 1, newTimeline: 2 } },
    { name: 'no promotion event found: the fork is unknown (every replica left on the old timeline counts as diverged)', data: null, want: { forkLsn: null, previousTimeline: null, newTimeline: null } },
    { name: 'the event has no fork (the executor could not read it): unknown', data: { promotionId: 'p' }, want: { forkLsn: null, previousTimeline: null, newTimeline: null } },
    { name: 'values of the wrong type are unknown, not coerced', data: { forkLsn: 5, previousTimeline: '1', newTimeline: 2.5 }, want: { forkLsn: null, previousTimeline: null, newTimeline: null } },
  ])('promotionFork: $name', ({ data, want }) => expect(promotionFork(data)).toEqual(want));

  it.each([
    { name: 'no completed promotion: none', p: null, want: null },
    { name: 'a completed promotion that claimed no epoch: none', p: promotion({ epochAfter: null }), want: null },
    {
      name: 'a completed promotion: candidate, replaced primary, epoch, finish time and fork',
      p: promotion(),
      want: { node: 'oslo-2', fromNode: 'oslo-1', epoch: 2, at: at(100), forkLsn: '0/5000000', previousTimeline: 1, newTimeline: 2 },
    },
  ])('previousPromotion: $name', ({ p, want }) => expect(previousPromotion(p)).toEqual(want));
});

describe('sampleWindowStart', () => {
  it('status samples are read for the last ten minutes before now', () => {
    expect(sampleWindowStart(at(1000))).toEqual(at(400));
  });
});

describe('stoppedPrimary', () => {
  const stop = { id: 'r1', candidate: 'b', epochAfter: 2, finalLsn: '0/5000028', verdict: { primary: { node: 'a', timeline: 1 }, binding: { candidateTimeline: 1 } }, stoppedAt: at(10) };
  it.each([
    ['the stopped node, its fence epoch, final position, timeline and stop time', stop, { node: 'a', candidate: 'b', epoch: 2, finalLsn: '0/5000028', timeline: 1, stoppedAt: at(10).toISOString(), promotionId: 'r1' }],
    ["timeline from the candidate's binding when the verdict's primary has none", { ...stop, verdict: { primary: { node: 'a' }, binding: { candidateTimeline: 3 } } }, { node: 'a', timeline: 3 }],
    ['timeline unknown', { ...stop, verdict: { primary: { node: 'a', timeline: 'x' } } }, { node: 'a', timeline: null }],
    ['no final position proven: none', { ...stop, finalLsn: null }, null],
    ['no epoch claimed: none', { ...stop, epochAfter: null }, null],
    ['no primary named: none', { ...stop, verdict: {} }, null],
    ['no stop at all', null, null],
  ] as const)('%s', (_name, row, expected) => {
    const got = stoppedPrimary(row);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatchObject(expected);
  });
});
