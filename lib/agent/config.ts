import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// Agent configuration (lib/agent/README.md "Configuration", docs/agent-protocol.md): environment, or `--config FILE` with
// KEY=VALUE lines setting the same keys; the environment wins.

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const ZHostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-_]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7070')
  .transform((v, ctx) => {
    const i = v.lastIndexOf(':');
    const host = v.slice(0, i).replace(/^\[(.*)\]$/, '$1');
    const port = Number(v.slice(i + 1));
    if (port > 65535) {
      ctx.addIssue({ code: 'custom', message: 'port must be 0..65535' });
      return z.NEVER;
    }
    return { host, port };
  });

const ZAbsPath = z.string().min(1).refine((v) => path.isAbsolute(v), 'must be an absolute path');
const ZPgUrl = z
  .string()
  .min(1)
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// connection string');
const ZMs = (def: number) => z.coerce.number().int().min(100).max(600_000).default(def);

export const ZAgentEnv = z.object({
  VAKT_AGENT_LISTEN: ZHostPort.default({ host: '127.0.0.1', port: 7070 }),
  VAKT_AGENT_TOKEN: z.string({ error: 'is required' }).min(16, 'must be at least 16 characters'),
  VAKT_AGENT_NODE: z.string().min(1).max(128).default(os.hostname()),
  VAKT_AGENT_SITE: z.string({ error: 'is required' }).min(1).max(128),
  VAKT_AGENT_PG_URL: ZPgUrl,
  VAKT_AGENT_DATA_DIR: ZAbsPath,
  VAKT_AGENT_PG_BIN: ZAbsPath,
  VAKT_AGENT_RUN_AS: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, 'must be an OS user name').default('postgres'),
  VAKT_AGENT_STATE_DIR: ZAbsPath,
  VAKT_AGENT_PGBACKREST_STANZA: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a stanza name').optional(),
  VAKT_AGENT_PGBACKREST_CONFIG: ZAbsPath.optional(),
  VAKT_AGENT_PGBACKREST_BIN: z.string().min(1).default('pgbackrest'),
  VAKT_AGENT_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** where peers stream WAL from this node (host:port as they reach it), reported as node.replicationAddress for WAL salvage */
  VAKT_AGENT_REPLICATION_ADDRESS: ZHostPort.refine((v) => v.port >= 1, 'port must be 1..65535').optional(),
  /**
   * switchover / rejoin (POST /v1/follow): the libpq options, without host and port, this node streams
   * WAL with when the agent points it at another node, e.g. `user=replicator passfile=/var/lib/postgresql/.pgpass`
   */
  VAKT_AGENT_REPLICATION_CONNINFO: z.string().min(1).max(1000).optional(),
  /**
   * rejoin (POST /v1/rewind): the libpq options, without host and port, pg_rewind's --source-server connects
   * to the new primary with (a normal connection: dbname and a user with the rewind grants), e.g.
   * `user=vakt_rewind dbname=postgres passfile=/var/lib/postgresql/.pgpass`; unset -> rewind refused
   */
  VAKT_AGENT_REWIND_CONNINFO: z.string().min(1).max(1000).optional(),
  /** connect and statement timeout for status queries */
  VAKT_AGENT_PG_TIMEOUT_MS: ZMs(5_000),
  /** how long pg_promote may wait (seconds, passed to pg_promote(wait_seconds)) */
  VAKT_AGENT_PROMOTE_WAIT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** fence: how long `pg_ctl stop -m fast` may wait for the server to stop (seconds, `-t`) */
  VAKT_AGENT_STOP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  /** standby (WAL salvage): how long `pg_ctl start` may wait until the server accepts connections (seconds, `-t`) */
  VAKT_AGENT_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  /** where postgresql.conf is, for `pg_ctl start -D` (Debian: /etc/postgresql/15/main); default the data directory */
  VAKT_AGENT_PG_CONFIG_DIR: ZAbsPath.optional(),
  /** fence: how long the fallback `pg_ctl stop -m immediate` may wait (seconds, `-t`) */
  VAKT_AGENT_IMMEDIATE_STOP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** restore drills: where scratch instances are restored (needs room for a full restore); default the OS temp directory */
  VAKT_AGENT_DRILL_DIR: ZAbsPath.refine((v) => !/[\s'"\\]/.test(v), 'must not contain spaces, quotes or backslashes').optional(),
});

export type TAgentConfig = {
  listen: { host: string; port: number };
  token: string;
  node: string;
  site: string;
  pgUrl: string;
  dataDir: string;
  pgBin: string;
  runAs: string;
  stateDir: string;
  pgbackrest: { stanza: string; config?: string; bin: string } | null;
  logLevel: (typeof LOG_LEVELS)[number];
  replicationAddress: { host: string; port: number } | null;
  replicationConninfo: string | null;
  rewindConninfo: string | null;
  pgTimeoutMs: number;
  promoteWaitSeconds: number;
  stopTimeoutSeconds: number;
  immediateStopTimeoutSeconds: number;
  startTimeoutSeconds: number;
  pgConfigDir: string;
  drillDir: string;
};

export class AgentConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid agent configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AgentConfigError';
  }
}

