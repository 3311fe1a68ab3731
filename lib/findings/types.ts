import { z } from 'zod';

// One shape for everything Vakt concludes about a bounded context (docs/findings.md).
export const ZFindingSeverity = z.enum(['error', 'warning', 'info']);
export const ZFinding = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  severity: ZFindingSeverity,
  message: z.string(),
  field: z.string().optional(),
  source: z.enum(['lint', 'live']),
});
export type TFinding = z.infer<typeof ZFinding>;
export type TFindingSeverity = z.infer<typeof ZFindingSeverity>;

const order: Record<TFindingSeverity, number> = { error: 0, warning: 1, info: 2 };
export function sortFindings(findings: TFinding[]): TFinding[] {
  return [...findings].sort((a, b) => order[a.severity] - order[b.severity] || a.code.localeCompare(b.code));
}
