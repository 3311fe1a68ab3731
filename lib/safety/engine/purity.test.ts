import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The safety engine is pure (docs/safety.md): it may import zod, lib/pg (the PostgreSQL vocabulary)
// and its own files, nothing else — no database, no agent, no clock, no network.
const dir = import.meta.dirname;
const sources = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const allowed = (spec: string) => spec === 'zod' || spec === '@/lib/pg' || spec.startsWith('@/lib/pg/') || /^\.\/[\w.-]+$/.test(spec);

describe('safety engine purity', () => {
  it.each(sources.map((f) => [f]))('%s imports only zod, lib/pg and the engine', (file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const specs = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(specs.filter((s) => !allowed(s))).toEqual([]);
  });
});
