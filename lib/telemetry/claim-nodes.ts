import { pgPool } from '@/lib/base/db';
import { openSecret } from '@/lib/base/secret-box';
import { clusterKindFromDb } from '@/lib/pg';
import type { TPrevObservation } from './derive-events';
import type { TPollTarget } from './observation';

export type TClaimedNode = TPollTarget & { nextPollAt: Date; prev: TPrevObservation; tokenError: string | null };

// Opened agent tokens by sealed value (and key): decrypting (AES-GCM) was about 11 µs per node per
// poll, some 7 % of the worker's CPU per poll. A sealed value carries its own random IV, so a changed
// token is a new entry; a changed VAKT_SECRET_KEY is another key, so the old plaintext is never served
// for it. Bounded: emptied when full.
const opened = new Map<string, string>();
const OPENED_MAX = 50_000;
function openToken(sealed: string): string {
  const key = `${process.env.VAKT_SECRET_KEY ?? ''}\u0000${sealed}`;
  let plain = opened.get(key);
  if (plain === undefined) {
    plain = openSecret(sealed);
    if (opened.size >= OPENED_MAX) opened.clear();
    opened.set(key, plain);
  }
  return plain;
}

type TRow = {
  memberId: string;
  clusterId: string;
  clusterName: string;
  kind: string;
  name: string;
  site: string;
  agentUrl: string;
  agentTokenEnc: string | null;
  fenceAgentUrl: string | null;
  fenceAgentTokenEnc: string | null;
  nextPollAt: Date;
  prevStatus: string | null;
  prevRole: string | null;
  prevTimeline: number | null;
  prevSystemIdentifier: string | null;
  prevFenced: boolean | null;
  prevFenceEpoch: number | null;
  prevError: string | null;
  claimedAt: Date;
};

/**
 * Claim up to `limit` due nodes for this worker: one statement, `FOR UPDATE SKIP LOCKED`, so two
 * workers never claim the same node; a claim is a lease until now()+leaseMs, so a dead worker's
 * claimed nodes are taken over once the lease lapses. The poller releases the lease when it stores
 * the result (and moves nextPollAt on), so due nodes spread over all live workers. `exclude`: this
 * worker's nodes still being polled or waiting to be stored (never claimed twice). `dueBefore`: only
 * nodes due at or before it (a cycle's own start: a node stored in this cycle is due after it).
 * `claimedAt`: the database's now() of the claim (null when nothing was claimed).
 */
export async function claimDueNodes(opts: { workerId: string; limit: number; leaseMs: number; exclude?: string[]; dueBefore?: Date | null }): Promise<{ nodes: TClaimedNode[]; claimedAt: Date | null }> {
  const { rows } = await pgPool().query<TRow>(
    `WITH claimed AS (
       UPDATE "vakt"."ClusterMember" m
          SET "leaseOwner" = $1, "leaseUntil" = now() + ($2::int * interval '1 millisecond')
        WHERE m.id IN (
          SELECT id FROM "vakt"."ClusterMember"
           WHERE "nextPollAt" <= now() AND ($5::timestamptz IS NULL OR "nextPollAt" <= $5::timestamptz)
             AND ("leaseUntil" IS NULL OR "leaseUntil" < now() OR "leaseOwner" = $1)
             AND NOT (id = ANY($4::text[]))
           ORDER BY "nextPollAt"
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING m.id, m."clusterId", m.name, m."siteId", m."agentUrl", m."agentTokenEnc", m."fenceAgentUrl", m."fenceAgentTokenEnc", m."nextPollAt")
     SELECT c.id AS "memberId", c."clusterId", cl.name AS "clusterName", cl.kind::text AS kind, c.name, s.name AS site,
            c."agentUrl", c."agentTokenEnc", c."fenceAgentUrl", c."fenceAgentTokenEnc", c."nextPollAt",
            o.status AS "prevStatus", o.role AS "prevRole", o.timeline AS "prevTimeline",
            o."systemIdentifier" AS "prevSystemIdentifier", o.fenced AS "prevFenced", o."fenceEpoch" AS "prevFenceEpoch", o.error AS "prevError",
            now() AS "claimedAt"
       FROM claimed c
       JOIN "vakt"."Cluster" cl ON cl.id = c."clusterId"
       JOIN "vakt"."Site" s ON s.id = c."siteId"
       LEFT JOIN "vakt"."NodeObservation" o ON o."memberId" = c.id`,
    [opts.workerId, opts.leaseMs, opts.limit, opts.exclude ?? [], opts.dueBefore ?? null],
  );
  const nodes = rows.map((r): TClaimedNode => {
    let token: string | null = null;
    let tokenError: string | null = null;
    let fenceAgent: { url: string; token: string } | null = null;
    try {
      if (r.agentTokenEnc) token = openToken(r.agentTokenEnc);
      if (r.fenceAgentUrl && r.fenceAgentTokenEnc) fenceAgent = { url: r.fenceAgentUrl, token: openToken(r.fenceAgentTokenEnc) };
    } catch (e) {
      tokenError = (e as Error).message;
    }
    return {
      memberId: r.memberId,
      clusterId: r.clusterId,
      clusterName: r.clusterName,
      kind: clusterKindFromDb(r.kind),
      name: r.name,
      site: r.site,
      agentUrl: r.agentUrl,
      token,
      fenceAgent,
      tokenError,
      nextPollAt: r.nextPollAt,
      prev: r.prevStatus
        ? {
            status: r.prevStatus,
            role: r.prevRole ?? 'unknown',
            timeline: r.prevTimeline,
            systemIdentifier: r.prevSystemIdentifier,
            fenced: Boolean(r.prevFenced),
            fenceEpoch: r.prevFenceEpoch,
            error: r.prevError,
          }
        : null,
    };
  });
  return { nodes, claimedAt: rows[0]?.claimedAt ?? null };
}
