import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import next from 'eslint-config-next';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import ts from 'typescript';

// Borders between the folders (docs/architecture.md), enforced here and proven by tests/lint/borders.test.ts.

const ROOT = import.meta.dirname;
const SOURCES = ['**/*.ts', '**/*.tsx', '**/*.mjs'];
const TESTS = ['**/*.test.ts', '**/*.int.test.ts', '**/*.test.tsx'];

/** The pure parts: the promotion-safety engine, pure findings, the PostgreSQL vocabulary. */
const PURE = [
  'lib/safety/engine/**',
  'lib/findings/lint-declaration.ts',
  'lib/findings/live-compliance.ts',
  'lib/findings/types.ts',
  'lib/findings/live-types.ts',
  'lib/pg/**',
  'lib/safety/history.ts',
  'lib/safety/context-policy.ts',
  'lib/promotion/rules.ts',
  'lib/readmodel/freshness.ts',
  'lib/alerts/rules.ts',
  'lib/alerts/payloads.ts',
];
/** Modules that must never reach a client bundle (the database, secrets, sessions, the server env). */
const SERVER_ONLY_FILES = ['lib/base/db.ts', 'lib/base/env.ts', 'lib/base/secret-box.ts', 'lib/auth/**', 'lib/generated/**'];
/** ...except these, which are pure and shared with the browser. */
const CLIENT_SAFE_FILES = ['lib/auth/roles.ts'];
const NODE_IO = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'dns/promises', 'tls', 'cluster', 'worker_threads', 'readline', 'readline/promises', 'os', 'process', 'inspector', 'repl', 'v8', 'vm', 'module'];
const nodeIo = NODE_IO.flatMap((m) => [m, `node:${m}`]);
const DATABASE_PACKAGES = ['pg', 'pg/*', '@prisma/*', 'prisma', 'prisma/*'];
const NEXT_PACKAGES = ['next', 'next/*', 'next-auth', 'next-auth/*'];
/** no-restricted-imports `regex` for bare package names ('pg' and 'pg/x', never '@/lib/pg') */
const packageRegex = (names) => `^(${names.map((n) => n.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\/\*$/, '/.+')).join('|')})$`;
const ALL_NODE = builtinModules.flatMap((m) => [m, `node:${m}`]);

// ---- vakt/pure-no-reach and vakt/client-no-server-only (one rule, two configurations): a file must not reach (through value imports, transitively) forbidden files or packages.
// Type-only imports are not followed (they never reach a bundle). Repository files are parsed once per run.

