import { env } from '@/lib/base/env';
import { logger } from '@/lib/base/log';
import { configureAgentPool } from '@/lib/base/net/agent-http';
import type { TClusterKind } from '@/lib/pg';
import { pollPatroni } from './adapter-patroni';
import { pollVaktAgent } from './adapter-vakt-agent';
import { claimDueNodes, type TClaimedNode } from './claim-nodes';
import { stampObservation } from './clock-skew';
import { createDbClock, type TDbClock } from './db-clock';
import { metrics, reasonClass } from './metrics';
import { unknownObservation, type TAdapter, type TObservation } from './observation';
import { historyRetention, pruneHistory, rollupHistory, type THistoryRetention } from './history';
import { storePollResults, type TPollResult } from './store-observations';

// The poller: claim due nodes (leases), poll them with bounded concurrency, store results in
// batches. One bad node never stops the loop: every adapter failure becomes an 'unknown' observation.
export type TPollerOptions = {
  workerId: string;
  intervalMs?: number;
  timeoutMs?: number;
  concurrency?: number;
  leaseMs?: number;
  /** most nodes claimed per claim query */
  batchSize?: number;
  /** flush stored results once this many are buffered (or every flushEveryMs) */
  flushSize?: number;
  flushEveryMs?: number;
  /**
   * writes in flight at once (default 2): results go to a lane by cluster, so one cluster's
   * results are always stored in order by one lane (its events and replica lag read what the
   * lane stored before), while the lanes' writes run side by side
   */
  writeLanes?: number;
  /** chart history tiers kept (default: VAKT_HISTORY_RAW_HOURS, _MINUTE_DAYS, _HOUR_DAYS) */
  retention?: THistoryRetention;
  /** at most one history sample per node per this many ms (plus one on every status/role/timeline change) */
  sampleEveryMs?: number;
  pruneEveryMs?: number;
  adapters?: Partial<Record<TClusterKind, TAdapter>>;
  /** observer (tests, benchmark): called after each batch is stored */
  onStored?: (info: { workerId: string; memberIds: string[]; observedAt: Date[]; dueAt: Date[]; dbWriteMs: number; at: Date }) => void;
};
export type TPollerStats = { polled: number; ok: number; down: number; unknown: number; flushes: number; dbWriteMs: number; events: number; samples: number; pruned: number; rolledUp: number };

export type TPoller = {
  readonly workerId: string;
  readonly stats: TPollerStats;
  /**
   * one loop step: claim what is due (within capacity), start polls, store finished results in the
   * background (one write in flight per lane; back-pressure when a buffer grows). Resolves true when it
   * claimed a full batch (more is probably due: tick again soon).
   */
  tick(): Promise<boolean>;
  /** wait for in-flight polls and store everything buffered */
  drain(): Promise<void>;
  /** claim and poll everything due now, store it, return when done (tests, benchmark) */
  runCycle(): Promise<{ polled: number; memberIds: string[] }>;
  inFlight(): number;
};

