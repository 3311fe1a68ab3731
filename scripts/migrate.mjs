// Prisma Migrate without the native schema-engine binary (it cannot be downloaded on this machine):
// drives @prisma/schema-engine-wasm through @prisma/adapter-pg. Keeps Prisma Migrate's layout
// (prisma/migrations/<ts>_<name>/migration.sql, migration_lock.toml, _prisma_migrations) so that
// `prisma migrate deploy` keeps working wherever the native engine can be fetched.
// All tables AND _prisma_migrations live in the PostgreSQL schema "vakt".
//   node scripts/migrate.mjs deploy          apply pending migrations (idempotent)
//   node scripts/migrate.mjs dev <name>      write a migration for schema.prisma changes, then deploy
//   node scripts/migrate.mjs check           exit 1 on drift (schema.prisma vs migrations vs live database)
// DATABASE_URL (or MIGRATE_DATABASE_URL, for a more privileged role) names the database.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const root = path.resolve(import.meta.dirname, '..');
const require_ = createRequire(import.meta.url);
{
  // The package targets bundlers; instantiate the wasm by hand (the one shipped in the prisma CLI package).
  const wasmPath = process.env.SCHEMA_ENGINE_WASM ?? path.join(path.dirname(require_.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
}

const url = process.env.MIGRATE_DATABASE_URL ?? process.env.DATABASE_URL;
if (!url) {
  console.error('migrate: DATABASE_URL is not set (npm run demo starts an embedded PostgreSQL and sets it for you)');
  process.exit(2);
}
const DB_SCHEMA = 'vakt';
const schemaPath = path.join(root, 'prisma/schema.prisma');
const migDir = path.join(root, 'prisma/migrations');
const files = [{ path: schemaPath, content: fs.readFileSync(schemaPath, 'utf8') }];
const filters = { externalTables: [], externalEnums: [] };

// Two fixes on top of PrismaPg, for the migrator only:
//  1. executeScript: adapter-pg splits scripts on ";" (breaks $$ bodies, half-applies failures): send it whole.
//  2. pg_catalog's "char" (OID 18) cannot be decoded by adapter-pg: report it as text.
class MigratorPg extends PrismaPg {
  async connect() {
    const a = await super.connect();
    const pool = a.underlyingDriver();
    a.executeScript = async (script) => { try { await pool.query(script); } catch (e) { a.onError(e); } };
    const q = pool.query.bind(pool);
    pool.query = async (...args) => {
      const r = await q(...args);
      for (const f of r?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25;
      return r;
    };
    return a;
  }
}
const applyFactory = () => new MigratorPg({ connectionString: url, options: `-c search_path=${DB_SCHEMA}` }, { schema: DB_SCHEMA });
const diffFactory = () => new MigratorPg({ connectionString: url });
const newEngine = (factory) => bg.SchemaEngine.new({ datamodels: files.map((f) => [f.path, f.content]) },
  (log) => { if (process.env.DEBUG) console.error('[engine]', log); }, bindMigrationAwareSqlAdapterFactory(factory));

function migrationsList() {
  fs.mkdirSync(migDir, { recursive: true });
  const lockPath = path.join(migDir, 'migration_lock.toml');
  const dirs = fs.readdirSync(migDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  return {
    baseDir: migDir,
    lockfile: { path: 'migration_lock.toml', content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((d) => {
      const f = path.join(migDir, d, 'migration.sql');
      return { path: d, migrationFile: { path: 'migration.sql',
        content: fs.existsSync(f) ? { tag: 'ok', value: fs.readFileSync(f, 'utf8') } : { tag: 'error', value: 'missing' } } };
    }),
  };
}
const isEmpty = (sql) => !sql?.trim() || /^-- This is an empty migration/.test(sql.trim());
async function diffFromSnapshot(engine) {
  const dirs = fs.existsSync(migDir) ? fs.readdirSync(migDir).filter((d) => fs.existsSync(path.join(migDir, d, 'schema.snapshot.prisma'))).sort() : [];
  const prev = dirs.length ? fs.readFileSync(path.join(migDir, dirs.at(-1), 'schema.snapshot.prisma'), 'utf8') : null;
  const r = await engine.diff({ from: prev == null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: prev }] },
    to: { tag: 'schemaDatamodel', files }, script: true, exitCode: null, filters });
  return r.stdout ?? '';
}
async function deploy() {
  const engine = await newEngine(applyFactory());
  const r = await engine.applyMigrations({ migrationsList: migrationsList(), filters });
  console.log(JSON.stringify({ applied: r.appliedMigrationNames }));
}

// Serialise concurrent `dev` runs in one checkout (two people generating at once would both diff from
// the same snapshot).
function withDirLock(fn) {
  const lock = path.join(migDir, '.lock');
  fs.mkdirSync(migDir, { recursive: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try { fs.mkdirSync(lock); break; } catch (e) {
      if (e.code !== 'EEXIST' || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  return fn().finally(() => fs.rmSync(lock, { recursive: true, force: true }));
}

const cmd = process.argv[2];
try {
  if (cmd === 'dev') {
    const name = (process.argv[3] ?? 'migration').replace(/[^a-z0-9_]/gi, '_');
    await withDirLock(async () => {
      const sql = await diffFromSnapshot(await newEngine(diffFactory()));
      if (isEmpty(sql)) console.log('no schema changes');
      else {
        const ts = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
        const d = path.join(migDir, `${ts}_${name}`);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'migration.sql'), sql);
        fs.writeFileSync(path.join(d, 'schema.snapshot.prisma'), files[0].content);
        const lock = path.join(migDir, 'migration_lock.toml');
        if (!fs.existsSync(lock)) fs.writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
        console.log('wrote', path.relative(root, d));
      }
    });
    if (!process.argv.includes('--create-only')) await deploy();
  } else if (cmd === 'deploy') {
    await deploy();
  } else if (cmd === 'check') {
    const engine = await newEngine(diffFactory());
    const offline = await diffFromSnapshot(engine);
    const live = (await engine.diff({ from: { tag: 'schemaDatasource', files, configDir: root },
      to: { tag: 'schemaDatamodel', files }, script: true, exitCode: null, filters })).stdout ?? '';
    let bad = false;
    if (!isEmpty(offline)) { bad = true; console.log('DRIFT: schema.prisma has changes with no migration:\n' + offline); }
    if (!isEmpty(live)) { bad = true; console.log('DRIFT: live database differs from schema.prisma:\n' + live); }
    console.log(bad ? 'drift check FAILED' : 'drift check OK (no pending model changes; database matches schema.prisma)');
    process.exitCode = bad ? 1 : 0;
  } else {
    console.error('usage: node scripts/migrate.mjs dev <name> [--create-only] | deploy | check');
    process.exit(2);
  }
} catch (e) {
  console.error('migrate error:', e?.message ?? e);
  process.exitCode = 1;
}
process.exit(process.exitCode ?? 0);
