import { pageActor } from '@/lib/auth/session';
import { dbNow } from '@/lib/base/db';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { hasRole } from '@/lib/auth/roles';
import { listAlerts, listSilences } from '@/lib/alerts/alerts';
import { ALERT_RULES, type TAlertRuleName } from '@/lib/alerts/rules';
import { AlertTable } from '@/components/alerts/AlertTable';
import { AlertActions } from '@/components/alerts/AlertActions';
import { acknowledge, silence } from './actions';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Alerts · Vakt' };

export default async function AlertsPage() {
  const actor = await pageActor('viewer', '/alerts');
  const [firing, resolved, silences, now] = await Promise.all([listAlerts('firing'), listAlerts('resolved'), listSilences(), dbNow()]);
  const operator = hasRole(actor.role, 'operator');
  return (
    <>
      <h1>Alerts</h1>
      <p className="muted">
        Derived from the live findings and cluster states Vakt already shows; each fires once and resolves once (after its hold-down). Receivers get them by
        webhook, Slack or Alertmanager (<code>/api/v1/receivers</code>).
      </p>
      <section aria-labelledby="firing-h">
        <h2 id="firing-h">Firing ({firing.length})</h2>
        <AlertTable
          alerts={firing}
          caption="Firing alerts"
          now={now}
          empty="Nothing is firing. Alerts fire from cluster states and live findings; the Overview shows what else waits for a person."
          actions={
            operator
              ? (a) => (
                  <AlertActions
                    alert={{ id: a.id, rule: a.rule, cluster: a.cluster, context: a.context, member: a.member, acked: a.acked !== null, silenceable: ALERT_RULES[a.rule as TAlertRuleName]?.silenceable !== false }}
                    acknowledge={acknowledge}
                    silence={silence}
                  />
                )
              : undefined
          }
        />
      </section>
      <section aria-labelledby="silences-h">
        <h2 id="silences-h">Active silences ({silences.length})</h2>
        {silences.length === 0 ? (
          <p className="muted">No active silence. Operators silence a firing alert from its row (Silence, with a reason and a duration).</p>
        ) : (
          <ul>
            {silences.map((s) => (
              <li key={s.id}>
                <code>{Object.entries(s.match).map(([k, v]) => `${k}=${v}`).join(' ')}</code> until <TimeAgo date={s.until} now={now} exact /> by {s.createdBy}: {s.reason}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="resolved-h">
        <h2 id="resolved-h">Resolved in the last 24 hours ({resolved.length})</h2>
        <AlertTable alerts={resolved} caption="Resolved alerts" now={now} empty="None resolved in the last 24 hours." />
      </section>
    </>
  );
}
