// `npm run seed:fleet [-- --force] [-- --fleet-url http://127.0.0.1:7411]`: fills the database at
// DATABASE_URL with a fleet-scale registry — 500 clusters of 3 members (1,500 nodes), 200 bounded
// contexts with their declarations, and 30 days of chart history in its tiers — for the benchmarks
// (bench:web) and for trying the pages at scale. The members point at the simulated fleet of the
// benchmarks (scripts/bench/fleet.ts; start one on the same port and a worker polls them).
// Contexts and clusters are made through the use cases (validated, audited); the history is
// generated inside PostgreSQL in batches (INSERT … SELECT over generate_series). Refuses a database
// that already has clusters unless --force (which deletes every cluster and every fleet-* context
// first). Stops by itself; prints what it did and how long it took.
// Options (env): SEED_CLUSTERS=500 SEED_CONTEXTS=200 SEED_HISTORY_DAYS=30
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { FLEET_PORT, FLEET_TOKEN, fleetAgentUrl, fleetNode } from './bench/fleet';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLUSTERS = Number(process.env.SEED_CLUSTERS ?? 500);
const CONTEXTS = Number(process.env.SEED_CONTEXTS ?? 200);
const HISTORY_DAYS = Number(process.env.SEED_HISTORY_DAYS ?? 30);
const TEAMS = 20;
const args = process.argv.slice(2);
const force = args.includes('--force');
const fleetUrl = args.includes('--fleet-url') ? args[args.indexOf('--fleet-url') + 1] : `http://127.0.0.1:${FLEET_PORT}`;

export const fleetClusterName = (c: number) => `fleet-${String(c).padStart(3, '0')}`;
export const fleetContextSlug = (k: number) => `fleet-ctx-${String(k).padStart(3, '0')}`;

const hardStop = setTimeout(() => {
  console.error('seed:fleet: time limit (10 min) reached, stopping');
  process.exit(2);
}, 10 * 60_000);

const t0 = performance.now();
const secs = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const step = (what: string) => console.log(`seed:fleet: ${what} (${secs()})`);

