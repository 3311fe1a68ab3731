import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { logger } from '@/lib/base/log';
import { openSecret } from '@/lib/base/secret-box';
import { systemActor } from '@/lib/auth/actor';
import { audit } from '@/lib/audit/record';
import type { TDrillState } from '@/lib/agent/protocol';
import { callDrillHost } from './drill-host-client';
import { pickDrillHost, storedDrillStatus, type TDbDrillStatus, type TDrillHost } from './drill-rules';
import { loadDrillInputs, type TDrillInputs } from './load-drill-inputs';

// The drill executor: takes one queued drill (or a running one whose lease expired), runs it on its
// drill host (POST /v1/drills, then GET until it finished), records every step and the result, and
// times it out (VAKT_DRILL_TIMEOUT_SECONDS: DELETE on the agent, TIMED_OUT). The lease is in the
// database's time, like the promotion executor's.

export type TDrillExecutorOptions = {
  executorId: string;
  leaseMs?: number;
  pollMs?: number;
  /** default VAKT_DRILL_TIMEOUT_SECONDS */
  timeoutSeconds?: number;
  /** only this drill (the CLI runs the drill it requested) */
  drillId?: string;
  /** the worker stopping: stop watching (the lease runs out; the next executor resumes the drill from the host) */
  signal?: AbortSignal;
};

class LeaseLost extends Error {}
const DEFAULT_LEASE_MS = 30_000;

async function claim(o: TDrillExecutorOptions, leaseMs: number): Promise<{ id: string; resumed: boolean; runner: string | null } | null> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; status: string; runner: string | null }[]>`
      SELECT "id", "status"::text AS status, "runner" FROM "vakt"."RestoreDrill"
      WHERE NOT "external" AND ("executorLeaseUntil" IS NULL OR "executorLeaseUntil" < now()) AND "status" IN ('QUEUED', 'RUNNING')
        AND (${o.drillId ?? null}::text IS NULL OR "id" = ${o.drillId ?? null})
      ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED`;
    const row = rows[0];
    if (!row) return null;
    await tx.$executeRaw`UPDATE "vakt"."RestoreDrill" SET "status" = 'RUNNING', "executorId" = ${o.executorId}, "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "startedAt" = coalesce("startedAt", now()), "updatedAt" = now() WHERE "id" = ${row.id}`;
    return { id: row.id, resumed: row.status === 'RUNNING', runner: row.runner };
  });
}

function hostFor(inputs: TDrillInputs, runner: string | null): (TDrillHost & { token: string | null }) | null {
  const c = inputs.cluster;
  const host =
    runner === 'drill-host' && c.drillHostUrl
      ? { runner, url: c.drillHostUrl, member: null, why: 'the registered drill host' }
      : runner
        ? (() => {
            const m = inputs.members.find((x) => x.name === runner);
            return m ? { runner, url: m.agentUrl, member: m.name, why: `member ${m.name}` } : null;
          })()
        : pickDrillHost({ registeredUrl: c.drillHostUrl, agentMembers: c.kind === 'vakt_agent', members: inputs.members });
  if (!host) return null;
  const sealed = host.member ? (inputs.members.find((m) => m.name === host.member)?.agentTokenEnc ?? null) : c.drillHostTokenEnc;
  return { ...host, token: sealed ? openSecret(sealed) : null };
}

