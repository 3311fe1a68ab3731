import { z } from 'zod';
import { ZFinding } from '@/lib/findings/types';
import { ZDeclarationFile, ZDeclarationSpec, ZDeclarationUpdate } from '@/lib/registry/declaration-schema';
import { ZUpdateClassInput } from '@/lib/registry/classes';
import { ZCreateSiteInput } from '@/lib/registry/sites';
import { ZListAuditQuery } from '@/lib/audit/list-audit';
import { ZAbandonBody, ZApprovalBody, ZCancelBody, ZListPromotionsQuery, ZRejectBody, ZRequestPromotionBody } from '@/lib/promotion/schemas';
import { ZRegisterClusterInput } from '@/lib/registry/register-cluster';
import { ZUpdateClusterInput } from '@/lib/registry/update-cluster';
import { ZDrillHostBody, ZExternalDrillResult, ZListDrillsQuery, ZRequestDrillBody } from '@/lib/drills/schemas';
import { ZTeamName } from '@/lib/registry/teams';
import { ZReviewBody } from '@/lib/registry/lifecycle-review';
import { ZClusterKind } from '@/lib/pg';
import { ZIdParams, ZNameParams, ZSlugParams } from './params';

// The OpenAPI 3.1 document served at /api/v1/openapi.json, built from the same zod schemas the
// handlers validate with. Other modules add their operations with registerOpenApiPath().

type TJson = Record<string, unknown>;
export type TOpenApiOperation = {
  summary: string;
  /** minimum role; 'public' = no credentials */
  role: 'public' | 'viewer' | 'service-owner' | 'operator' | 'admin';
  params?: { name: string; in: 'path' | 'query' | 'header'; description?: string; required?: boolean; schema?: z.ZodType }[];
  requestBody?: { schema: z.ZodType | TJson; contentTypes?: string[] };
  response?: z.ZodType | TJson;
  responseDescription?: string;
};
type TMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

const registry = new Map<string, Partial<Record<TMethod, TOpenApiOperation>>>();

export function registerOpenApiPath(path: string, method: TMethod, op: TOpenApiOperation): void {
  registry.set(path, { ...(registry.get(path) ?? {}), [method]: op });
}

const toSchema = (s: z.ZodType | TJson): TJson =>
  s instanceof z.ZodType ? (z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as TJson) : s;

const ZError = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.object({ fields: z.array(z.object({ path: z.string(), message: z.string() })).optional() }).catchall(z.unknown()).optional() }) });
const ZFindingCounts = z.object({ error: z.number(), warning: z.number(), info: z.number() });
const ZClass = z.object({ id: z.string(), kind: z.enum(['RPO', 'RTO']), name: z.string(), boundSeconds: z.number().int().nullable(), description: z.string().nullable(), sortOrder: z.number().int() });
/** Every read of the read model (lib/readmodel) carries when the worker computed it and whether that is older than the stale limit. */
const ZFreshness = z.object({ computedAt: z.string().nullable().describe("Vakt's database time the worker computed this at; null = not yet"), stale: z.boolean().describe('older than VAKT_STALE_AFTER_MS: verdicts read UNKNOWN/BLOCKED, never healthy') });
const ZSpecChange = z.object({ path: z.string(), before: z.unknown(), after: z.unknown() });
/** The parameters of a params or query schema withApi validates (one per key of its shape). */
const paramsOf = (schema: z.ZodObject, where: 'path' | 'query', descriptions: Record<string, string> = {}) =>
  Object.entries(schema.shape).map(([name, s]) => ({ name, in: where, schema: s as z.ZodType, ...(descriptions[name] ? { description: descriptions[name] } : {}) }));
const [slug] = paramsOf(ZSlugParams, 'path', { slug: 'context slug' });
const [nameParam] = paramsOf(ZNameParams, 'path', { name: 'cluster name' });
const [idParam] = paramsOf(ZIdParams, 'path');

