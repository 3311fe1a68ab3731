import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi';

// The OpenAPI lint of `npm test` (issue 16 item 5): Redocly's `recommended-strict` rule set (every
// warning an error) over the document /api/v1/openapi.json serves, with the options of
// `npm run lint:openapi -- <file or URL>` (package.json, the one place they are written). Two rules are
// off, on purpose: info-license (a private product) and operation-4xx-response (the public health,
// document and next-auth endpoints have no client errors; openapi.test.ts checks that every
// authenticated operation documents 401 and the error schema).
const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
const [bin, ...options] = pkg.scripts['lint:openapi'].split(/\s+/);

describe('OpenAPI lint (redocly recommended-strict)', () => {
  it('the served document has no problem', async () => {
    expect(bin).toBe('redocly');
    expect(options).toContain('--extends=recommended-strict');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-openapi-'));
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(buildOpenApiDocument(), null, 2));
    try {
      const run = await promisify(execFile)(process.execPath, [cli, ...options, '--format=json', file], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
      const out = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string; location?: Array<{ pointer?: string }> }> };
      const problems = out.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);
      expect(problems).toEqual([]);
      expect(out.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