/** Runs one drill to its end. Null when there was none to take. */
export async function runDrillOnce(o: TDrillExecutorOptions): Promise<{ id: string; status: TDbDrillStatus } | null> {
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = o.pollMs ?? 1_000;
  const timeoutS = o.timeoutSeconds ?? env().VAKT_DRILL_TIMEOUT_SECONDS;
  const got = await claim(o, leaseMs);
  if (!got) return null;
  const { id } = got;
  const renew = async () => {
    const n = await db.$executeRaw`UPDATE "vakt"."RestoreDrill" SET "executorLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}), "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${o.executorId} AND "status" = 'RUNNING'`;
    if (n !== 1) throw new LeaseLost('lease lost');
  };
  const serverStep = (name: string, status: string, output: string) => db.restoreDrillStep.create({ data: { drillId: id, name, status, durationMs: 0, output } });
  const finish = async (status: TDbDrillStatus, f: { error?: string | null; state?: TDrillState | null }) => {
    const s = f.state ?? null;
    return db.$transaction(async (tx) => {
      const n = await tx.restoreDrill.updateMany({
        where: { id, executorId: o.executorId, status: 'RUNNING' },
        data: {
          status,
          finishedAt: new Date(),
          executorLeaseUntil: null,
          error: f.error ?? s?.error ?? null,
          ...(s ? { restoreSeconds: s.restoreSeconds, checks: s.checks } : {}),
          ...(s?.backup ? { backupLabel: s.backup.label, backupType: s.backup.type, backupSizeBytes: s.backup.sizeBytes, backupStoppedAt: s.backup.stoppedAt ? new Date(s.backup.stoppedAt) : null, backupChain: s.backup.chain } : {}),
        },
      });
      if (n.count !== 1) throw new LeaseLost('lease lost before the result');
      const d = await tx.restoreDrill.findUniqueOrThrow({ where: { id }, include: { cluster: { select: { name: true } } } });
      await audit(tx, {
        actor: systemActor(),
        action: 'drill.finished',
        targetType: 'drill',
        targetId: id,
        after: { cluster: d.cluster.name, status, runner: d.runner, backupLabel: d.backupLabel, targetTime: d.targetTime?.toISOString() ?? null, restoreSeconds: d.restoreSeconds, error: d.error },
      });
      return { id, status };
    });
  };

  try {
    const drill = await db.restoreDrill.findUniqueOrThrow({ where: { id } });
    const inputs = await loadDrillInputs({ id: drill.clusterId });
    const host = hostFor(inputs, got.runner);
    if (!host) {
      const why = got.runner ? `its drill host ${got.runner} is no longer registered` : 'no drill host: register one (PUT /api/v1/clusters/{name}/drill-host) or configure pgBackRest on a replica\'s agent';
      await serverStep('drill host', 'failed', why);
      return await finish('FAILED', { error: why });
    }
    const deadline = drill.startedAt ? drill.startedAt.getTime() + timeoutS * 1000 : (await dbNow()).getTime() + timeoutS * 1000;
    const hostRef = { url: host.url, token: host.token };
    if (!got.resumed) {
      await db.restoreDrill.update({ where: { id }, data: { runner: host.runner } });
      const r = await callDrillHost(hostRef, 'POST', id, {
        drillId: id,
        ...(drill.backupLabel ? { backup: drill.backupLabel } : {}),
        ...(drill.targetTime ? { targetTime: drill.targetTime.toISOString() } : {}),
        ...(inputs.databases.length ? { expectDatabases: inputs.databases } : {}),
        ...(inputs.systemIdentifier ? { systemIdentifier: inputs.systemIdentifier } : {}),
        timeoutSeconds: timeoutS + 60,
        epoch: inputs.cluster.epoch,
      });
      if (!r.ok && r.code === 'DRILL_RUNNING') {
        // the host is busy with another cluster's drill: back to the queue, tried again in 15 s
        await serverStep('drill host', 'skipped', `${host.why} is busy (${r.message}); queued again`);
        await db.restoreDrill.updateMany({ where: { id, executorId: o.executorId }, data: { status: 'QUEUED', runner: null, executorId: null, executorLeaseUntil: new Date(Date.now() + 15_000) } });
        return { id, status: 'QUEUED' };
      }
      if (!r.ok) {
        const why = `${host.why} refused or did not answer the drill (${r.code}${r.status ? ` ${r.status}` : ''}): ${r.message}`;
        await serverStep('drill host', 'failed', why);
        return await finish('FAILED', { error: why });
      }
      await serverStep('drill host', 'ok', `${host.why} at ${host.url}`);
    }
    const synced = new Map<string, bigint>();
    for (const s of await db.restoreDrillStep.findMany({ where: { drillId: id }, select: { id: true, name: true } })) synced.set(s.name, s.id);
    let lastError = '';
    for (;;) {
      if (o.signal?.aborted) return { id, status: 'RUNNING' };
      await renew();
      const r = await callDrillHost(hostRef, 'GET', id);
      if (r.ok) {
        for (const s of r.state.steps) {
          const data = { status: s.status, durationMs: s.durationMs, output: s.output, startedAt: new Date(s.startedAt) };
          const known = synced.get(s.name);
          if (known) await db.restoreDrillStep.update({ where: { id: known }, data });
          else synced.set(s.name, (await db.restoreDrillStep.create({ data: { drillId: id, name: s.name, ...data } })).id);
        }
        const status = storedDrillStatus(r.state.status);
        if (status) return await finish(status, { state: r.state });
      } else if (r.status === 404) {
        return await finish('FAILED', { error: `the drill host no longer knows this drill (it restarted?): ${r.message}` });
      } else lastError = `${r.code}: ${r.message}`;
      if ((await dbNow()).getTime() > deadline) {
        const del = await callDrillHost(hostRef, 'DELETE', id, undefined, 90_000);
        const why = `timed out after ${timeoutS} s (VAKT_DRILL_TIMEOUT_SECONDS)${lastError ? `; last error: ${lastError}` : ''}; abort on the host: ${del.ok ? del.state.status : `${del.code}: ${del.message}`}`;
        await serverStep('timeout', 'failed', why);
        return await finish('TIMED_OUT', { error: why, state: del.ok ? del.state : null });
      }
      await new Promise((res) => setTimeout(res, pollMs));
    }
  } catch (e) {
    if (e instanceof LeaseLost) {
      logger.warn({ drill: id }, 'drill lease lost; another executor continues it');
      return { id, status: 'RUNNING' };
    }
    logger.error({ drill: id, err: (e as Error).message }, 'drill execution failed');
    return await finish('FAILED', { error: `Vakt could not run the drill: ${(e as Error).message}` }).catch(() => ({ id, status: 'FAILED' as const }));
  }
}
