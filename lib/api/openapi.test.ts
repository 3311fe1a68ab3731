import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ZAbandonBody, ZApprovalBody, ZCancelBody, ZListPromotionsQuery, ZRejectBody, ZRequestPromotionBody } from '@/lib/promotion/schemas';
import { ZRegisterClusterInput } from '@/lib/registry/register-cluster';
import { buildOpenApiDocument } from './openapi';

// The document must describe every route the app serves: walk app/api for route.ts files, derive the
// URL path ([name] -> {name}, [...x] -> {x}) and the HTTP methods each file exports.
const API_DIR = path.resolve(import.meta.dirname, '../../app/api');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(p) : e.name === 'route.ts' ? [p] : [];
  });
}

function urlPath(file: string): string {
  const rel = path.relative(API_DIR, path.dirname(file)).split(path.sep).filter(Boolean);
  return '/api/' + rel.map((seg) => seg.replace(/^\[\.\.\.(.+)\]$/, '{$1}').replace(/^\[(.+)\]$/, '{$1}')).join('/');
}

function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const m of METHODS) {
    if (new RegExp(`export\\s+(const|async\\s+function|function)\\s+${m}\\b`).test(source)) found.add(m);
  }
  for (const block of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of block[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name && (METHODS as readonly string[]).includes(name)) found.add(name);
    }
  }
  return [...found];
}

const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: { name: string; in: string }[] }>> };
const files = routeFiles(API_DIR);
const routes = files.map((f) => ({ file: path.relative(API_DIR, f), path: urlPath(f), methods: exportedMethods(fs.readFileSync(f, 'utf8')) }));

describe('OpenAPI document', () => {
  it('finds the route files (sanity of the walk)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.find((r) => r.path === '/api/v1/clusters/{name}/safety')?.methods).toEqual(['GET']);
    expect(routes.find((r) => r.path === '/api/auth/{nextauth}')?.methods.sort()).toEqual(['GET', 'POST']);
  });

  it.each(routes)('$path ($file) has an entry for every exported method', (r) => {
    expect(r.methods.length, `${r.file} exports no HTTP method`).toBeGreaterThan(0);
    expect(doc.paths[r.path], `${r.path} missing from the document`).toBeDefined();
    for (const m of r.methods) expect(doc.paths[r.path][m.toLowerCase()], `${m} ${r.path}`).toBeDefined();
  });

  it('documents no path or method the app does not serve', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      const r = routes.find((x) => x.path === p);
      expect(r, `${p} is documented but has no route`).toBeDefined();
      for (const m of Object.keys(ops)) expect(r!.methods, `${m.toUpperCase()} ${p} is documented but not exported`).toContain(m.toUpperCase());
    }
  });

  const json = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  it.each([
    ['/api/v1/clusters', 'post', ZRegisterClusterInput],
    ['/api/v1/clusters/{name}/promotions', 'post', ZRequestPromotionBody],
    ['/api/v1/promotions/{id}/approvals', 'post', ZApprovalBody],
    ['/api/v1/promotions/{id}/reject', 'post', ZRejectBody],
    ['/api/v1/promotions/{id}/cancel', 'post', ZCancelBody],
    ['/api/v1/promotions/{id}/abandon', 'post', ZAbandonBody],
  ] as const)('%s %s: the request body is the JSON schema of the zod schema the route validates with', (p, method, schema) => {
    expect(doc.paths[p][method].requestBody?.content['application/json'].schema).toEqual(json(schema));
  });

  it('the register-cluster schema names what a client must send', () => {
    const body = JSON.stringify(doc.paths['/api/v1/clusters'].post.requestBody);
    for (const field of ['name', 'kind', 'contexts', 'members', 'agentUrl', 'agentToken', 'site']) expect(body).toContain(`"${field}"`);
  });

  it('GET /api/v1/promotions documents the query of ZListPromotionsQuery', () => {
    expect(doc.paths['/api/v1/promotions'].get.parameters?.map((x) => [x.name, x.in])).toEqual(Object.keys(ZListPromotionsQuery.shape).map((n) => [n, 'query']));
  });

  it.each(['/api/metrics', '/api/health', '/api/v1/clusters/{name}', '/api/v1/promotions/{id}'])('%s is documented', (p) => expect(doc.paths[p]?.get).toBeDefined());
});

