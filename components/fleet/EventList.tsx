import type { TClusterEventView } from '@/lib/registry/read-clusters';
import { formatAge, ageSeconds } from '@/components/lib/format';
import { severityBadge } from './health';

// Role changes, timeline changes, nodes going down and coming back: newest first.

const IMPORTANT = /role|timeline|system_identifier|down|unreachable|promot|fenc/;

export function EventList({ events, nowMs }: { events: TClusterEventView[]; nowMs: number }) {
  if (!events.length) return <p className="muted">No events yet.</p>;
  return (
    <ol className="events" data-testid="cluster-events">
      {events.map((e) => (
        <li key={e.id} className={IMPORTANT.test(e.kind) ? 'event important' : 'event'}>
          <time dateTime={e.at} title={e.at}>
            {formatAge(ageSeconds(e.at, nowMs))}
          </time>
          <span className={`badge ${severityBadge(e.severity)}`}>{e.kind}</span>
          {e.member && <strong>{e.member}</strong>}
          <span>{e.message}</span>
        </li>
      ))}
    </ol>
  );
}
