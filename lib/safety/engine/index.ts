export * from './types';
export { evaluateCluster } from './evaluate-cluster';
export { estimateDataLoss, type TDataLossInput } from './estimate-data-loss';
export { deriveClusterState, deriveClusterStateOf, primaryStreamingEvidence, type TClusterView, type TDeriveStateInput } from './derive-cluster-state';
export { rankCandidates, compareCandidates, type TRankable } from './rank-candidates';
export { strictestPolicy, type TStrictestPolicy } from './strictest-policy';
export { reasons, describeLoss, type TCheck } from './reasons';
export { DEFAULT_SAFETY_CONFIG, resolveConfig } from './helpers';