async function main() {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: seed:fleet fills the database it names');
  process.env.VAKT_LOG_LEVEL ??= 'warn';
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/migrate.mjs'), 'deploy'], { stdio: 'pipe' });
  const { db, disconnectDb } = await import('@/lib/base/db');
  const { systemActor } = await import('@/lib/auth/actor');
  const { ensureDefaultClasses } = await import('@/lib/registry/classes');
  const { createSite } = await import('@/lib/registry/sites');
  const { putDeclaration } = await import('@/lib/registry/put-declaration');
  const { registerCluster } = await import('@/lib/registry/register-cluster');
  const { historyRetention } = await import('@/lib/telemetry/history');
  const actor = systemActor('seed:fleet');

  const existing = await db.cluster.count();
  if (existing && !force) throw new Error(`the database already has ${existing} clusters; seed:fleet fills an empty registry (--force deletes every cluster and fleet-* context first)`);
  if (existing || force) {
    // chart history is only history (no audit trail): emptied outright rather than row by row
    await db.$executeRawUnsafe(`TRUNCATE "vakt"."ObservationSample", "vakt"."ObservationRollup", "vakt"."ClusterEvent", "vakt"."NodeObservation"`);
    await db.$executeRawUnsafe(`DELETE FROM "vakt"."Cluster"`);
    await db.$executeRawUnsafe(`DELETE FROM "vakt"."BoundedContext" WHERE slug LIKE 'fleet-ctx-%'`);
    step(`--force: deleted ${existing} clusters and the fleet contexts`);
  }

  await ensureDefaultClasses();
  for (const name of ['oslo', 'bergen']) if (!(await db.site.findUnique({ where: { name } }))) await createSite({ actor, input: { name } });

  // 200 contexts over 20 teams, declarations that differ (classes, failover mode, cross-site stance)
  const rpo = ['RPO-1', 'RPO-2', 'RPO-3'];
  const rto = ['RTO-1', 'RTO-2', 'RTO-3'];
  const failover = ['operator-approved', 'manual', 'automatic'] as const;
  const contextQueue = Array.from({ length: CONTEXTS }, (_, k) => k);
  const declare = async () => {
    for (let k = contextQueue.shift(); k !== undefined; k = contextQueue.shift()) {
    const automatic = failover[k % 3] === 'automatic';
    await putDeclaration({
      actor,
      slug: fleetContextSlug(k),
      input: {
        name: `Fleet context ${k}`,
        team: `fleet-team-${String(k % TEAMS).padStart(2, '0')}`,
        reason: 'seed:fleet',
        spec: {
          dataOwnership: k % 10 === 9 ? 'shared' : 'database-per-service',
          rpoClass: rpo[k % 3],
          rtoClass: rto[Math.floor(k / 3) % 3],
          crossSite: k % 4 === 3 ? 'optional' : 'required',
          failover: failover[k % 3],
          replication: { local: k % 3 === 2 ? 'async' : 'sync', crossSite: 'async' },
          ...(k % 3 === 2 ? {} : { acceptedCrossSiteDataLossSeconds: k % 3 === 0 ? 5 : 60 }),
          approvalsRequired: automatic || k % 2 === 0 ? 1 : 2,
          backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 },
          runbook: `Fence the oslo primary of context ${k}, promote the bergen replica, verify the timeline.`,
          storage: { durability: 'replicated-block', note: 'Ceph RBD' },
        },
      },
    });
  }
  };
  await Promise.all([declare(), declare(), declare()]);
  step(`${CONTEXTS} contexts with declarations over ${TEAMS} teams`);

  // 500 clusters of 3 members at the simulated fleet; each holds one or two contexts
  const queue = Array.from({ length: CLUSTERS }, (_, c) => c);
  const register = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const contexts = [{ slug: fleetContextSlug(c % CONTEXTS), database: `app_${c}` }];
      if (c % 5 === 0 && CONTEXTS > 1) contexts.push({ slug: fleetContextSlug((c * 7 + 3) % CONTEXTS), database: `shared_${c}` });
      await registerCluster({
        actor,
        input: {
          name: fleetClusterName(c),
          kind: 'vakt-agent',
          contexts: contexts.filter((x, i) => contexts.findIndex((y) => y.slug === x.slug) === i),
          members: [0, 1, 2].map((j) => {
            const i = 3 * c + j;
            const n = fleetNode(i);
            return { name: n.name, site: n.site, agentUrl: fleetAgentUrl(fleetUrl, i), agentToken: FLEET_TOKEN };
          }),
        },
      });
    }
  };
  await Promise.all([register(), register(), register()]);
  step(`${CLUSTERS} clusters, ${CLUSTERS * 3} members at ${fleetUrl}`);

  // history: raw samples (every 15 s) for the raw tier, per-minute and hourly rollups as the worker
  // would have made them, generated in PostgreSQL per batch of members (two connections at a time)
  const keep = historyRetention();
  const rawHours = Math.min(keep.rawHours, HISTORY_DAYS * 24);
  const minuteDays = Math.min(keep.minuteDays, HISTORY_DAYS);
  const members = await db.$queryRawUnsafe<{ id: string; k: number }[]>(`SELECT id, (substring(name from 2))::int AS k FROM "vakt"."ClusterMember" ORDER BY 2`);
  // per member k and time t (epoch seconds): primaries (k % 3 = 0) have no lag; replicas a wave with
  // a daily peak; a member is unknown for one hour on one day of the month; storage fills slowly
  const values = (t: string) => `
    CASE WHEN (m.k % 3) = 0 THEN 'primary' ELSE 'replica' END AS role,
    CASE WHEN m.k % 3 = 0 THEN NULL ELSE 2000 + 1500 * sin(${t} / 600.0 + m.k) + 4000 * greatest(0, sin(${t} / 13751.0)) END AS lag,
    (200e9 - (${t} - 1.7e9) * 10 - m.k * 1e6)::float8 AS free,
    CASE WHEN floor(${t} / 3600)::bigint % 720 = (m.k * 37) % 720 THEN 'unknown' ELSE 'ok' END AS status`;
  const batches: string[][] = [];
  for (let i = 0; i < members.length; i += 100) batches.push(members.slice(i, i + 100).map((m) => m.id));
  const memberSet = `(SELECT id, (substring(name from 2))::int AS k FROM "vakt"."ClusterMember" WHERE id = ANY($1::text[]))`;
  const jobs = batches.flatMap((ids) => [
    () =>
      db.$executeRawUnsafe(
        `INSERT INTO "vakt"."ObservationSample" ("memberId", "at", status, role, timeline, "lagBytes", "lagSeconds", "freeBytes", "totalBytes")
         SELECT m.id, ts, v.status, CASE WHEN v.status = 'unknown' THEN 'unknown' ELSE v.role END, 1, v.lag, v.lag / 20000.0, v.free, 500e9
           FROM ${memberSet} m
          CROSS JOIN generate_series(now() - make_interval(hours => $2::int), now() - interval '15 seconds', interval '15 seconds') ts
          CROSS JOIN LATERAL (SELECT ${values('extract(epoch FROM ts)')}) v`,
        ids,
        Math.round(rawHours),
      ),
    () =>
      db.$executeRawUnsafe(
        `INSERT INTO "vakt"."ObservationRollup" ("memberId", step, "at", status, role, timeline, "lagBytes", "lagSeconds", "freeBytes", "totalBytes", samples)
         SELECT m.id, 60, b, v.status, v.role, 1, v.lag * 1.2, v.lag * 1.2 / 20000.0, v.free, 500e9, 4
           FROM ${memberSet} m
          CROSS JOIN generate_series(date_trunc('minute', now()) - make_interval(days => $2::int), date_trunc('minute', now()) - interval '1 minute', interval '1 minute') b
          CROSS JOIN LATERAL (SELECT ${values('extract(epoch FROM b)')}) v`,
        ids,
        Math.round(minuteDays),
      ),
    () =>
      db.$executeRawUnsafe(
        `INSERT INTO "vakt"."ObservationRollup" ("memberId", step, "at", status, role, timeline, "lagBytes", "lagSeconds", "freeBytes", "totalBytes", samples)
         SELECT m.id, 3600, b, v.status, v.role, 1, v.lag * 1.5, v.lag * 1.5 / 20000.0, v.free, 500e9, 240
           FROM ${memberSet} m
          CROSS JOIN generate_series(date_trunc('hour', now()) - make_interval(days => $2::int), date_trunc('hour', now()) - interval '1 hour', interval '1 hour') b
          CROSS JOIN LATERAL (SELECT ${values('extract(epoch FROM b)')}) v`,
        ids,
        HISTORY_DAYS,
      ),
  ]);
  let rows = 0;
  const work = async () => {
    for (let j = jobs.shift(); j; j = jobs.shift()) {
      const n = await j();
      rows += n;
    }
  };
  // a bulk load is several times faster without the tables' indexes and foreign keys: they are
  // dropped and re-made from their own definitions (as read from the catalog) afterwards, always
  const saved = await db.$queryRawUnsafe<{ tbl: string; name: string; def: string; kind: string }[]>(
    `SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS def, 'constraint' AS kind
       FROM pg_constraint c WHERE c.conrelid IN ('"vakt"."ObservationSample"'::regclass, '"vakt"."ObservationRollup"'::regclass) AND c.contype IN ('f', 'p')
     UNION ALL
     SELECT i.indrelid::regclass::text, ic.relname, pg_get_indexdef(i.indexrelid), 'index'
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid IN ('"vakt"."ObservationSample"'::regclass, '"vakt"."ObservationRollup"'::regclass) AND NOT i.indisprimary`,
  );
  for (const x of saved) await db.$executeRawUnsafe(x.kind === 'index' ? `DROP INDEX "vakt"."${x.name}"` : `ALTER TABLE ${x.tbl} DROP CONSTRAINT "${x.name}"`);
  try {
    await Promise.all([work(), work()]);
  } finally {
    // primary keys first (foreign keys and indexes after), as the migrations made them
    for (const x of [...saved].sort((a, b) => Number(b.def.startsWith('PRIMARY')) - Number(a.def.startsWith('PRIMARY')))) {
      await db.$executeRawUnsafe(x.kind === 'index' ? x.def : `ALTER TABLE ${x.tbl} ADD CONSTRAINT "${x.name}" ${x.def}`);
    }
  }
  await db.$executeRawUnsafe(`ANALYZE "vakt"."ObservationSample"`);
  await db.$executeRawUnsafe(`ANALYZE "vakt"."ObservationRollup"`);
  step(`${rows.toLocaleString('en')} history rows: raw samples every 15 s for ${rawHours} h, per-minute rollups for ${minuteDays} days, hourly rollups for ${HISTORY_DAYS} days`);
  console.log(`seed:fleet: done in ${secs()}: ${CLUSTERS} clusters, ${CLUSTERS * 3} nodes, ${CONTEXTS} contexts. Start the simulated fleet on port ${new URL(fleetUrl).port} (npm run bench:web does) and a worker to poll them.`);
  await disconnectDb();
}

main()
  .then(() => {
    clearTimeout(hardStop);
    process.exit(0);
  })
  .catch((e) => {
    console.error(`seed:fleet failed: ${(e as Error).message}`);
    process.exit(1);
  });
