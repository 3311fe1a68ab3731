import { withApi } from '@/lib/api/handler';
import { AppError } from '@/lib/base/errors';
import { env } from '@/lib/base/env';
import { actorFromToken, bearerToken } from '@/lib/auth/tokens';
import { clientAddress } from '@/lib/auth/throttle';
import { isAddressAllowed, parseAllowList } from '@/lib/base/net/allow-list';
import { renderMetrics } from '@/lib/alerts/read-model-metrics';

export const dynamic = 'force-dynamic';

// Prometheus scrape: an API token (any role: viewer and up) or a source address in VAKT_METRICS_ALLOW.
// Public to withApi (no session lookup): the handler admits a token or an allowed address itself.
export const GET = withApi({ role: 'public' }, async ({ req }) => {
  const auth = req.headers.get('authorization');
  if (auth) {
    const token = bearerToken(auth);
    if (!token || !(await actorFromToken(token))) throw new AppError('UNAUTHENTICATED', 'invalid or revoked API token');
  } else {
    const e = env();
    const address = clientAddress(req.headers, e.VAKT_TRUST_PROXY);
    const allowed = address !== 'unknown' && (await isAddressAllowed(parseAllowList(e.VAKT_METRICS_ALLOW), address).catch(() => false));
    if (!allowed) throw new AppError('UNAUTHENTICATED', 'send Authorization: Bearer <token>, or scrape from an address in VAKT_METRICS_ALLOW');
  }
  const { contentType, body } = await renderMetrics();
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
});
