// The operator's way out of CANDIDATE_PROMOTING (docs/safety.md "Epochs and fencing"): a promote whose
// outcome is unknown blocks every other promotion of the cluster until the candidate's role is
// observed. When the candidate will never finish (it was restarted, which drops PostgreSQL's promote
// signal), an operator abandons the promote: the candidate's agent fences it with the request's own
// epoch (PostgreSQL stopped, standby.signal and the fence marker written), so it can never finish
// promoting, and only then does the request end FAILED and the block lift. A candidate that answers as
// the primary is not abandoned (the watch completes it); an attempted fence that failed leaves the
// request watching; an unreachable candidate needs the attestation that it is powered off or isolated.
import { randomUUID } from 'node:crypto';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { db } from '@/lib/base/db';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { sleep } from '@/lib/base/sleep';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { fenceThroughAgent, memberStatus } from './drivers/vakt-agent';
import { attestationMatches, attestationTextFor } from './rules';
import { requireStepUp } from './step-up';

/** How long abandoning waits for an executor's look at the request (its lease, 2 s between looks) to end. */
const CLAIM_WAIT_MS = 6_000;
/** The abandon holds the request this long at most (the agent's fence bound plus margin); it releases it at the end. */
const HOLD_SECONDS = 240;

async function claim(id: string, holder: string): Promise<void> {
  const until = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const n = await db.$executeRaw`UPDATE "vakt"."PromotionRequest" SET "executorId" = ${holder}, "executorLeaseUntil" = now() + make_interval(secs => ${HOLD_SECONDS}), "updatedAt" = now()
      WHERE "id" = ${id} AND "status" = 'EXECUTING' AND ("executorLeaseUntil" IS NULL OR "executorLeaseUntil" < now())`;
    if (n === 1) return;
    const req = await db.promotionRequest.findUnique({ where: { id }, select: { status: true } });
    if (!req) throw notFound(`promotion ${id}`);
    if (req.status !== 'EXECUTING') throw conflict(`the promotion is ${req.status}: only an executing promotion whose promote outcome is unknown can be abandoned`);
    if (Date.now() > until) throw conflict('an executor is working on this promotion right now; try again in a few seconds');
    await sleep(250);
  }
}

/** Hands the request back to the executors' watch right away (it stays EXECUTING). */
const release = (id: string, holder: string) =>
  db.$executeRaw`UPDATE "vakt"."PromotionRequest" SET "executorLeaseUntil" = now(), "updatedAt" = now() WHERE "id" = ${id} AND "executorId" = ${holder} AND "status" = 'EXECUTING'`;

export async function abandonPromote(opts: { actor: TActor; id: string; reason: string; password?: string; attestation?: string }): Promise<{ id: string; status: 'FAILED'; detail: string }> {
  requireRole(opts.actor, 'operator');
  await requireStepUp(opts.actor, opts.password);
  const { id, actor } = opts;
  const holder = `abandon:${randomUUID()}`;
  await claim(id, holder);
  let finished = false;
  const failStep = async (detail: string) => {
    await db.promotionStep.create({ data: { promotionId: id, name: 'abandon', status: 'failed', detail } });
  };
  try {
    const req = await db.promotionRequest.findUniqueOrThrow({ where: { id }, include: { steps: { orderBy: { id: 'asc' } } } });
    const lastPromote = req.steps.filter((s) => s.name === 'promote').at(-1);
    if (lastPromote?.status !== 'unknown' || req.epochAfter === null) {
      throw conflict('only a promotion whose promote outcome is unknown (the cluster blocked with CANDIDATE_PROMOTING) can be abandoned');
    }
    const { cluster } = await loadSafetyInput({ id: req.clusterId });
    const candidate = cluster.members.find((m) => m.name === req.candidate);
    if (cluster.kind !== 'vakt-agent' || !candidate) throw conflict(`${req.candidate} cannot be fenced by a Vakt agent here, so its promote cannot be abandoned`);
    const seen = await memberStatus(candidate);
    if (seen?.postgres.reachable && seen.postgres.role === 'primary') {
      throw conflict(`${req.candidate} answers as the primary now: the watch completes the promotion; nothing to abandon`);
    }
    const epoch = req.epochAfter;
    const fence = await fenceThroughAgent(candidate, { epoch, reason: `vakt promotion ${id}: promote abandoned by ${actor.label}: ${opts.reason}` });
    let detail: string;
    let attested: string | null = null;
    if (fence.outcome === 'fenced') detail = `${req.candidate} fenced with epoch ${epoch} (${fence.detail}): it cannot finish promoting`;
    else if (fence.outcome === 'unreachable') {
      const expected = attestationTextFor(req.candidate)!;
      if (!attestationMatches(opts.attestation, expected)) {
        await failStep(`${actor.label} could not abandon: the agent of ${req.candidate} is unreachable (${fence.message}) and nobody attested it is powered off or isolated`);
        throw new AppError('VALIDATION', `the agent of ${req.candidate} is unreachable (${fence.message}): attest that it is powered off or isolated`, {
          fields: [{ path: 'attestation', message: `required: type exactly "${expected}"` }],
        });
      }
      attested = opts.attestation!.trim();
      detail = `the agent of ${req.candidate} is unreachable (${fence.message}); relying on ${actor.label}'s attestation "${attested}"`;
    } else {
      await failStep(`${actor.label} could not abandon: fencing ${req.candidate} failed ${fence.message}; the watch goes on`);
      throw new AppError('UNAVAILABLE', `fencing ${req.candidate} failed ${fence.message}: it may still promote, so the promotion stays blocked (CANDIDATE_PROMOTING)`);
    }
    await db.$transaction(async (tx) => {
      const n = await tx.promotionRequest.updateMany({ where: { id, executorId: holder, status: 'EXECUTING' }, data: { status: 'FAILED', finishedAt: new Date(), executorLeaseUntil: null } });
      if (n.count !== 1) throw conflict('the promotion changed while it was being abandoned');
      await tx.promotionStep.create({ data: { promotionId: id, name: 'abandon', status: 'ok', detail: `${actor.label}: ${opts.reason}; ${detail}` } });
      await tx.clusterEvent.create({
        data: { clusterId: req.clusterId, memberName: req.candidate, kind: 'promotion-failed', severity: 'error', message: `the promote of ${req.candidate} was abandoned by ${actor.label}: ${detail}`, data: { promotionId: id, epochAfter: epoch } },
      });
      await audit(tx, { actor, action: 'promotion.abandoned', targetType: 'promotion', targetId: id, after: { candidate: req.candidate, epoch, reason: opts.reason, fenced: fence.outcome === 'fenced', attestation: attested } });
    });
    finished = true;
    return { id, status: 'FAILED', detail };
  } finally {
    if (!finished) await release(id, holder);
  }
}
