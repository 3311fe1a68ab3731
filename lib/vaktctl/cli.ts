// vaktctl: the client CLI for CI (README "vaktctl"). Talks to the Vakt API with an API token; imports
// only itself and `yaml`, so scripts/build-vaktctl.mjs bundles it into one file (dist/vaktctl.mjs).
//   vaktctl plan   -f recovery.yaml [--fail-on error|warning] [--json]   0 no change, 2 change, 1 error
//   vaktctl apply  -f recovery.yaml [--fail-on error|warning] [--json]   0 applied (or nothing to do), 1 error
//   vaktctl status CONTEXT [--json]                                       0 read, 1 error
// Credentials: VAKT_URL and VAKT_TOKEN, or --url and --token.
import { parse as parseYaml } from 'yaml';

export type TIo = {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  readFile: (path: string) => Promise<string>;
};
type TSeverity = 'error' | 'warning' | 'info';
type TFinding = { code: string; severity: TSeverity; message: string; field?: string; source?: string };
type TChange = { path: string; before?: unknown; after?: unknown };
type TPlan = { context: string; exists: boolean; currentVersion: number; changed: boolean; diff: TChange[]; metadata: Array<{ field: string; before: string | null; after: string }>; findings: TFinding[] };
type TApply = { version: number; created: boolean; status?: 'proposed' | 'accepted'; findings: TFinding[] };
type TArgs = { command: string | undefined; positional: string[]; file?: string; url?: string; token?: string; failOn?: 'error' | 'warning'; json: boolean; context?: string; help: boolean };

const USAGE = `usage: vaktctl <plan|apply> -f FILE [--context SLUG] [--fail-on error|warning] [--json]
       vaktctl status CONTEXT [--json]
options: --url URL (or VAKT_URL), --token TOKEN (or VAKT_TOKEN)
exit codes: plan 0 no change, 2 change, 1 error; apply and status 0 done, 1 error.
Findings fail the run only with --fail-on (error: any error finding; warning: any error or warning).`;

export class UsageError extends Error {}
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function parseArgs(argv: string[]): TArgs {
  const a: TArgs = { command: undefined, positional: [], json: false, help: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const [flag, inline] = x.startsWith('--') && x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, undefined];
    const take = () => inline ?? value(i++, flag);
    if (flag === '-f' || flag === '--file') a.file = take();
    else if (flag === '--url') a.url = take();
    else if (flag === '--token') a.token = take();
    else if (flag === '--context') a.context = take();
    else if (flag === '--json') a.json = true;
    else if (flag === '-h' || flag === '--help') a.help = true;
    else if (flag === '--fail-on') {
      const v = take();
      if (v !== 'error' && v !== 'warning') throw new UsageError(`--fail-on must be error or warning (got ${JSON.stringify(v)})`);
      a.failOn = v;
    } else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else if (a.command === undefined) a.command = x;
    else a.positional.push(x);
  }
  return a;
}