export function createPoller(o: TPollerOptions): TPoller {
  const e = env();
  const cfg = {
    intervalMs: o.intervalMs ?? e.VAKT_POLL_INTERVAL_MS,
    timeoutMs: o.timeoutMs ?? e.VAKT_POLL_TIMEOUT_MS,
    concurrency: o.concurrency ?? e.VAKT_POLL_CONCURRENCY,
    leaseMs: o.leaseMs ?? e.VAKT_LEASE_MS,
    batchSize: o.batchSize ?? 500,
    flushSize: o.flushSize ?? 250,
    flushEveryMs: o.flushEveryMs ?? 250,
    writeLanes: Math.max(1, o.writeLanes ?? 2),
    retention: o.retention ?? historyRetention(e),
    sampleEveryMs: o.sampleEveryMs ?? Math.max(e.VAKT_POLL_INTERVAL_MS, 15_000),
    pruneEveryMs: o.pruneEveryMs ?? 60_000,
    maxClockSkewMs: e.VAKT_MAX_CLOCK_SKEW_MS,
  };
  configureAgentPool(Math.max(16, cfg.concurrency));
  const adapters: Record<TClusterKind, TAdapter> = { 'vakt-agent': pollVaktAgent, patroni: pollPatroni, ...o.adapters };
  const m = metrics();
  const stats: TPollerStats = { polled: 0, ok: 0, down: 0, unknown: 0, flushes: 0, dbWriteMs: 0, events: 0, samples: 0, pruned: 0, rolledUp: 0 };
  const lastSample = new Map<string, number>();
  const inflight = new Set<Promise<void>>();
  /** claimed by this worker and not yet stored */
  const pending = new Set<string>();
  const waiting: (() => void)[] = [];
  let running = 0;
  type TLane = { buffer: TPollResult[]; lastFlush: number; flushing: Promise<void> | null };
  const lanes: TLane[] = Array.from({ length: cfg.writeLanes }, () => ({ buffer: [], lastFlush: Date.now(), flushing: null }));
  const laneOf = (clusterId: string) => {
    let h = 0;
    for (let i = 0; i < clusterId.length; i++) h = (h * 31 + clusterId.charCodeAt(i)) | 0;
    return lanes[Math.abs(h) % lanes.length];
  };
  let lastPrune = 0;
  let backgroundError: unknown = null;
  // Vakt's database clock: stamps every observation (never this worker's wall clock)
  let clockP: Promise<TDbClock> | null = null;
  const dbClock = async (): Promise<TDbClock> => {
    clockP ??= createDbClock().catch((err) => {
      clockP = null;
      throw err;
    });
    const c = await clockP;
    await c.sync();
    return c;
  };

  const acquire = () => (running < cfg.concurrency ? (running++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  async function pollOne(node: TClaimedNode, clock: TDbClock): Promise<void> {
    await acquire();
    const t0 = performance.now();
    let obs: TObservation;
    try {
      if (node.tokenError) obs = unknownObservation(`cannot use the stored agent token: ${node.tokenError}`);
      else obs = await adapters[node.kind](node, { timeoutMs: cfg.timeoutMs, now: clock.now });
    } catch (err) {
      // adapters do not throw; if one does, the node is unknown and the loop goes on
      obs = unknownObservation(`poll failed: ${(err as Error).message}`);
    } finally {
      release();
    }
    const t1 = performance.now();
    // a member with a fence agent stores a payload on every poll (its fenceAgent answer is never an earlier one)
    if (node.fenceAgent && (obs.payload === null || obs.payload === undefined)) obs = { ...obs, payload: { fenceAgent: { answered: false, error: obs.error ?? 'not polled' } } };
    // database time of the request's midpoint; the agent's skew measured from its collectedAt
    obs = stampObservation(obs, { requestStart: clock.at(t0), requestEnd: clock.at(t1), maxSkewMs: cfg.maxClockSkewMs });
    const durationMs = t1 - t0;
    m.pollDuration.labels(node.kind).observe(durationMs / 1000);
    m.polls.labels(node.kind, obs.status).inc();
    if (obs.status === 'unknown') m.pollFailures.labels(node.kind, reasonClass(obs.error)).inc();
    laneOf(node.clusterId).buffer.push({ node, obs, durationMs });
  }

  /** claim due nodes (never one still pending here); `dueBefore`: a cycle's start (see runCycle) */
  const claim = async (limit: number, dueBefore: Date | null = null) => {
    const r = await claimDueNodes({ workerId: o.workerId, limit, leaseMs: cfg.leaseMs, exclude: [...pending], dueBefore });
    for (const n of r.nodes) pending.add(n.memberId);
    return r;
  };

  // resolved whenever a poll finishes (waiting for "any poll" without racing every in-flight promise)
  let wake: () => void = () => undefined;
  const anyFinished = () => new Promise<void>((r) => (wake = r));
  function start(nodes: TClaimedNode[], clock: TDbClock) {
    for (const n of nodes) {
      const p = pollOne(n, clock).finally(() => {
        inflight.delete(p);
        wake();
      });
      inflight.add(p);
    }
  }

  const sample = (memberId: string, changed: boolean, at: Date) => {
    const last = lastSample.get(memberId);
    if (!changed && last !== undefined && at.getTime() - last < cfg.sampleEveryMs) return false;
    lastSample.set(memberId, at.getTime());
    return true;
  };

  async function flush(lane: TLane): Promise<void> {
    if (lane.flushing) await lane.flushing.catch(() => undefined);
    if (!lane.buffer.length) return;
    const batch = lane.buffer;
    lane.buffer = [];
    lane.lastFlush = Date.now();
    lane.flushing = (async () => {
      const t0 = performance.now();
      try {
        const r = await storePollResults(batch, { workerId: o.workerId, intervalMs: cfg.intervalMs, sample, now: (await dbClock()).now() });
        const ms = performance.now() - t0;
        m.dbWrite.observe(ms / 1000);
        for (const ev of r.events) m.events.labels(ev.kind).inc();
        stats.flushes++;
        stats.dbWriteMs += ms;
        stats.events += r.events.length;
        stats.samples += r.samples;
        for (const b of batch) {
          stats.polled++;
          stats[b.obs.status]++;
        }
        for (const b of batch) pending.delete(b.node.memberId);
        o.onStored?.({ workerId: o.workerId, memberIds: batch.map((b) => b.node.memberId), observedAt: batch.map((b) => b.obs.observedAt), dueAt: batch.map((b) => b.node.nextPollAt), dbWriteMs: ms, at: new Date() });
      } catch (err) {
        // Not stored: the nodes stay due (their nextPollAt did not move) and are polled again once
        // the lease lapses. Forget their sample marks so history gets them next time.
        for (const b of batch) {
          lastSample.delete(b.node.memberId);
          pending.delete(b.node.memberId);
        }
        throw err;
      }
    })();
    try {
      await lane.flushing;
    } finally {
      lane.flushing = null;
    }
  }
  /** start a lane's write in the background when it is due; wait when its buffer is too long (back-pressure: the database is the bottleneck) */
  async function flushDue(byTime: boolean): Promise<void> {
    for (const lane of lanes) {
      const n = lane.buffer.length;
      if (n >= cfg.flushSize * 4) await flush(lane);
      else if (!lane.flushing && (n >= cfg.flushSize || (byTime && n && Date.now() - lane.lastFlush >= cfg.flushEveryMs))) flush(lane).catch((e) => (backgroundError = e));
    }
  }
  async function flushAll(): Promise<void> {
    await Promise.all(lanes.map((l) => l.flushing?.catch(() => undefined)));
    await Promise.all(lanes.map(flush));
  }

  // Chart history: roll complete minutes and hours up, then prune each tier to its retention. In
  // the background (never delays polls); a failure is logged and retried at the next period.
  let maintaining: Promise<void> | null = null;
  async function maintainHistory() {
    const rolled = await rollupHistory();
    const pruned = await pruneHistory(cfg.retention);
    const n = pruned.raw + pruned.minute + pruned.hour;
    stats.pruned += n;
    stats.rolledUp += rolled.minute + rolled.hour;
    if (n) logger.info({ pruned }, 'pruned observation history');
  }
  function maybePrune() {
    if (maintaining || Date.now() - lastPrune < cfg.pruneEveryMs) return;
    lastPrune = Date.now();
    maintaining = maintainHistory()
      .catch((err) => logger.warn({ err: (err as Error).message }, 'history rollup or prune failed; retrying next period'))
      .finally(() => (maintaining = null));
  }

  return {
    workerId: o.workerId,
    stats,
    inFlight: () => inflight.size,
    async tick() {
      if (backgroundError) {
        const e = backgroundError;
        backgroundError = null;
        throw e;
      }
      // Keep at most two rounds of work claimed: claimed-but-waiting nodes hold leases.
      const capacity = cfg.concurrency * 2 - inflight.size;
      let full = false;
      if (capacity > 0) {
        const limit = Math.min(capacity, cfg.batchSize);
        const clock = await dbClock(); // before claiming: a claimed node is always polled
        const { nodes } = await claim(limit);
        start(nodes, clock);
        full = nodes.length === limit;
      }
      await flushDue(true);
      maybePrune();
      return full;
    },
    async drain() {
      while (inflight.size) await Promise.race(inflight);
      await maintaining;
      await flushAll();
    },
    async runCycle() {
      // A pipeline, like the worker loop: claims keep the concurrency busy (at most two rounds of
      // work claimed), finished results are stored in the background (one write per lane) while
      // the next polls run; back-pressure when the buffer grows. Each node once per runCycle: only
      // nodes due by the first claim's database time are claimed (a node stored in this cycle is
      // due again at least 0.1 interval after it was stored), so no list of polled ids travels with
      // every claim.
      const ids: string[] = [];
      let cycleStart: Date | null = null;
      let exhausted = false;
      for (;;) {
        if (backgroundError) {
          const e = backgroundError;
          backgroundError = null;
          throw e;
        }
        const capacity = cfg.concurrency * 2 - inflight.size;
        if (!exhausted && capacity >= Math.min(cfg.concurrency, cfg.batchSize)) {
          const clock = await dbClock(); // before claiming: a claimed node is always polled
          const { nodes, claimedAt } = await claim(Math.min(capacity, cfg.batchSize), cycleStart);
          cycleStart ??= claimedAt;
          if (!nodes.length) exhausted = true;
          for (const n of nodes) ids.push(n.memberId);
          start(nodes, clock);
        }
        if (exhausted && !inflight.size) break;
        if (inflight.size) await anyFinished();
        await flushDue(false);
      }
      await flushAll();
      if (backgroundError) {
        const e = backgroundError;
        backgroundError = null;
        throw e;
      }
      return { polled: ids.length, memberIds: ids };
    },
  };
}