/** Parses `KEY=VALUE` lines; `#` comments and blank lines ignored; optional `export `, optional quotes. */
export function parseConfigFile(text: string, file = 'config'): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push(`${file}:${i + 1}: expected KEY=VALUE`);
      return;
    }
    let value = m[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1]] = value;
  });
  if (problems.length) throw new AgentConfigError(problems);
  return out;
}

function configFileFromArgv(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') {
      if (!argv[i + 1]) throw new AgentConfigError(['--config needs a file name']);
      return argv[i + 1];
    }
    if (argv[i].startsWith('--config=')) return argv[i].slice('--config='.length);
  }
  return undefined;
}

export function loadAgentConfig(opts: { env?: Record<string, string | undefined>; argv?: string[] } = {}): TAgentConfig {
  const env = opts.env ?? process.env;
  const file = configFileFromArgv(opts.argv ?? process.argv.slice(2));
  let fromFile: Record<string, string> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new AgentConfigError([`--config ${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`]);
    }
    fromFile = parseConfigFile(text, file);
    const unknown = Object.keys(fromFile).filter((k) => !(k in ZAgentEnv.shape));
    if (unknown.length) throw new AgentConfigError(unknown.map((k) => `${k}: unknown key in ${file}`));
  }
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const key of Object.keys(ZAgentEnv.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') merged[key] = v;
    if (merged[key] === '') delete merged[key];
  }
  const parsed = ZAgentEnv.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((iss) => {
      const key = String(iss.path[0] ?? 'config');
      const msg = merged[key] === undefined && iss.code === 'invalid_type' ? 'is required' : iss.message;
      return `${key}: ${msg}`;
    });
    throw new AgentConfigError(problems);
  }
  const e = parsed.data;
  if (e.VAKT_AGENT_PGBACKREST_CONFIG && !e.VAKT_AGENT_PGBACKREST_STANZA) {
    throw new AgentConfigError(['VAKT_AGENT_PGBACKREST_CONFIG: set only together with VAKT_AGENT_PGBACKREST_STANZA']);
  }
  return {
    listen: e.VAKT_AGENT_LISTEN,
    token: e.VAKT_AGENT_TOKEN,
    node: e.VAKT_AGENT_NODE,
    site: e.VAKT_AGENT_SITE,
    pgUrl: e.VAKT_AGENT_PG_URL,
    dataDir: e.VAKT_AGENT_DATA_DIR,
    pgBin: e.VAKT_AGENT_PG_BIN,
    runAs: e.VAKT_AGENT_RUN_AS,
    stateDir: e.VAKT_AGENT_STATE_DIR,
    pgbackrest: e.VAKT_AGENT_PGBACKREST_STANZA
      ? { stanza: e.VAKT_AGENT_PGBACKREST_STANZA, config: e.VAKT_AGENT_PGBACKREST_CONFIG, bin: e.VAKT_AGENT_PGBACKREST_BIN }
      : null,
    logLevel: e.VAKT_AGENT_LOG_LEVEL,
    replicationAddress: e.VAKT_AGENT_REPLICATION_ADDRESS ?? null,
    replicationConninfo: e.VAKT_AGENT_REPLICATION_CONNINFO ?? null,
    rewindConninfo: e.VAKT_AGENT_REWIND_CONNINFO ?? null,
    pgTimeoutMs: e.VAKT_AGENT_PG_TIMEOUT_MS,
    promoteWaitSeconds: e.VAKT_AGENT_PROMOTE_WAIT_SECONDS,
    stopTimeoutSeconds: e.VAKT_AGENT_STOP_TIMEOUT_SECONDS,
    immediateStopTimeoutSeconds: e.VAKT_AGENT_IMMEDIATE_STOP_TIMEOUT_SECONDS,
    startTimeoutSeconds: e.VAKT_AGENT_START_TIMEOUT_SECONDS,
    pgConfigDir: e.VAKT_AGENT_PG_CONFIG_DIR ?? e.VAKT_AGENT_DATA_DIR,
    drillDir: e.VAKT_AGENT_DRILL_DIR ?? os.tmpdir(),
  };
}
