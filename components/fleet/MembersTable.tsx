import type { TClusterMemberView } from '@/lib/registry/read-clusters';
import { formatAge, formatBytes, formatDuration, formatPercent, ageSeconds } from '@/components/lib/format';
import { freePercent, memberTone, roleBadge, statusBadge } from './health';

// Members of one cluster, as last observed. Stale rows are marked with their age.

const MEMBER_STATUS_TEXT: Record<string, string> = { ok: 'reachable', down: 'PostgreSQL down', never: 'not polled yet' };

/** "+2.5 s" / "−40 ms" / "—" (not measured). */
function formatClockSkew(ms: number | null): string {
  if (ms === null) return '—';
  const sign = ms > 0 ? '+' : ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  return `${sign}${abs >= 1000 ? `${(abs / 1000).toFixed(1)} s` : `${Math.round(abs)} ms`}`;
}

export function MembersTable({ members, nowMs }: { members: TClusterMemberView[]; nowMs: number }) {
  return (
    <div className="table-scroll">
      <table className="members" data-testid="members-table">
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">Site</th>
            <th scope="col">State</th>
            <th scope="col">Timeline</th>
            <th scope="col">LSN</th>
            <th scope="col">Lag</th>
            <th scope="col">Sync</th>
            <th scope="col">Disk free</th>
            <th scope="col">Last backup</th>
            <th scope="col">Fenced</th>
            <th scope="col" title="the agent's clock minus Vakt's database clock">Clock skew</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => {
            const tone = memberTone(m);
            const free = freePercent(m);
            const backupAge = ageSeconds(m.lastBackupAt, nowMs);
            return (
              <tr key={m.name} className={m.stale ? 'stale-row' : undefined} data-testid={`member-${m.name}`} data-status={m.status} data-role={m.role}>
                <th scope="row">
                  <span className={`dot ${tone}`} aria-hidden /> {m.name}
                </th>
                <td>
                  <span className={`badge ${roleBadge(m.role)}`}>{m.role}</span>
                </td>
                <td>{m.site}</td>
                <td>
                  <span className={`badge ${statusBadge(m.status)}`}>{MEMBER_STATUS_TEXT[m.status] ?? 'unknown'}</span>
                  {m.error && m.status !== 'never' && <div className="small error-text">{m.error}</div>}
                </td>
                <td className="num">{m.timeline ?? '—'}</td>
                <td className="mono">{m.lsn ?? '—'}</td>
                <td className="num">
                  {m.role === 'primary' ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      {formatBytes(m.lagBytes)}
                      <br />
                      <span className="muted">{formatDuration(m.lagSeconds)}</span>
                    </>
                  )}
                </td>
                <td>{m.syncState ?? <span className="muted">—</span>}</td>
                <td className="num" title={m.freeBytes !== null ? `${formatBytes(m.freeBytes)} free of ${formatBytes(m.totalBytes)}` : 'not reported'}>
                  {formatPercent(free)}
                  {m.freeBytes !== null && <div className="small muted">{formatBytes(m.freeBytes)}</div>}
                </td>
                <td title={m.lastBackupAt ?? 'no backup reported'}>{backupAge === null ? <span className="muted">none reported</span> : formatAge(backupAge)}</td>
                <td>{m.fenced ? <span className="badge warn">fenced</span> : 'no'}</td>
                <td className="num" data-testid={`clock-skew-${m.name}`} title="the agent's clock minus Vakt's database clock (corrected by half the round trip)">
                  {formatClockSkew(m.clockSkewMs)}
                </td>
                <td title={m.observedAt ?? undefined}>
                  {m.stale ? <span className="stale">stale · {formatAge(m.ageSeconds)}</span> : formatAge(m.ageSeconds)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
