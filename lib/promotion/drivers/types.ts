// One driver per cluster kind: how the executor fences the old primary, promotes the candidate and
// verifies the result (docs/safety.md, "Epochs and fencing"). The executor owns the order, the epoch,
// the step records, the lease and the audit; a driver only talks to the cluster and says what happened.
import type { TFinalPosition } from '@/lib/agent/protocol';
import type { TClusterKind } from '@/lib/pg';
import type { TLoadedCluster, TLoadedMember } from '@/lib/safety/load-safety-input';

/**
 * Where the new timeline forked off the old one: replicas left on the old timeline at or before it
 * only need repointing (lib/safety NEEDS_REPOINT). Recorded on the promotion event; null = unknown.
 */
export type TFork = { forkLsn: string | null; previousTimeline: number | null; newTimeline: number | null };

export type TFenceInput = {
  promotionId: string;
  cluster: TLoadedCluster;
  /** the old primary as the request saw it (null: none known) */
  oldPrimary: string | null;
  /** the member's name that becomes primary */
  candidate: string;
  epoch: number;
  /** the operators' attestation that the old primary is fenced, when they gave one */
  attestation: string | null;
};
export type TFenceResult =
  /**
   * fenced (or fenced by the cluster's own mechanism); `attested`: unreachable, the attestation stands in
   * (audited); `finalPosition`: the fenced node's WAL end as its agent proved it once PostgreSQL stopped
   */
  | { ok: true; detail: string; attested?: { oldPrimary: string; error: string }; finalPosition?: TFinalPosition | null }
  | { ok: false; message: string };

export type TPromoteInput = {
  cluster: TLoadedCluster;
  candidate: TLoadedMember;
  epoch: number;
  /** the timeline the cluster was on before (null: unknown) */
  oldTimeline: number | null;
  fork: TFork;
  /** a promote was already started by an earlier attempt of this execution */
  resumed: boolean;
  /** call right after each promote call reached the cluster (fault injection for tests) */
  afterCall: () => void;
};
/** `unknown`: the call may have reached PostgreSQL and not finished (it may still promote): the step is `unknown`, not failed. */
export type TPromoteResult = { ok: true; detail: string; fork: TFork } | { ok: false; message: string; unknown?: boolean };

export type TVerifyInput = {
  candidate: TLoadedMember;
  oldTimeline: number | null;
  fork: TFork;
  /** epoch ms: give up (ok: false) when the candidate is not confirmed by then */
  deadline: number;
  /** between two looks: renews the execution's lease and pauses */
  wait: () => Promise<void>;
};
export type TVerifyResult = { ok: true; detail: string; fork: TFork } | { ok: false; seen: string };

export type TPromotionDriver = {
  kind: TClusterKind;
  /** step 3: fence the old primary with the new epoch */
  fence(input: TFenceInput): Promise<TFenceResult>;
  /** step 4: promote the candidate with the new epoch (idempotent for a resumed execution) */
  promote(input: TPromoteInput): Promise<TPromoteResult>;
  /** step 5: the candidate is the primary on a newer timeline */
  verify(input: TVerifyInput): Promise<TVerifyResult>;
};
