// Vakt admin CLI: `npm run vakt -- <command>`. Scriptable and non-interactive: the last line of output
// is the result (for `token create` the token alone, otherwise one JSON object); failures print a
// message on stderr and exit non-zero, never a stack trace.
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

const USAGE = `usage: npm run vakt -- <command>
  user add --email E --password P --role R [--team T]...
  team add NAME
  token create --name N --role R [--team T]...     (prints the token alone on the last line)
  token revoke NAME
  apply -f FILE                                    (recovery.yaml or .json; same validation as the API)
  audit verify                                     (non-zero exit naming the first bad row)
  auto-accept (--team T | --context SLUG) on|off   (owners' declaration saves accepted at once, or proposed for review)
  seed-demo                                        (demo sites, teams, contexts and users; idempotent)
  drill CLUSTER [--backup LABEL] [--target-time T] [--timeout 30m]
                                                   (a restore drill, waited for; exit 0 succeeded, 1 failed, 2 timed out or refused)
roles: viewer | service-owner | operator | admin`;

class UsageError extends Error {}

function args(argv: string[], options: ParseArgsConfig['options'] = {}) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
const str = (v: unknown, flag: string): string => {
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${flag}`);
  return v;
};

async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const { ensureDatabase } = await import('@/scripts/pglocal/bootstrap');
  await ensureDatabase();
  const { cliActor } = await import('@/lib/auth/actor');
  const actor = cliActor();
  const out = (o: unknown) => console.log(JSON.stringify(o));

  if (cmd === 'user' && sub === 'add') {
    const { values } = args(rest, { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, team: { type: 'string', multiple: true } });
    const { addUser } = await import('@/lib/auth/users');
    const u = await addUser({ actor, email: str(values.email, 'email'), password: str(values.password, 'password'), role: str(values.role, 'role') as never, teams: (values.team as string[] | undefined) ?? [] });
    out({ ok: true, user: { id: u.id, email: u.email, role: u.role, teams: u.teams } });
    return 0;
  }
  if (cmd === 'team' && sub === 'add') {
    const { positionals } = args(rest);
    if (positionals.length !== 1) throw new UsageError('team add NAME');
    const { createTeam } = await import('@/lib/registry/teams');
    const t = await createTeam({ actor, name: positionals[0] });
    out({ ok: true, team: { id: t.id, name: t.name } });
    return 0;
  }
  if (cmd === 'token' && sub === 'create') {
    const { values } = args(rest, { name: { type: 'string' }, role: { type: 'string' }, team: { type: 'string', multiple: true } });
    const { createApiToken } = await import('@/lib/auth/tokens');
    const t = await createApiToken({ actor, input: { name: str(values.name, 'name'), role: str(values.role, 'role') as never, teams: (values.team as string[] | undefined) ?? [] } });
    console.error(`token ${t.name} (role ${t.role}${t.teams.length ? `, teams ${t.teams.join(', ')}` : ''}) created; it is shown only once:`);
    console.log(t.token);
    return 0;
  }
  if (cmd === 'token' && sub === 'revoke') {
    const { positionals } = args(rest);
    if (positionals.length !== 1) throw new UsageError('token revoke NAME');
    const { revokeApiToken } = await import('@/lib/auth/tokens');
    const r = await revokeApiToken({ actor, name: positionals[0] });
    out({ ok: true, token: r.name, revokedAt: r.revokedAt, alreadyRevoked: r.alreadyRevoked });
    return 0;
  }
  if (cmd === 'apply') {
    const { values } = args([sub, ...rest].filter((x) => x !== undefined), { file: { type: 'string', short: 'f' } });
    const file = str(values.file, 'file (-f)');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const { parseDeclarationBody } = await import('@/lib/registry/parse-declaration-body');
    const { parsePutDeclarationInput, putDeclaration } = await import('@/lib/registry/put-declaration');
    const input = parseDeclarationBody(text, file.endsWith('.json') ? 'application/json' : 'application/yaml') as { context?: unknown };
    if (!input || typeof input !== 'object' || typeof input.context !== 'string') throw new UsageError(`${file}: a declaration file needs "context: <slug>" (and apiVersion, kind, name, team, spec)`);
    const r = await putDeclaration({ actor, slug: input.context, input: parsePutDeclarationInput(input) });
    for (const f of r.findings) console.error(`${f.severity.padEnd(7)} ${f.code}${f.field ? ` (${f.field})` : ''}: ${f.message}`);
    out({ ok: true, context: input.context, version: r.version, created: r.created, findings: r.findings });
    return 0;
  }
  if (cmd === 'auto-accept') {
    const { values, positionals } = args([sub, ...rest].filter((x) => x !== undefined), { team: { type: 'string' }, context: { type: 'string' } });
    const mode = positionals[0];
    if ((mode !== 'on' && mode !== 'off') || !!values.team === !!values.context) throw new UsageError('auto-accept (--team T | --context SLUG) on|off');
    const { setAutoAccept } = await import('@/lib/registry/lifecycle-review');
    const r = await setAutoAccept({ actor, target: values.team ? { team: String(values.team) } : { context: String(values.context) }, on: mode === 'on' });
    out({ ok: true, ...r });
    return 0;
  }
  if (cmd === 'audit' && sub === 'verify') {
    const { db } = await import('@/lib/base/db');
    const { verifyAuditChain } = await import('@/lib/audit/verify');
    const r = await verifyAuditChain(db);
    if (!r.ok) {
      console.error(`audit chain broken at row ${r.badId}: ${r.reason}`);
      out({ ok: false, rows: r.rows, badId: r.badId, reason: r.reason });
      return 1;
    }
    out({ ok: true, rows: r.rows, lastHash: r.lastHash });
    return 0;
  }
  if (cmd === 'seed-demo') {
    const { seedDemo } = await import('@/scripts/demo/seed-demo');
    const r = await seedDemo({ actor });
    for (const u of r.users) console.error(`${u.role.padEnd(13)} ${u.email}  ${u.password}`);
    out({ ok: true, contexts: r.contexts, users: r.users });
    return 0;
  }
  if (cmd === 'drill') return drillCommand([sub, ...rest].filter((x) => x !== undefined), actor, out);
  throw new UsageError(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n${USAGE}`);
}

