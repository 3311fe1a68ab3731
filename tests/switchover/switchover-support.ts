// Shared setup for the switchover tests: a real PostgreSQL cluster (primary + replicas) with real agents
// that can re-point their node (VAKT_AGENT_REPLICATION_ADDRESS / VAKT_AGENT_REPLICATION_CONNINFO),
// registered in Vakt under an operator-approved context (one approval), and a writer that records every
// acknowledged row so that a test can count them on whichever node is the primary afterwards.
import pg from 'pg';
import { expect } from 'vitest';
import { cliActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { createPgCluster, waitFor, type TPgCluster, type TPgNode } from '../support/pg-cluster';
import { ensureSite, restartAgentWith } from '../support/promotion-support';

export async function startSwitchableCluster(name: string, context: string, opts: { replicas?: number; settings?: Record<string, string>; dataChecksums?: boolean } = {}): Promise<TPgCluster> {
  const replicas = opts.replicas ?? 1;
  await ensureSite('oslo');
  const c = await createPgCluster({
    primary: { name: `${name}-a`, site: 'oslo' },
    replicas: Array.from({ length: replicas }, (_, i) => ({ name: `${name}-${String.fromCharCode(98 + i)}`, site: 'oslo' })),
    agents: 'in-process',
    settings: opts.settings,
    dataChecksums: opts.dataChecksums,
  });
  for (const n of c.nodes) await restartAgentWith(n, { VAKT_AGENT_REPLICATION_ADDRESS: `127.0.0.1:${n.port}`, VAKT_AGENT_REPLICATION_CONNINFO: 'user=postgres' });
  await registerCluster({
    actor: cliActor(),
    input: { name, kind: 'vakt-agent', contexts: [context], members: c.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
  return c;
}

/** Until Vakt's switchover verdict for `candidate` is `verdict` (fresh evaluation; the context is operator-approved: GATED, one approval). */
export async function waitForSwitchover(cluster: string, candidate: string, verdict = 'GATED', timeoutMs = 30_000) {
  let last = '';
  await waitFor(async () => {
    const s = await getClusterSafety(cluster);
    const c = s.switchover.candidates.find((x) => x.node === candidate);
    last = `${s.state} ${c?.verdict} ${c?.reasons.map((r) => r.code).join(',')}`;
    return c?.verdict === verdict;
  }, timeoutMs, `switchover to ${candidate} ${verdict}`, 250).catch((e) => {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  });
}

/** What the writer and the row count need of a node (a harness node, or a Patroni node through sqlNode). */
export type TSqlNode = Pick<TPgNode, 'name' | 'pgUrl' | 'psql'>;

export type TAckWriter = {
  acked: number[];
  /** the longest time between two acknowledged writes (ms): the write gap a client saw */
  longestGapMs(): number;
  stop(): Promise<{ acked: number[]; errors: number }>;
};

/**
 * Inserts ids first, first + 1, … every `intervalMs` into `acked` on whichever node accepts the write: the current
 * one until it fails, then the next (a client that fails over). An id is recorded only once its INSERT
 * committed (acknowledged); a failed id is retried on the next node, so ids stay dense.
 */
export async function startAckWriter(nodes: TSqlNode[], opts: { first?: number; intervalMs?: number } = {}): Promise<TAckWriter> {
  const intervalMs = opts.intervalMs ?? 20;
  await nodes[0].psql('CREATE TABLE IF NOT EXISTS acked (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  const acked: number[] = [];
  const ackTimes: number[] = [];
  let next = opts.first ?? 1;
  let errors = 0;
  let target = 0;
  let client: pg.Client | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: nodes[target].pgUrl, connectionTimeoutMillis: 1_000, statement_timeout: 3_000 });
          c.on('error', () => {});
          await c.connect();
          client = c;
        }
        await client.query('INSERT INTO acked (id) VALUES ($1)', [next]);
        acked.push(next++);
        ackTimes.push(Date.now());
      } catch (e) {
        errors++;
        // committed but its acknowledgment was lost (the connection ended at the commit): not acknowledged, skip it
        if ((e as { code?: string }).code === '23505') next++;
        await client?.end().catch(() => {});
        client = null;
        target = (target + 1) % nodes.length;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    acked,
    longestGapMs: () => ackTimes.slice(1).reduce((m, t, i) => Math.max(m, t - ackTimes[i]), 0),
    async stop() {
      stopped = true;
      await loop;
      await client?.end().catch(() => {});
      return { acked, errors };
    },
  };
}

/** Every acknowledged id is on `node` (the primary now). */
export async function expectAllAcked(node: TSqlNode, acked: number[]) {
  const [{ n }] = await node.psql<{ n: number }>('SELECT count(*)::int AS n FROM acked WHERE id = ANY($1::int[])', [acked]);
  expect(n, `${acked.length - n} acknowledged rows missing on ${node.name}`).toBe(acked.length);
}

/** The node's WAL receiver: streaming from `upstreamPort` on `timeline`. */
export async function expectStreamsFrom(node: TPgNode, upstreamPort: number, timeline: number) {
  await waitFor(async () => {
    const rows = await node.psql<{ status: string; tli: number; port: number }>('SELECT status, received_tli AS tli, sender_port AS port FROM pg_stat_wal_receiver');
    return rows[0]?.status === 'streaming' && rows[0].tli === timeline && rows[0].port === upstreamPort;
  }, 20_000, `${node.name} streaming from port ${upstreamPort} on timeline ${timeline}`);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error & { status?: number; details?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { status?: number; details?: unknown };
  }
  throw new Error('expected a rejection');
}

export async function timelineOf(node: TPgNode): Promise<number> {
  const [{ f }] = await node.psql<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
  return parseInt(f.slice(0, 8), 16);
}