// ----- the registry (this module's owners) and the rest of the route map (docs/api.md "Routes")
registerOpenApiPath('/api/health', 'get', { summary: 'Liveness and database reachability', role: 'public' });
registerOpenApiPath('/api/metrics', 'get', { summary: 'Prometheus metrics (token, or a source address in VAKT_METRICS_ALLOW)', role: 'viewer' });
registerOpenApiPath('/api/v1/openapi.json', 'get', { summary: 'This document', role: 'public' });
registerOpenApiPath('/api/v1/classes', 'get', { summary: 'The RPO and RTO class catalog', role: 'viewer', response: z.object({ rpo: z.array(ZClass), rto: z.array(ZClass) }) });
registerOpenApiPath('/api/v1/classes/{id}', 'patch', { summary: 'Rename, re-bound or unset a class (boundSeconds null = unset)', role: 'admin', params: [idParam], requestBody: { schema: ZUpdateClassInput }, response: ZClass });
registerOpenApiPath('/api/v1/sites', 'get', { summary: 'Sites (failure domains)', role: 'viewer' });
registerOpenApiPath('/api/v1/sites', 'post', { summary: 'Create a site', role: 'admin', requestBody: { schema: ZCreateSiteInput } });
registerOpenApiPath('/api/v1/teams', 'get', { summary: 'Teams with member and context counts', role: 'viewer' });
registerOpenApiPath('/api/v1/teams', 'post', { summary: 'Create a team', role: 'admin', requestBody: { schema: z.strictObject({ name: ZTeamName }) } });
// the list endpoints answer one page (docs/api.md "Lists")
const listParams = [
  { name: 'limit', in: 'query' as const, description: 'items per page, 1 to 200 (default 50)' },
  { name: 'cursor', in: 'query' as const, description: "the previous page's `next`, unchanged" },
  { name: 'q', in: 'query' as const, description: 'text the name contains (case-insensitive, taken literally)' },
];
const page = (item: z.ZodType) => z.object({ items: z.array(item), next: z.string().nullable(), total: z.number().int() });
registerOpenApiPath('/api/v1/contexts', 'get', {
  summary: 'Bounded contexts with their classes and open findings, one page by slug',
  role: 'viewer',
  params: [...listParams, { name: 'team', in: 'query', description: 'only contexts of this team' }],
  response: page(z.object({ slug: z.string(), name: z.string(), team: z.string(), currentVersion: z.number().int(), rpoClass: z.string().nullable(), rtoClass: z.string().nullable(), failover: z.string().nullable(), crossSite: z.string().nullable(), findingCounts: ZFindingCounts, ...ZFreshness.shape })),
});
registerOpenApiPath('/api/v1/contexts/{slug}', 'get', { summary: 'A context: current declaration, history, findings', role: 'viewer', params: [slug] });
registerOpenApiPath('/api/v1/contexts/{slug}/declaration', 'put', {
  summary: 'Save a recovery declaration (JSON or YAML; a full declaration file or {spec, baseVersion?, reason?, name?, team?}). Identical spec: 200 with the same version. Outdated baseVersion/If-Match: 409.',
  role: 'service-owner',
  params: [slug, { name: 'If-Match', in: 'header', description: 'the version this edit starts from, e.g. "3" (must agree with baseVersion when both are given)' }],
  requestBody: { schema: { oneOf: [toSchema(ZDeclarationFile), toSchema(ZDeclarationUpdate)] }, contentTypes: ['application/json', 'application/yaml', 'text/yaml'] },
  response: z.object({ version: z.number().int(), created: z.boolean(), status: z.enum(['proposed', 'accepted', 'rejected', 'superseded']), findings: z.array(ZFinding) }),
});
registerOpenApiPath('/api/v1/contexts/{slug}/declarations', 'get', {
  summary: 'Declaration history, newest first, each version with its diff to the previous one',
  role: 'viewer',
  params: [slug],
  response: z.object({ slug: z.string(), currentVersion: z.number().int(), versions: z.array(z.object({ version: z.number().int(), spec: ZDeclarationSpec, authorLabel: z.string(), reason: z.string().nullable(), createdAt: z.string(), diff: z.array(ZSpecChange) })) }),
});
for (const action of ['accept', 'reject'] as const) {
  registerOpenApiPath(`/api/v1/contexts/{slug}/declarations/{version}/${action}`, 'post', {
    summary: action === 'accept' ? 'Accept the pending proposal (it binds from now on). 409 when the version is not pending.' : 'Reject the pending proposal with a reason (422 without one). 409 when the version is not pending.',
    role: 'admin',
    params: [slug, { name: 'version', in: 'path', description: 'the version number of the pending proposal' }],
    requestBody: { schema: ZReviewBody },
    response: z.object({ slug: z.string(), version: z.number().int(), status: z.enum(['accepted', 'rejected']), currentVersion: z.number().int() }),
  });
}
registerOpenApiPath('/api/v1/contexts/{slug}/findings', 'get', { summary: 'Static lint and live compliance findings', role: 'viewer', params: [slug], response: z.object({ findings: z.array(ZFinding) }) });
registerOpenApiPath('/api/v1/clusters', 'get', {
  summary: "Clusters with members and state (the safety engine's cluster state, from the read model the worker keeps), one page of compact items",
  role: 'viewer',
  params: [
    ...listParams,
    { name: 'sort', in: 'query', description: 'name (default) or worst (split-brain, primary down, degraded, unknown, healthy; then name)' },
    { name: 'state', in: 'query', description: 'only these served states, comma-separated (a stale cluster is UNKNOWN)' },
    { name: 'site', in: 'query', description: 'only clusters with a member at this site' },
    { name: 'summary', in: 'query', description: 'true: add the fleet counts (per state, per site)' },
  ],
  response: page(z.object({ name: z.string(), kind: ZClusterKind, epoch: z.number().int(), state: z.enum(['HEALTHY', 'DEGRADED', 'PRIMARY_DOWN', 'SPLIT_BRAIN', 'UNKNOWN']), paused: z.boolean().nullable(), contexts: z.array(z.string()), members: z.array(z.unknown()), ...ZFreshness.shape })).extend({ summary: z.unknown().optional() }),
});
registerOpenApiPath('/api/v1/clusters', 'post', { summary: 'Register a cluster (agent tokens are stored encrypted, never returned)', role: 'admin', requestBody: { schema: ZRegisterClusterInput } });
registerOpenApiPath('/api/v1/clusters/{name}', 'get', {
  summary: 'A cluster with members, state and latest events',
  role: 'viewer',
  params: [nameParam, { name: 'history', in: 'query', description: 'minutes of chart history to include (1 to 44640)' }],
});
registerOpenApiPath('/api/v1/clusters/{name}/safety', 'get', {
  summary: 'Promotion-safety verdict (the engine report the worker stored; stale reads state UNKNOWN, every candidate BLOCKED with READ_MODEL_STALE)',
  role: 'viewer',
  params: [nameParam],
  response: z.object({ cluster: z.string(), state: z.string(), epoch: z.number().int(), evaluatedAt: z.string(), candidates: z.array(z.object({ node: z.string(), verdict: z.enum(['SAFE', 'GATED', 'MANUAL', 'BLOCKED']) }).loose()), ...ZFreshness.shape }).loose(),
});
registerOpenApiPath('/api/v1/clusters/{name}', 'patch', { summary: "Change a cluster: backupRepositorySite (a site name, or null = not declared); audited", role: 'admin', params: [nameParam], requestBody: { schema: ZUpdateClusterInput } });
registerOpenApiPath('/api/v1/clusters/{name}/backups', 'get', {
  summary: "The cluster's pgBackRest catalog as the agents last reported it (stored observations): every backup with its chain, archive ranges, the PITR window, repository status, backup running",
  role: 'viewer',
  params: [nameParam],
});
registerOpenApiPath('/api/v1/contexts/{slug}/readiness', 'get', {
  summary: 'Restore readiness (the seven answers per cluster, trust, expected restore time, data loss per scenario) from the read model; stale reads every answer unknown',
  role: 'viewer',
  params: [slug],
});
registerOpenApiPath('/api/v1/stream', 'get', {
  summary: 'Server-sent events (text/event-stream): `change` {kind: "cluster", name} | {kind: "context", slug} when what pages show changed, `reset` after the server reconnected to the database (re-read everything), `ready` once',
  role: 'viewer',
  responseDescription: 'an event stream that stays open',
});
registerOpenApiPath('/api/v1/clusters/{name}/promotions', 'get', { summary: "The cluster's promotion requests, newest first", role: 'viewer', params: [nameParam] });
registerOpenApiPath('/api/v1/clusters/{name}/promotions', 'post', { summary: 'Request a promotion', role: 'operator', params: [nameParam], requestBody: { schema: ZRequestPromotionBody } });
registerOpenApiPath('/api/v1/promotions', 'get', {
  summary: 'Promotion requests',
  role: 'viewer',
  params: paramsOf(ZListPromotionsQuery, 'query'),
});
registerOpenApiPath('/api/v1/promotions/{id}', 'get', { summary: 'A promotion request', role: 'viewer', params: [idParam] });
registerOpenApiPath('/api/v1/promotions/{id}/approvals', 'post', { summary: 'Approve (signed-in session only; step-up password in the body)', role: 'operator', params: [idParam], requestBody: { schema: ZApprovalBody } });
registerOpenApiPath('/api/v1/promotions/{id}/reject', 'post', { summary: 'Reject', role: 'operator', params: [idParam], requestBody: { schema: ZRejectBody } });
registerOpenApiPath('/api/v1/promotions/{id}/cancel', 'post', { summary: 'Cancel', role: 'operator', params: [idParam], requestBody: { schema: ZCancelBody } });
registerOpenApiPath('/api/v1/promotions/{id}/abandon', 'post', {
  summary: 'Abandon a promote whose outcome is unknown (CANDIDATE_PROMOTING): the candidate is fenced first (signed-in session; step-up password)',
  role: 'operator',
  params: [idParam],
  requestBody: { schema: ZAbandonBody },
});
registerOpenApiPath('/api/auth/{nextauth}', 'get', { summary: 'NextAuth.js session endpoints (sign-in page, session, CSRF token, providers)', role: 'public', params: [{ name: 'nextauth', in: 'path' }] });
registerOpenApiPath('/api/auth/{nextauth}', 'post', { summary: 'NextAuth.js sign-in and sign-out (credentials form)', role: 'public', params: [{ name: 'nextauth', in: 'path' }] });
registerOpenApiPath('/api/v1/audit', 'get', {
  summary: 'Audit events, newest first (cursor: before = nextCursor)',
  role: 'viewer',
  params: paramsOf(ZListAuditQuery, 'query'),
});