/** "30m", "90s", "1h" or plain seconds -> seconds */
function durationSeconds(v: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(v.trim());
  if (!m || Number(m[1]) < 1) throw new UsageError(`--timeout ${v}: expected e.g. 90s, 30m, 2h`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/**
 * `drill CLUSTER`: requests a restore drill and runs it here (the same executor the worker runs; a
 * worker that took it first runs it and this waits). Exit 0 succeeded, 1 failed, 2 timed out or refused.
 */
async function drillCommand(argv: string[], actor: import('@/lib/auth/actor').TActor, out: (o: unknown) => void): Promise<number> {
  const { values, positionals } = args(argv, { backup: { type: 'string' }, 'target-time': { type: 'string' }, timeout: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('drill CLUSTER [--backup LABEL] [--target-time T] [--timeout 30m]');
  const timeoutS = durationSeconds((values.timeout as string | undefined) ?? '30m');
  const { ZRequestDrillBody } = await import('@/lib/drills/schemas');
  const body = ZRequestDrillBody.safeParse({ backup: values.backup, targetTime: values['target-time'] });
  if (!body.success) throw new UsageError(body.error.issues.map((i) => `--${i.path.join('.') === 'targetTime' ? 'target-time' : i.path.join('.')}: ${i.message}`).join('; '));
  const { requestDrill } = await import('@/lib/drills/request-drill');
  const { runDrillOnce } = await import('@/lib/drills/run-drill-once');
  const { getDrill } = await import('@/lib/drills/read-drills');
  const { AppError } = await import('@/lib/base/errors');
  let id: string;
  try {
    id = (await requestDrill({ actor, cluster: positionals[0], ...body.data })).id;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    console.error(`vakt: drill refused: ${describe(e)}`);
    out({ ok: false, refused: true, error: { code: e.code, message: e.message, details: e.details ?? null } });
    return 2;
  }
  console.error(`drill ${id} of ${positionals[0]} queued; waiting up to ${timeoutS} s`);
  const deadline = Date.now() + timeoutS * 1000;
  let view = await getDrill(id);
  while (!view.finishedAt && Date.now() < deadline) {
    const ran = await runDrillOnce({ executorId: `cli:${process.pid}`, drillId: id, timeoutSeconds: timeoutS, pollMs: 500 });
    if (!ran) await new Promise((r) => setTimeout(r, 1000)); // a worker runs it
    view = await getDrill(id);
  }
  for (const st of view.steps) console.error(`${st.status.padEnd(8)} ${st.name}${st.durationMs !== null ? ` (${st.durationMs} ms)` : ''}`);
  if (view.error) console.error(`error: ${view.error}`);
  const code = view.status === 'SUCCEEDED' ? 0 : view.status === 'FAILED' || view.status === 'ABORTED' ? 1 : 2;
  out({ ok: code === 0, timedOut: code === 2, drill: view });
  return code;
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string; details?: { fields?: { path: string; message: string }[] } };
  if (err?.details?.fields?.length && !err.message?.includes(err.details.fields[0].path)) {
    return `${err.message}: ${err.details.fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`;
  }
  if (Array.isArray((e as { issues?: unknown[] })?.issues)) {
    return (e as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ');
  }
  return err?.message?.split('\n').filter((l) => !/^\s+at /.test(l)).join(' ') ?? String(e);
}

let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (e) {
  console.error(`vakt: ${describe(e)}`);
  code = e instanceof UsageError ? 2 : 1;
} finally {
  try {
    const { disconnectDb } = await import('@/lib/base/db');
    await disconnectDb();
    // the embedded PostgreSQL, if this command started it (one already run by the app is left alone)
    const { stopEmbeddedDatabase } = await import('@/scripts/pglocal/bootstrap');
    await stopEmbeddedDatabase();
  } catch {
    /* nothing to close */
  }
}
process.exit(code);