// Stable operation ids: client generators name their functions after them, so they are never renamed
// (a new operation adds its row here).
const OPERATION_IDS: Record<string, string> = {
  'GET /api/auth/{nextauth}': 'authGet',
  'POST /api/auth/{nextauth}': 'authPost',
  'GET /api/health': 'getHealth',
  'GET /api/metrics': 'getMetrics',
  'GET /api/v1/alerts': 'listAlerts',
  'POST /api/v1/alerts/{id}/ack': 'ackAlert',
  'GET /api/v1/audit': 'listAuditEvents',
  'GET /api/v1/classes': 'listClasses',
  'PATCH /api/v1/classes/{id}': 'updateClass',
  'GET /api/v1/clusters': 'listClusters',
  'POST /api/v1/clusters': 'registerCluster',
  'GET /api/v1/clusters/{name}': 'getCluster',
  'PATCH /api/v1/clusters/{name}': 'updateCluster',
  'GET /api/v1/clusters/{name}/backups': 'getClusterBackups',
  'PUT /api/v1/clusters/{name}/drill-host': 'setDrillHost',
  'DELETE /api/v1/clusters/{name}/drill-host': 'clearDrillHost',
  'POST /api/v1/clusters/{name}/drills': 'requestDrill',
  'GET /api/v1/clusters/{name}/drills': 'listClusterDrills',
  'PUT /api/v1/clusters/{name}/maintenance': 'setMaintenance',
  'DELETE /api/v1/clusters/{name}/maintenance': 'endMaintenance',
  'GET /api/v1/clusters/{name}/promotions': 'listClusterPromotions',
  'POST /api/v1/clusters/{name}/promotions': 'requestPromotion',
  'GET /api/v1/clusters/{name}/safety': 'getClusterSafety',
  'POST /api/v1/clusters/{name}/switchovers': 'requestSwitchover',
  'GET /api/v1/clusters/{name}/members/{member}/rejoin': 'listRejoins',
  'POST /api/v1/clusters/{name}/members/{member}/rejoin': 'requestRejoin',
  'POST /api/v1/clusters/{name}/members/{member}/rejoin/{id}/approvals': 'approveRejoin',
  'POST /api/v1/clusters/{name}/members/{member}/rejoin/{id}/reject': 'rejectRejoin',
  'POST /api/v1/clusters/{name}/members/{member}/rejoin/{id}/cancel': 'cancelRejoin',
  'GET /api/v1/clusters/{name}/rejoins': 'listClusterRejoins',
  'GET /api/v1/contexts': 'listContexts',
  'GET /api/v1/contexts/{slug}': 'getContext',
  'PUT /api/v1/contexts/{slug}/declaration': 'putDeclaration',
  'POST /api/v1/contexts/{slug}/declarations/{version}/accept': 'acceptDeclaration',
  'POST /api/v1/contexts/{slug}/declarations/{version}/reject': 'rejectDeclaration',
  'GET /api/v1/contexts/{slug}/declarations': 'listDeclarationVersions',
  'GET /api/v1/contexts/{slug}/findings': 'getContextFindings',
  'GET /api/v1/contexts/{slug}/readiness': 'getContextReadiness',
  'GET /api/v1/drills': 'listDrills',
  'GET /api/v1/drills/{id}': 'getDrill',
  'POST /api/v1/drills/results': 'recordExternalDrillResult',
  'GET /api/v1/openapi.json': 'getOpenApiDocument',
  'GET /api/v1/overview': 'getOverview',
  'GET /api/v1/promotions': 'listPromotions',
  'GET /api/v1/promotions/{id}': 'getPromotion',
  'POST /api/v1/promotions/{id}/abandon': 'abandonPromotion',
  'POST /api/v1/promotions/{id}/approvals': 'approvePromotion',
  'POST /api/v1/promotions/{id}/cancel': 'cancelPromotion',
  'POST /api/v1/promotions/{id}/reject': 'rejectPromotion',
  'GET /api/v1/receivers': 'listReceivers',
  'POST /api/v1/receivers': 'createReceiver',
  'DELETE /api/v1/receivers/{id}': 'deleteReceiver',
  'GET /api/v1/silences': 'listSilences',
  'POST /api/v1/silences': 'createSilence',
  'GET /api/v1/sites': 'listSites',
  'POST /api/v1/sites': 'createSite',
  'GET /api/v1/stream': 'streamChanges',
  'GET /api/v1/teams': 'listTeams',
  'POST /api/v1/teams': 'createTeam',
};
const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op: op as unknown as { operationId?: string; 'x-vakt-role': string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> } })));

describe('OpenAPI operations for client generators', () => {
  it('every operation has its pinned, unique operationId', () => {
    expect(Object.fromEntries(ops.map((o) => [o.key, o.op.operationId]))).toEqual(OPERATION_IDS);
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
  });

  it.each(ops.filter((o) => o.op['x-vakt-role'] !== 'public'))('$key documents 401 (and its other errors) with the error schema', ({ op }) => {
    expect(op.responses['401']).toBeDefined();
    for (const [status, r] of Object.entries(op.responses)) if (/^4/.test(status)) expect(r.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it.each([
    ['PUT /api/v1/contexts/{slug}/declaration', ['400', '401', '403', '404', '409', '422']],
    ['GET /api/v1/clusters/{name}/safety', ['401', '404']],
    ['GET /api/v1/clusters', ['401', '422']],
    ['POST /api/v1/clusters/{name}/drills', ['400', '401', '403', '404', '409', '422']],
    ['DELETE /api/v1/receivers/{id}', ['401', '403', '404']],
    ['GET /api/health', []],
  ])('%s answers exactly the errors %j', (key, errors) => {
    const op = ops.find((o) => o.key === key)!.op;
    expect(Object.keys(op.responses).filter((s) => /^[45]/.test(s)).sort()).toEqual(errors);
  });
});