const importsCache = new Map();
function globToRegExp(glob) {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*');
  return new RegExp(`^${re}$`);
}
function resolveLocal(fromFile, spec) {
  let base;
  if (spec.startsWith('@/')) base = path.join(ROOT, spec.slice(2));
  else if (spec.startsWith('.')) base = path.resolve(path.dirname(fromFile), spec);
  else return null;
  for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}.mjs`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')]) {
    try {
      if (fs.statSync(c).isFile()) return c;
    } catch {
      /* next candidate */
    }
  }
  return null;
}
/** Value imports of one file: [{ spec, pos }]. A 'use server' module (server actions) is a boundary: the browser gets references only. */
function valueImports(file, text, { followServerActions = false } = {}) {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out = [];
  if (!followServerActions && directives(src).includes('use server')) return out;
  const visit = (n) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const typeOnly = c && (c.isTypeOnly || (!c.name && c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push({ spec: n.moduleSpecifier.text, pos: n.getStart(src) });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      if (!n.isTypeOnly) out.push({ spec: n.moduleSpecifier.text, pos: n.getStart(src) });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      out.push({ spec: n.arguments[0].text, pos: n.getStart(src) });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}
function directives(src) {
  const out = [];
  for (const s of src.statements) {
    if (!ts.isExpressionStatement(s) || !ts.isStringLiteral(s.expression)) break;
    out.push(s.expression.text);
  }
  return out;
}
function importsOf(file) {
  if (!importsCache.has(file)) importsCache.set(file, valueImports(file, fs.readFileSync(file, 'utf8')));
  return importsCache.get(file);
}
function packageMatches(spec, patterns) {
  return patterns.some((p) => (p.endsWith('/*') ? spec.startsWith(p.slice(0, -1)) || spec === p.slice(0, -2) : spec === p));
}
const isForbidden = (rel, forbidden) => forbidden.files.some((re) => re.test(rel)) && !forbidden.except.some((re) => re.test(rel));
/** The chain from `file` to the first forbidden file or package, or null. */
function findReach(file, forbidden, seen) {
  if (seen.has(file)) return null;
  seen.add(file);
  for (const { spec } of importsOf(file)) {
    if (packageMatches(spec, forbidden.packages)) return [spec];
    const target = resolveLocal(file, spec);
    if (!target || target.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const rel = path.relative(ROOT, target).split(path.sep).join('/');
    if (isForbidden(rel, forbidden)) return [rel];
    const chain = findReach(target, forbidden, seen);
    if (chain) return [rel, ...chain];
  }
  return null;
}
const noReach = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid reaching files or packages through value imports, transitively' },
    schema: [{ type: 'object', properties: { files: { type: 'array' }, except: { type: 'array' }, packages: { type: 'array' }, onlyUseClient: { type: 'boolean' }, what: { type: 'string' } }, additionalProperties: false }],
    messages: { reach: '{{what}} must not reach {{target}} (via {{chain}})' },
  },
  create(context) {
    const opts = context.options[0] ?? {};
    const forbidden = { files: (opts.files ?? []).map(globToRegExp), except: (opts.except ?? []).map(globToRegExp), packages: opts.packages ?? [] };
    const what = opts.what ?? 'this module';
    return {
      Program(program) {
        const file = context.filename;
        if (opts.onlyUseClient && !program.body.some((s) => s.type === 'ExpressionStatement' && s.directive === 'use client')) return;
        const text = context.sourceCode.text;
        for (const { spec, pos } of valueImports(file, text, { followServerActions: true })) {
          let chain = null;
          if (packageMatches(spec, forbidden.packages)) chain = [spec];
          else {
            const target = resolveLocal(file, spec);
            if (!target || target.includes(`${path.sep}node_modules${path.sep}`)) continue;
            const rel = path.relative(ROOT, target).split(path.sep).join('/');
            if (isForbidden(rel, forbidden)) chain = [rel];
            else {
              const rest = findReach(target, forbidden, new Set([file]));
              if (rest) chain = [rel, ...rest];
            }
          }
          if (chain) {
            const loc = context.sourceCode.getLocFromIndex(pos);
            context.report({ loc, messageId: 'reach', data: { what, target: chain.at(-1), chain: [spec, ...chain.slice(1)].join(' → ') } });
          }
        }
      },
    };
  },
};

const zone = (target, from, message) => ({ target, from, message });

const config = [
  { ignores: ['lib/generated/**', '.next/**', 'dist/**', 'node_modules/**', '.vakt/**', 'playwright-report/**', 'test-results/**', 'next-env.d.ts', 'tests/lint/fixtures/**'] },
  ...next,
  {
    rules: {
      'react-hooks/set-state-in-effect': 'off',
    },
  },
  {
    // import-x with the TypeScript resolver (tsconfig paths `@/`) for cycles and folder borders
    files: SOURCES,
    plugins: { 'import-x': importX, vakt: { rules: { 'pure-no-reach': noReach, 'client-no-server-only': noReach } } },
    settings: {
      ...importX.flatConfigs.typescript.settings, // parse .ts/.tsx dependencies with the TypeScript parser
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(ROOT, 'tsconfig.json') })],
    },
  },
  {
    // no import cycles anywhere (app, components, lib, scripts, tests, e2e); type-only imports
    // (`import type`, or every specifier `type`) are not followed
    files: SOURCES,
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // folder borders for product code (tests of a folder may use tests/support and the scripts' tooling)
    files: ['app/**', 'components/**', 'lib/**', 'scripts/**', 'instrumentation.ts'],
    ignores: TESTS,
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: ROOT,
          zones: [
            zone('./lib', ['./app', './components'], 'lib/ is below app/ and components/: move the shared code into lib/'),
            zone('./lib', './scripts', 'lib/ never imports dev tooling in scripts/'),
            zone(['./app', './components', './lib', './scripts', './instrumentation.ts'], './tests', 'product code must not import test code; move shared helpers to lib/'),
            zone(PURE.map((p) => `./${p}`), ['./lib/base/db.ts', './lib/generated', './lib/agent'], 'the pure engine, pure findings and lib/pg import no database and nothing from lib/agent (docs/architecture.md)'),
            zone(
              ['./lib/promotion', './lib/safety', './lib/telemetry', './lib/findings', './lib/registry', './lib/auth', './lib/audit', './lib/base', './lib/pg', './lib/agent'],
              './lib/readmodel',
              'the read model is what pages read: nothing that decides or executes may act on a stored verdict; re-evaluate on fresh data (lib/readmodel/README.md)',
            ),
          ],
        },
      ],
    },
  },
  {
    // the pure parts: no database packages, no Next.js, no node I/O (docs/safety.md "purity")
    files: PURE,
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeIo.map((name) => ({ name, message: 'pure code does no I/O (docs/architecture.md)' })),
          patterns: [
            { regex: packageRegex(DATABASE_PACKAGES), message: 'pure code imports no database (docs/architecture.md)' },
            { regex: packageRegex(NEXT_PACKAGES), message: 'pure code does not depend on Next.js (docs/architecture.md)' },
          ],
        },
      ],
      'vakt/pure-no-reach': ['error', { what: 'pure code', files: ['lib/base/db.ts', 'lib/generated/**', 'lib/agent/**'], packages: [...DATABASE_PACKAGES, ...NEXT_PACKAGES, ...nodeIo] }],
    },
  },
  {
    // client components ('use client') never reach server-only modules, through any chain of value imports
    files: ['app/**/*.tsx', 'app/**/*.ts', 'components/**/*.tsx', 'components/**/*.ts', 'lib/**/*.tsx', 'lib/**/*.ts'],
    ignores: TESTS,
    rules: {
      'vakt/client-no-server-only': ['error', { onlyUseClient: true, what: "a client component ('use client')", files: SERVER_ONLY_FILES, except: CLIENT_SAFE_FILES, packages: [...DATABASE_PACKAGES, ...ALL_NODE] }],
    },
  },
];
export default config;
