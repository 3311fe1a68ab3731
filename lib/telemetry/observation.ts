// The one observation model both adapters (Vakt agent, Patroni) map into, and the poller stores.
// Status, role and cluster kind are lib/pg's words.
import type { TClusterKind, TNodeRole, TNodeStatus } from '@/lib/pg';

export type TObservation = {
  observedAt: Date;
  /** ok = answered and PostgreSQL reachable; down = answered, PostgreSQL not reachable; unknown = no usable answer */
  status: TNodeStatus;
  error: string | null;
  role: TNodeRole;
  timeline: number | null;
  systemIdentifier: string | null;
  /** primary: current write LSN */
  lsn: string | null;
  receiveLsn: string | null;
  replayLsn: string | null;
  /** replica lag behind the primary (bytes / seconds), when known */
  lagBytes: number | null;
  lagSeconds: number | null;
  syncState: string | null;
  fenced: boolean;
  fenceEpoch: number | null;
  freeBytes: number | null;
  totalBytes: number | null;
  /** the agent's clock minus Vakt's database clock (ms, corrected by half the round trip); null/absent = not measured */
  clockSkewMs?: number | null;
  /** Patroni only: cluster in maintenance (pause) mode */
  paused?: boolean | null;
  /** the validated answer (agent status, or {cluster, patroni, history} for Patroni); null when unknown */
  payload: unknown;
};

export type TPollTarget = {
  memberId: string;
  clusterId: string;
  clusterName: string;
  kind: TClusterKind;
  name: string;
  site: string;
  agentUrl: string;
  /** decrypted token (bearer for agents, user:password for Patroni) or null */
  token: string | null;
  /** Patroni members: the Vakt agent registered beside the member (token decrypted); null/absent = none */
  fenceAgent?: { url: string; token: string } | null;
};

export type TAdapterOptions = { timeoutMs?: number; now?: () => Date };
export type TAdapter = (target: TPollTarget, opts?: TAdapterOptions) => Promise<TObservation>;

export function unknownObservation(reason: string, at: Date = new Date()): TObservation {
  return {
    observedAt: at,
    status: 'unknown',
    error: reason,
    role: 'unknown',
    timeline: null,
    systemIdentifier: null,
    lsn: null,
    receiveLsn: null,
    replayLsn: null,
    lagBytes: null,
    lagSeconds: null,
    syncState: null,
    fenced: false,
    fenceEpoch: null,
    freeBytes: null,
    totalBytes: null,
    payload: null,
  };
}
