// Cluster kinds as the API spells them ('vakt-agent') and as the database enum stores them ('vakt_agent').
export type TClusterKind = 'vakt-agent' | 'patroni';
export const clusterKindFromDb = (k: string): TClusterKind => (k === 'patroni' ? 'patroni' : 'vakt-agent');
export const clusterKindToDb = (k: TClusterKind) => (k === 'patroni' ? 'patroni' : 'vakt_agent') as 'patroni' | 'vakt_agent';
