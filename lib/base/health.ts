import { db, dbNow } from '@/lib/base/db';

export type THealth = { status: 'ok' | 'degraded'; database: { reachable: boolean; latencyMs?: number; error?: string }; worker?: { lastHeartbeatAgeSeconds: number | null }; time: string };

export async function getHealth(): Promise<THealth> {
  const t0 = performance.now();
  try {
    await Promise.race([db.$queryRaw`SELECT 1`, new Promise((_, rej) => setTimeout(() => rej(new Error('timeout after 2000 ms')), 2000))]);
    const latencyMs = Math.round(performance.now() - t0);
    const w = await db.worker.findFirst({ orderBy: { heartbeatAt: 'desc' }, select: { heartbeatAt: true } });
    return {
      status: 'ok',
      database: { reachable: true, latencyMs },
      worker: { lastHeartbeatAgeSeconds: w ? Math.round(((await dbNow()).getTime() - w.heartbeatAt.getTime()) / 1000) : null },
      time: new Date().toISOString(),
    };
  } catch (e) {
    const msg = (e as Error).message ?? 'unreachable';
    // never echo connection strings
    return { status: 'degraded', database: { reachable: false, error: msg.replace(/postgres(ql)?:\/\/\S+/g, '[url]').slice(0, 200) }, time: new Date().toISOString() };
  }
}
