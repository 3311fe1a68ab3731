// The engine's public surface: evaluateCluster (the verdict report), deriveClusterStateOf (the
// cluster state alone, for fleet reads), and the input/output types. docs/safety.md.
export * from './types';
export { evaluateCluster } from './evaluate-cluster';
export { deriveClusterStateOf } from './derive-cluster-state';
