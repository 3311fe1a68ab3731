import { Badge, type TBadgeTone } from '@/components/ui/Badge';
import type { TAnswerStatus } from '@/lib/readiness/readiness';

const TONE: Record<TAnswerStatus, TBadgeTone> = { ok: 'ok', warn: 'warning', bad: 'error', unknown: 'unknown' };
const WORD: Record<TAnswerStatus, string> = { ok: 'ok', warn: 'attention', bad: 'not met', unknown: 'unknown' };

/** The status of one readiness answer as a badge. */
export function StatusBadge({ status }: { status: TAnswerStatus }) {
  return <Badge tone={TONE[status]}>{WORD[status]}</Badge>;
}