registerOpenApiPath('/api/v1/clusters/{name}/drills', 'post', { summary: 'Request a restore drill (202 {id, status}; 409 while one is queued or running; 422 unknown backup label or target time outside the point-in-time window, details.backups)', role: 'operator', params: [nameParam], requestBody: { schema: ZRequestDrillBody } });
registerOpenApiPath('/api/v1/clusters/{name}/drills', 'get', { summary: "The cluster's restore drills, newest first", role: 'viewer', params: [nameParam] });
registerOpenApiPath('/api/v1/clusters/{name}/drill-host', 'put', { summary: "Register the agent that runs the cluster's drills (allowlisted URL; token stored encrypted, never returned)", role: 'admin', params: [nameParam], requestBody: { schema: ZDrillHostBody } });
registerOpenApiPath('/api/v1/clusters/{name}/drill-host', 'delete', { summary: 'Clear the registered drill host (drills then run on a replica agent with pgBackRest)', role: 'admin', params: [nameParam] });
registerOpenApiPath('/api/v1/drills', 'get', { summary: 'Restore drills, newest first', role: 'viewer', params: paramsOf(ZListDrillsQuery, 'query') });
registerOpenApiPath('/api/v1/drills/{id}', 'get', { summary: 'A restore drill with its steps and checks', role: 'viewer', params: [idParam] });
registerOpenApiPath('/api/v1/drills/results', 'post', { summary: "An external drill runner's result (201 {id, status}; stored as external)", role: 'operator', requestBody: { schema: ZExternalDrillResult } });
const errorResponses = (role: TOpenApiOperation['role']): TJson => {
  const err = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return role === 'public' ? {} : { '400': err, '401': err, '403': err, '404': err, '409': err, '422': err };
};

