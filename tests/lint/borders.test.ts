import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The borders of eslint.config.mjs (docs/architecture.md) are real: the repository's own config, run on
// fixtures that break them, reports each break under the rule that owns it. The fixtures live in
// tests/lint/fixtures/ (ignored by `eslint .`); files that must sit inside a border's folder are linted
// as if they were there (lintText with that filePath, nothing written into lib/ or components/).
const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

type TMessage = { ruleId: string | null; message: string; line: number };
const messagesOf = (results: ESLint.LintResult[]): TMessage[] =>
  results.flatMap((r) => r.messages.map((m) => ({ ruleId: m.ruleId, message: m.message, line: m.line })));
const rulesOf = (results: ESLint.LintResult[]) => [...new Set(messagesOf(results).map((m) => m.ruleId))].sort();

let eslint: ESLint;
beforeAll(() => {
  // ignore: false lets the config's rules reach tests/lint/fixtures/, which `eslint .` skips
  eslint = new ESLint({ cwd: ROOT, ignore: false });
});

describe('eslint.config.mjs borders', () => {
  it('reports an import cycle (import-x/no-cycle)', async () => {
    const results = await eslint.lintFiles([path.join(FIXTURES, 'cycle-a.ts'), path.join(FIXTURES, 'cycle-b.ts')]);
    const cycles = messagesOf(results).filter((m) => m.ruleId === 'import-x/no-cycle');
    expect(cycles).toHaveLength(2);
    expect(rulesOf(results)).toEqual(['import-x/no-cycle']);
  }, 120_000);

  it('reports the database imported by the pure safety engine (import-x/no-restricted-paths, no-restricted-imports)', async () => {
    const filePath = path.join(ROOT, 'lib/safety/engine/__lint-fixture-imports-db.ts');
    const results = await eslint.lintText(fixture('engine-imports-db.ts'), { filePath });
    const messages = messagesOf(results);
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: 'import-x/no-restricted-paths', line: 3 }));
    expect(messages).toContainEqual(expect.objectContaining({ ruleId: 'no-restricted-imports', line: 2 }));
    expect(rulesOf(results)).toEqual(['import-x/no-restricted-paths', 'no-restricted-imports', 'vakt/pure-no-reach']);
  }, 120_000);

  it('passes the same file outside the pure folders', async () => {
    const filePath = path.join(ROOT, 'lib/telemetry/__lint-fixture-imports-db.ts');
    const results = await eslint.lintText(fixture('engine-imports-db.ts'), { filePath });
    expect(messagesOf(results)).toEqual([]);
  }, 120_000);

  it.each([
    ['lib/registry/__x.ts', "import { x } from '@/app/layout';", 'import-x/no-restricted-paths'],
    ['lib/registry/__x.ts', "import { x } from '@/components/Providers';", 'import-x/no-restricted-paths'],
    ['lib/registry/__x.ts', "import { x } from '@/scripts/system-deps.mjs';", 'import-x/no-restricted-paths'],
    ['app/__x.ts', "import { x } from '@/tests/setup/db-env';", 'import-x/no-restricted-paths'],
    ['lib/pg/__x.ts', "import fs from 'node:fs';", 'no-restricted-imports'],
    ['lib/findings/live-compliance.ts', "import { x } from 'next/server';", 'no-restricted-imports'],
    ['lib/safety/engine/__x.ts', "import { x } from '@prisma/client';", 'no-restricted-imports'],
    ['lib/safety/engine/__x.ts', "import { x } from '@/lib/agent/protocol';", 'import-x/no-restricted-paths'],
    ['lib/promotion/__x.ts', "import { x } from '@/lib/readmodel/read';", 'import-x/no-restricted-paths'],
    ['lib/safety/__x.ts', "import { x } from '../readmodel/freshness';", 'import-x/no-restricted-paths'],
  ])('%s: %s is reported by %s', async (file, code, rule) => {
    const results = await eslint.lintText(`${code}\nexport const y = x;\n`, { filePath: path.join(ROOT, file) });
    expect(messagesOf(results).map((m) => m.ruleId)).toContain(rule);
  }, 120_000);

  it("reports a client component ('use client') that reaches the database (vakt/client-no-server-only)", async () => {
    const filePath = path.join(ROOT, 'components/__lint-fixture-client-imports-db.tsx');
    const results = await eslint.lintText(fixture('client-imports-db.tsx'), { filePath });
    expect(messagesOf(results)).toEqual([expect.objectContaining({ ruleId: 'vakt/client-no-server-only', line: 3 })]);
  }, 120_000);
});
