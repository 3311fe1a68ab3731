// The promotion driver for a cluster kind. A Record, so a new kind in lib/pg CLUSTER_KINDS does not
// compile until it has a driver.
import type { TClusterKind } from '@/lib/pg';
import { patroniDriver } from './patroni';
import type { TPromotionDriver } from './types';
import { vaktAgentDriver } from './vakt-agent';

export type { TFork, TPromotionDriver } from './types';

const DRIVERS: Record<TClusterKind, TPromotionDriver> = {
  'vakt-agent': vaktAgentDriver,
  patroni: patroniDriver,
};

export function driverFor(kind: TClusterKind): TPromotionDriver {
  return DRIVERS[kind];
}