export function buildOpenApiDocument(): TJson {
  const paths: TJson = {};
  for (const [path, ops] of [...registry.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const item: TJson = {};
    for (const [method, op] of Object.entries(ops) as [TMethod, TOpenApiOperation][]) {
      item[method] = {
        summary: op.summary,
        'x-vakt-role': op.role,
        ...(op.role === 'public' ? { security: [] } : {}),
        ...(op.params ? { parameters: op.params.map((p) => ({ name: p.name, in: p.in, required: p.in === 'path' ? true : (p.required ?? false), ...(p.description ? { description: p.description } : {}), schema: p.schema ? toSchema(p.schema) : { type: 'string' } })) } : {}),
        ...(op.requestBody
          ? { requestBody: { required: true, content: Object.fromEntries((op.requestBody.contentTypes ?? ['application/json']).map((ct) => [ct, { schema: toSchema(op.requestBody!.schema) }])) } }
          : {}),
        responses: {
          '200': { description: op.responseDescription ?? 'OK', ...(op.response ? { content: { 'application/json': { schema: toSchema(op.response) } } } : {}) },
          ...errorResponses(op.role),
        },
      };
    }
    paths[path] = item;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Vakt API', version: 'v1', description: 'Recovery-policy registry and promotion-safety console. Errors: {error: {code, message, details?}}.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token' } },
      schemas: { Error: toSchema(ZError), Finding: toSchema(ZFinding), DeclarationFile: toSchema(ZDeclarationFile), DeclarationSpec: toSchema(ZDeclarationSpec) },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}
