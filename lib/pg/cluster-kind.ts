// Cluster kinds as the API spells them ('vakt-agent') and as the database enum stores them ('vakt_agent').
// Pure: no I/O.
import { z } from 'zod';

export const CLUSTER_KINDS = ['vakt-agent', 'patroni'] as const;
export const ZClusterKind = z.enum(CLUSTER_KINDS);
export type TClusterKind = z.infer<typeof ZClusterKind>;
export type TDbClusterKind = 'patroni' | 'vakt_agent';

export const clusterKindFromDb = (k: string): TClusterKind => (k === 'patroni' ? 'patroni' : 'vakt-agent');
export const clusterKindToDb = (k: TClusterKind): TDbClusterKind => (k === 'patroni' ? 'patroni' : 'vakt_agent');
