import { describe, expect, it } from 'vitest';
import { failingFindings, parseArgs, runVaktctl, UsageError } from './cli.ts';

const f = (severity: 'error' | 'warning' | 'info', code = severity.toUpperCase()) => ({ code, severity, message: code });

describe('vaktctl arguments', () => {
  it.each([
    [['plan', '-f', 'r.yaml'], { command: 'plan', file: 'r.yaml', json: false }],
    [['apply', '--file=r.yaml', '--json', '--fail-on', 'warning'], { command: 'apply', file: 'r.yaml', json: true, failOn: 'warning' }],
    [['status', 'orders', '--url', 'http://v', '--token', 't'], { command: 'status', positional: ['orders'], url: 'http://v', token: 't' }],
    [['plan', '-f', 'r.yaml', '--context', 'orders'], { context: 'orders' }],
  ])('%j', (argv, want) => expect(parseArgs(argv)).toMatchObject(want));

  it.each([
    [['plan', '--fail-on', 'info'], '--fail-on must be error or warning (got "info")'],
    [['plan', '-f'], '-f needs a value'],
    [['plan', '--colour'], 'unknown option --colour'],
  ])('%j is refused: %s', (argv, message) => expect(() => parseArgs(argv)).toThrow(new UsageError(message)));
});

describe('--fail-on', () => {
  const all = [f('error'), f('warning'), f('info')];
  it.each([
    [undefined, []],
    ['error', ['ERROR']],
    ['warning', ['ERROR', 'WARNING']],
  ] as const)('%s fails on %j', (failOn, codes) => expect(failingFindings(all, failOn).map((x) => x.code)).toEqual(codes));
});

describe('runVaktctl without a server', () => {
  const run = async (argv: string[], env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVaktctl(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l), readFile: async () => 'context: orders\nspec: {}\n' });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  it('an unknown command, a missing URL or token, a URL that is not http(s): exit 1 naming it', async () => {
    expect(await run(['frobnicate'])).toMatchObject({ code: 1, err: expect.stringContaining('unknown command frobnicate') });
    expect(await run(['plan', '-f', 'r.yaml'])).toMatchObject({ code: 1, err: expect.stringContaining('no Vakt URL') });
    expect(await run(['plan', '-f', 'r.yaml'], { VAKT_URL: 'http://127.0.0.1:9' })).toMatchObject({ code: 1, err: expect.stringContaining('no API token') });
    expect(await run(['plan', '-f', 'r.yaml'], { VAKT_URL: 'ftp://x', VAKT_TOKEN: 't' })).toMatchObject({ code: 1, err: expect.stringContaining('must start with http:// or https://') });
  });
  it('an unreachable Vakt is exit 1 (never 0 or 2)', async () => {
    const r = await run(['plan', '-f', 'r.yaml', '--json'], { VAKT_URL: 'http://127.0.0.1:9', VAKT_TOKEN: 't' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ error: { status: 0, code: 'UNREACHABLE' } });
  });
  it('--help is exit 0', async () => expect((await run(['--help'])).code).toBe(0));
});