/** The findings that fail the run under `--fail-on` (none without it). */
export function failingFindings(findings: TFinding[], failOn: TArgs['failOn']): TFinding[] {
  if (!failOn) return [];
  return findings.filter((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
}

function client(args: TArgs, io: TIo) {
  const base = (args.url ?? io.env.VAKT_URL ?? '').replace(/\/+$/, '');
  const token = args.token ?? io.env.VAKT_TOKEN ?? '';
  if (!base) throw new UsageError('no Vakt URL: set VAKT_URL or pass --url');
  if (!/^https?:\/\//.test(base)) throw new UsageError(`the Vakt URL must start with http:// or https:// (got ${JSON.stringify(base)})`);
  if (!token) throw new UsageError('no API token: set VAKT_TOKEN or pass --token');
  return async <T>(method: string, path: string, body?: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/yaml' } : {}) }, body });
    } catch (e) {
      throw new ApiError(0, 'UNREACHABLE', `cannot reach ${base}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `${method} ${path} answered ${res.status}`, e?.details);
    }
    if (json === null) throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path} did not answer JSON`);
    return json as T;
  };
}

/** The declaration file: its text as sent, and the context it names (or --context). */
async function declarationFile(args: TArgs, io: TIo): Promise<{ text: string; slug: string }> {
  if (!args.file) throw new UsageError(`${args.command} needs -f FILE`);
  let text: string;
  try {
    text = await io.readFile(args.file);
  } catch (e) {
    throw new UsageError(`cannot read ${args.file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError(`${args.file} is not YAML or JSON: ${(e as Error).message}`);
  }
  const named = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { context?: unknown }).context : undefined;
  const slug = args.context ?? (typeof named === 'string' ? named : undefined);
  if (!slug) throw new UsageError(`${args.file} names no context (a declaration file has "context: <slug>"); pass --context SLUG`);
  return { text, slug };
}

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
function findingLines(findings: TFinding[]): string[] {
  if (!findings.length) return ['No findings.'];
  const n = (s: TSeverity) => findings.filter((f) => f.severity === s).length;
  return [
    `Findings: ${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} info.`,
    ...findings.map((f) => `  ${f.severity.padEnd(7)} ${f.code}${f.field ? ` (${f.field})` : ''}: ${f.message}`),
  ];
}

function planLines(p: TPlan): string[] {
  const head = p.exists ? `Context ${p.context}, current version ${p.currentVersion}:` : `Context ${p.context} does not exist yet: applying creates it.`;
  const changes = [
    ...p.metadata.map((m) => `  ~ ${m.field}: ${show(m.before ?? undefined)} -> ${show(m.after)}`),
    ...p.diff.map((c) => `  ${c.before === undefined ? '+' : c.after === undefined ? '-' : '~'} spec.${c.path}: ${c.before === undefined ? show(c.after) : c.after === undefined ? show(c.before) : `${show(c.before)} -> ${show(c.after)}`}`),
  ];
  const summary = changes.length ? `Plan: ${p.changed ? `version ${p.currentVersion + 1}` : 'no new version'}, ${changes.length} change(s).` : 'No changes: the declaration matches the current version.';
  return [head, ...changes, summary, ...findingLines(p.findings)];
}

const hasChanges = (p: TPlan) => p.changed || p.metadata.length > 0;
const planPath = (slug: string, dryRun: boolean) => `/api/v1/contexts/${encodeURIComponent(slug)}/declaration${dryRun ? '?dryRun=true' : ''}`;

function failOnLines(failing: TFinding[], failOn: TArgs['failOn']): string[] {
  return failing.length ? [`Failing: ${failing.length} finding(s) at or above --fail-on ${failOn}.`] : [];
}

async function runCommand(args: TArgs, io: TIo): Promise<number> {
  if (args.command === 'plan' || args.command === 'apply') {
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const { text, slug } = await declarationFile(args, io);
    const api = client(args, io);
    const plan = await api<TPlan>('PUT', planPath(slug, true), text);
    const failing = failingFindings(plan.findings, args.failOn);
    if (args.command === 'plan') {
      const code = failing.length ? 1 : hasChanges(plan) ? 2 : 0;
      if (args.json) io.out(JSON.stringify({ ...plan, exitCode: code, failing: failing.map((f) => f.code) }));
      else for (const l of [...planLines(plan), ...failOnLines(failing, args.failOn)]) io.out(l);
      return code;
    }
    if (failing.length) {
      if (args.json) io.out(JSON.stringify({ applied: false, plan, failing: failing.map((f) => f.code) }));
      else for (const l of [...planLines(plan), ...failOnLines(failing, args.failOn), 'Not applied.']) io.out(l);
      return 1;
    }
    const done = await api<TApply>('PUT', planPath(slug, false), text);
    if (args.json) io.out(JSON.stringify({ applied: true, context: slug, ...done, diff: plan.diff, metadata: plan.metadata }));
    else {
      for (const l of planLines(plan).filter((l) => !/^(Plan:|No changes|Findings|  (error|warning|info) )/.test(l))) io.out(l);
      io.out(
        !done.created
          ? `Nothing to apply: context ${slug} stays at version ${done.version}${plan.metadata.length ? ' (name/team updated)' : ''}.`
          : done.status === 'proposed'
            ? `Proposed: version ${done.version} of ${slug} waits for an admin to accept it; until then the accepted version binds, and verdicts use the stricter of the two.`
            : `Applied: context ${slug} is at version ${done.version}.`,
      );
      for (const l of findingLines(done.findings)) io.out(l);
    }
    return 0;
  }
  if (args.command === 'status') {
    const [slug, ...rest] = args.positional;
    if (!slug) throw new UsageError('status needs a CONTEXT');
    if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
    const api = client(args, io);
    const r = await api<TStatus>('GET', `/api/v1/contexts/${encodeURIComponent(slug)}/readiness`);
    if (args.json) io.out(JSON.stringify(r));
    else for (const l of statusLines(r)) io.out(l);
    return 0;
  }
  throw new UsageError(args.command ? `unknown command ${args.command}` : 'no command');
}

type TAnswer = { status: string; summary: string };
type TStatus = {
  slug: string;
  name: string;
  computedAt: string | null;
  stale: boolean;
  readiness: { weakest: { cluster: string | null; answer: string; status: string; summary: string }; clusters: Array<{ cluster: string; trust: { trusted: boolean; message: string } } & Record<string, unknown>> } | null;
};
const ANSWERS = ['backup', 'recency', 'restore', 'restoreTime', 'dataLoss', 'comparison', 'crossSite'] as const;

function statusLines(s: TStatus): string[] {
  const head = `Context ${s.slug} (${s.name}): readiness computed ${s.computedAt ?? 'never'}${s.stale ? ' — STALE (is a worker running?)' : ''}.`;
  if (!s.readiness) return [head, 'No readiness yet: no declaration, or the worker has not evaluated it.'];
  const w = s.readiness.weakest;
  return [
    head,
    `Weakest: ${w.status} — ${w.answer}${w.cluster ? ` on ${w.cluster}` : ''}: ${w.summary}`,
    ...s.readiness.clusters.flatMap((c) => [
      `Cluster ${c.cluster}: backups ${c.trust.trusted ? 'trusted' : 'NOT trusted'} — ${c.trust.message}`,
      ...ANSWERS.map((a) => c[a] as TAnswer | undefined).flatMap((x, i) => (x ? [`  ${x.status.padEnd(7)} ${ANSWERS[i]}: ${x.summary}`] : [])),
    ]),
  ];
}

/** Runs one vaktctl command; returns the exit code (never throws). */
export async function runVaktctl(argv: string[], io: TIo): Promise<number> {
  let args: TArgs | null = null;
  try {
    args = parseArgs(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    return await runCommand(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`vaktctl: ${e.message}`);
      io.err(USAGE);
    } else if (e instanceof ApiError) {
      if (args?.json) io.out(JSON.stringify({ error: { status: e.status, code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } }));
      io.err(`vaktctl: ${e.status ? `${e.status} ` : ''}${e.code}: ${e.message}`);
    } else {
      io.err(`vaktctl: ${(e as Error).message ?? String(e)}`);
    }
    return 1;
  }
}
