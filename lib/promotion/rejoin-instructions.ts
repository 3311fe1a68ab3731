// How a fenced (or diverged) old primary rejoins as a replica of the current primary, and how a
// replica left behind on the old timeline (not diverged) is pointed at the current primary. Pure: the
// panel shows these exact commands next to a member marked "needs rebuild" or "needs repoint".

export type TRejoinInput = {
  /** the member to rebuild */
  node: string;
  /** its PostgreSQL data directory, when known (else a placeholder the operator fills in) */
  dataDir?: string | null;
  /** the current primary to rebuild from */
  source: TSource;
  /** pg_rewind needs wal_log_hints=on or data checksums on the old primary; unknown = offer both */
  rewindPossible?: boolean | null;
  pgBin?: string | null;
};

export type TRejoinInstructions = {
  node: string;
  source: string;
  steps: Array<{ title: string; command: string }>;
  note: string;
};

const q = (s: string) => (/^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

type TSource = { node: string; host: string | null; port?: number | null; user?: string | null };

/** What both kinds of instructions fill in: the data directory, the source's host/port/user and the binaries' prefix (placeholders or defaults when unknown). */
function commandFacts(input: { dataDir?: string | null; pgBin?: string | null; source: TSource }) {
  return {
    pgdata: input.dataDir?.trim() || '$PGDATA',
    host: input.source.host?.trim() || '<host of ' + input.source.node + '>',
    port: input.source.port ?? 5432,
    user: input.source.user?.trim() || 'postgres',
    bin: input.pgBin ? input.pgBin.replace(/\/+$/, '') + '/' : '',
  };
}

export function rejoinInstructions(input: TRejoinInput): TRejoinInstructions {
  const { pgdata, host, port, user, bin } = commandFacts(input);
  const conninfo = `host=${host} port=${port} user=${user} dbname=postgres`;
  const rewind = {
    title: `Rewind ${input.node} onto the timeline of ${input.source.node} (PostgreSQL on ${input.node} must be stopped)`,
    command: `${bin}pg_rewind --target-pgdata=${q(pgdata)} --source-server=${q(conninfo)} --progress --write-recovery-conf`,
  };
  const basebackup = {
    title: `Or take a fresh base backup from ${input.source.node} (moves the old data directory aside first)`,
    command: `mv ${q(pgdata)} ${q(pgdata + '.old')} && ${bin}pg_basebackup --pgdata=${q(pgdata)} --dbname=${q(conninfo)} --wal-method=stream --write-recovery-conf --checkpoint=fast --progress`,
  };
  const start = {
    title: `Start ${input.node} as a replica and clear its fence in Vakt's agent once it streams`,
    command: `${bin}pg_ctl start -D ${q(pgdata)}`,
  };
  const steps = input.rewindPossible === false ? [basebackup, start] : [rewind, basebackup, start];
  return {
    node: input.node,
    source: input.source.node,
    steps,
    note:
      input.rewindPossible === false
        ? `${input.node} cannot be rewound (no wal_log_hints or data checksums): rebuild it from a base backup.`
        : `pg_rewind needs wal_log_hints=on or data checksums on ${input.node}; if it fails, use the base backup.`,
  };
}

export type TRepointInput = {
  /** the replica to point at the current primary */
  node: string;
  /** the current primary */
  source: TSource;
  /** the current primary's timeline, when known (what the check should show) */
  timeline?: number | null;
  /** its PostgreSQL data directory and binaries, when known (only PostgreSQL 12 and older need them: a restart) */
  dataDir?: string | null;
  pgBin?: string | null;
};

export type TRepointInstructions = {
  node: string;
  source: string;
  /** `command` holds SQL statements, one a line, each to run on its own (ALTER SYSTEM refuses a transaction block) */
  steps: Array<{ title: string; command: string }>;
  note: string;
};

/** A libpq connection-string value, quoted when needed. */
const connValue = (v: string) => (/^[A-Za-z0-9_.:@/-]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
const sqlLiteral = (v: string) => `'${v.replace(/'/g, "''")}'`;

export function repointInstructions(input: TRepointInput): TRepointInstructions {
  const { pgdata, host, port, user, bin } = commandFacts(input);
  const conninfo = `host=${connValue(host)} port=${port} user=${connValue(user)} application_name=${connValue(input.node)}`;
  const timeline = input.timeline ?? null;
  return {
    node: input.node,
    source: input.source.node,
    steps: [
      {
        title: `On ${input.node}, as a superuser: point it at ${input.source.node} (its old replication slot was on the old primary)`,
        command: [`ALTER SYSTEM SET primary_conninfo = ${sqlLiteral(conninfo)};`, 'ALTER SYSTEM RESET primary_slot_name;', 'SELECT pg_reload_conf();'].join('\n'),
      },
      {
        title: `Check on ${input.node}: status streaming from ${host}:${port}${timeline === null ? ' on the new timeline' : ` on timeline ${timeline}`}`,
        command: 'SELECT status, sender_host, sender_port, received_tli FROM pg_stat_wal_receiver;',
      },
    ],
    note:
      `${input.node} has not diverged: it stopped at or before the point where ${input.source.node}'s timeline forked, so it follows the new timeline ` +
      `once it streams from ${input.source.node} (recovery_target_timeline = 'latest', the default since PostgreSQL 12). PostgreSQL 13 and later apply ` +
      `primary_conninfo on reload; PostgreSQL 12 needs a restart: ${bin}pg_ctl restart -D ${q(pgdata)}.`,
  };
}
