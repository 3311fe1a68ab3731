import { z } from 'zod';

export const ZRequestPromotionBody = z.strictObject({
  candidate: z.string({ error: 'required: the member to promote' }).trim().min(1, 'required: the member to promote').max(128),
  reason: z.string({ error: 'required: why this promotion is needed' }).trim().min(3, 'say why (at least 3 characters)').max(2000),
});

export const ZRequestSwitchoverBody = z.strictObject({
  candidate: z.string({ error: 'required: the replica to become the primary' }).trim().min(1, 'required: the replica to become the primary').max(128),
  reason: z.string({ error: 'required: why the primary moves' }).trim().min(3, 'say why (at least 3 characters)').max(2000),
  /** ISO 8601 time; absent = as soon as approved */
  scheduledAt: z.iso.datetime({ offset: true, error: 'an ISO 8601 time with a zone, e.g. 2026-12-01T22:00:00Z' }).transform((s) => new Date(s)).optional(),
});

export const ZMaintenanceBody = z.strictObject({
  reason: z.string({ error: 'required: why the cluster is in maintenance' }).trim().min(3, 'say why (at least 3 characters)').max(2000),
  until: z.iso.datetime({ offset: true, error: 'an ISO 8601 time with a zone, e.g. 2026-12-01T23:00:00Z' }).transform((s) => new Date(s)),
});

export const ZEndMaintenanceBody = z.strictObject({ reason: z.string().trim().max(2000).optional() });

export const ZApprovalBody = z.strictObject({
  password: z.string().max(200).optional(),
  attestation: z.string().max(300).optional(),
  acknowledgeDataLossBytes: z.number({ error: 'a number of bytes' }).min(0, 'must be at least 0').optional(),
});

export const ZRejectBody = z.strictObject({ reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(2000) });
export const ZAbandonBody = z.strictObject({
  reason: z.string({ error: 'required: why the promote is abandoned' }).trim().min(3, 'say why (at least 3 characters)').max(2000),
  password: z.string().max(200).optional(),
  attestation: z.string().max(300).optional(),
});
export const ZCancelBody = z.strictObject({ reason: z.string().trim().max(2000).optional() });

export const PROMOTION_STATUSES = ['PENDING', 'APPROVED', 'EXECUTING', 'COMPLETED', 'FAILED', 'REJECTED', 'EXPIRED', 'CANCELLED'] as const;
export const ZPromotionStatus = z.enum(PROMOTION_STATUSES);
export type TPromotionStatus = z.infer<typeof ZPromotionStatus>;

export const ZListPromotionsQuery = z.strictObject({
  cluster: z.string().trim().min(1).max(128).optional(),
  status: ZPromotionStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
