import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig, parseConfigFile, AgentConfigError } from './config.ts';

const good = {
  VAKT_AGENT_TOKEN: 'a-long-enough-token-123',
  VAKT_AGENT_NODE: 'oslo-1',
  VAKT_AGENT_SITE: 'oslo',
  VAKT_AGENT_PG_URL: 'postgresql://vakt_agent@127.0.0.1:5432/postgres',
  VAKT_AGENT_DATA_DIR: '/var/lib/postgresql/15/main',
  VAKT_AGENT_PG_BIN: '/usr/lib/postgresql/15/bin',
  VAKT_AGENT_STATE_DIR: '/var/lib/vakt-agent',
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AgentConfigError);
    return (e as AgentConfigError).problems;
  }
  throw new Error('expected AgentConfigError');
}

describe('loadAgentConfig', () => {
  it('applies defaults', () => {
    const c = loadAgentConfig({ env: good, argv: [] });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(c.runAs).toBe('postgres');
    expect(c.pgbackrest).toBeNull();
    expect(c.node).toBe('oslo-1');
    expect([c.stopTimeoutSeconds, c.immediateStopTimeoutSeconds, c.promoteWaitSeconds]).toEqual([60, 30, 30]);
    const short = loadAgentConfig({ env: { ...good, VAKT_AGENT_STOP_TIMEOUT_SECONDS: '2', VAKT_AGENT_IMMEDIATE_STOP_TIMEOUT_SECONDS: '1', VAKT_AGENT_PROMOTE_WAIT_SECONDS: '3' }, argv: [] });
    expect([short.stopTimeoutSeconds, short.immediateStopTimeoutSeconds, short.promoteWaitSeconds]).toEqual([2, 1, 3]);
    expect(problemsOf(() => loadAgentConfig({ env: { ...good, VAKT_AGENT_STOP_TIMEOUT_SECONDS: '0' }, argv: [] })).join('\n')).toContain('VAKT_AGENT_STOP_TIMEOUT_SECONDS');
    expect(c.replicationAddress).toBeNull();
  });

  it('reads the replication address peers stream WAL from', () => {
    expect(loadAgentConfig({ env: { ...good, VAKT_AGENT_REPLICATION_ADDRESS: '10.0.0.11:5432' }, argv: [] }).replicationAddress).toEqual({ host: '10.0.0.11', port: 5432 });
    expect(loadAgentConfig({ env: { ...good, VAKT_AGENT_REPLICATION_ADDRESS: '[fd00::11]:5433' }, argv: [] }).replicationAddress).toEqual({ host: 'fd00::11', port: 5433 });
    expect(problemsOf(() => loadAgentConfig({ env: { ...good, VAKT_AGENT_REPLICATION_ADDRESS: 'db-1' }, argv: [] }))).toEqual(['VAKT_AGENT_REPLICATION_ADDRESS: must be host:port, e.g. 127.0.0.1:7070']);
    expect(problemsOf(() => loadAgentConfig({ env: { ...good, VAKT_AGENT_REPLICATION_ADDRESS: 'db-1:0' }, argv: [] }))).toEqual(['VAKT_AGENT_REPLICATION_ADDRESS: port must be 1..65535']);
  });

  it.each([
    ['VAKT_AGENT_TOKEN', { VAKT_AGENT_TOKEN: undefined }, 'VAKT_AGENT_TOKEN: is required'],
    ['VAKT_AGENT_TOKEN', { VAKT_AGENT_TOKEN: 'short' }, 'VAKT_AGENT_TOKEN: must be at least 16 characters'],
    ['VAKT_AGENT_LISTEN', { VAKT_AGENT_LISTEN: 'localhost' }, 'VAKT_AGENT_LISTEN: must be host:port'],
    ['VAKT_AGENT_LISTEN', { VAKT_AGENT_LISTEN: '0.0.0.0:70000' }, 'VAKT_AGENT_LISTEN: port must be 0..65535'],
    ['VAKT_AGENT_PG_URL', { VAKT_AGENT_PG_URL: 'mysql://x' }, 'VAKT_AGENT_PG_URL: must be a postgresql:// connection string'],
    ['VAKT_AGENT_DATA_DIR', { VAKT_AGENT_DATA_DIR: 'relative/dir' }, 'VAKT_AGENT_DATA_DIR: must be an absolute path'],
    ['VAKT_AGENT_STATE_DIR', { VAKT_AGENT_STATE_DIR: undefined }, 'VAKT_AGENT_STATE_DIR: is required'],
    ['VAKT_AGENT_RUN_AS', { VAKT_AGENT_RUN_AS: 'bad user;' }, 'VAKT_AGENT_RUN_AS: must be an OS user name'],
    ['VAKT_AGENT_PGBACKREST_STANZA', { VAKT_AGENT_PGBACKREST_STANZA: 'a b' }, 'VAKT_AGENT_PGBACKREST_STANZA: must be a stanza name'],
    ['VAKT_AGENT_PGBACKREST_CONFIG', { VAKT_AGENT_PGBACKREST_CONFIG: '/etc/pgbackrest.conf' }, 'VAKT_AGENT_PGBACKREST_CONFIG: set only together with'],
  ])('names %s when it is wrong', (_name, patch, expected) => {
    const env = { ...good, ...patch } as Record<string, string | undefined>;
    const problems = problemsOf(() => loadAgentConfig({ env, argv: [] }));
    expect(problems.join('\n')).toContain(expected);
  });

  it('reports every bad variable at once and never echoes the token', () => {
    const problems = problemsOf(() => loadAgentConfig({ env: { VAKT_AGENT_TOKEN: 'secret12' }, argv: [] }));
    const text = problems.join('\n');
    for (const key of ['VAKT_AGENT_TOKEN', 'VAKT_AGENT_SITE', 'VAKT_AGENT_PG_URL', 'VAKT_AGENT_DATA_DIR', 'VAKT_AGENT_PG_BIN', 'VAKT_AGENT_STATE_DIR']) {
      expect(text).toContain(key);
    }
    expect(text).not.toContain('secret12');
  });

  it('reads --config FILE, and the environment wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-cfg-'));
    const file = path.join(dir, 'agent.conf');
    fs.writeFileSync(
      file,
      Object.entries(good).map(([k, v]) => `${k}=${v}`).join('\n') + `\n# comment\nexport VAKT_AGENT_LISTEN="0.0.0.0:7171"\nVAKT_AGENT_SITE=from-file\nVAKT_AGENT_PGBACKREST_STANZA=main\n`,
    );
    try {
      const c = loadAgentConfig({ env: { VAKT_AGENT_SITE: 'from-env' }, argv: ['--config', file] });
      expect(c.listen).toEqual({ host: '0.0.0.0', port: 7171 });
      expect(c.site).toBe('from-env');
      expect(c.pgbackrest).toEqual({ stanza: 'main', config: undefined, bin: 'pgbackrest' });
      expect(problemsOf(() => loadAgentConfig({ env: {}, argv: ['--config', path.join(dir, 'missing')] }))[0]).toContain('ENOENT');
      fs.writeFileSync(file, 'VAKT_AGENT_TYPO=1\n');
      expect(problemsOf(() => loadAgentConfig({ env: {}, argv: ['--config', file] }))).toEqual([`VAKT_AGENT_TYPO: unknown key in ${file}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parseConfigFile names the bad line', () => {
    expect(() => parseConfigFile('A=1\nnot a pair\n', 'x.conf')).toThrow('x.conf:2: expected KEY=VALUE');
    expect(parseConfigFile("A='q'\n\n# c\nB = two words")).toEqual({ A: 'q', B: 'two words' });
  });
});
