import { z } from 'zod';
import { ZFinding } from '@/lib/findings/types';
import { ZDeclarationFile, ZDeclarationSpec, ZDeclarationUpdate } from '@/lib/registry/declaration-schema';
import { ZUpdateClassInput } from '@/lib/registry/classes';
import { ZCreateSiteInput } from '@/lib/registry/sites';
import { ZListAuditQuery } from '@/lib/audit/list-audit';
import { ZAbandonBody, ZApprovalBody, ZCancelBody, ZEndMaintenanceBody, ZListPromotionsQuery, ZMaintenanceBody, ZRejectBody, ZRequestPromotionBody, ZRequestSwitchoverBody } from '@/lib/promotion/schemas';
import { ZReceiverInput } from '@/lib/alerts/receivers';
import { ZSilenceInput } from '@/lib/alerts/alerts';
import { ZRegisterClusterInput } from '@/lib/registry/register-cluster';
import { ZUpdateClusterInput } from '@/lib/registry/update-cluster';
import { ZDrillHostBody, ZExternalDrillResult, ZListDrillsQuery, ZRequestDrillBody } from '@/lib/drills/schemas';
import { ZTeamName } from '@/lib/registry/teams';
import { ZReviewBody } from '@/lib/registry/lifecycle-review';
import { ZClusterKind } from '@/lib/pg';
import { ZIdParams, ZMemberRequestParams, ZNameParams, ZSlugParams } from './params';
import { ZRejoinBody } from '@/lib/promotion/request-rejoin';

// The OpenAPI 3.1 document served at /api/v1/openapi.json, built from the same zod schemas the
// handlers validate with. Other modules add their operations with registerOpenApiPath().

type TJson = Record<string, unknown>;
export type TOpenApiOperation = {
  /** stable: client generators name their functions after it; never renamed (lib/api/openapi.test.ts pins every one) */
  operationId: string;
  summary: string;
  /** minimum role; 'public' = no credentials */
  role: 'public' | 'viewer' | 'service-owner' | 'operator' | 'admin';
  params?: { name: string; in: 'path' | 'query' | 'header'; description?: string; required?: boolean; schema?: z.ZodType }[];
  requestBody?: { schema: z.ZodType | TJson; contentTypes?: string[] };
  response?: z.ZodType | TJson;
  responseDescription?: string;
  /** the success status (default 200) */
  status?: '200' | '201' | '202' | '204';
  /** the operation can answer 409 CONFLICT (a version, a state or a name that is taken) */
  conflict?: boolean;
};
type TMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

const registry = new Map<string, Partial<Record<TMethod, TOpenApiOperation>>>();

export function registerOpenApiPath(path: string, method: TMethod, op: TOpenApiOperation): void {
  registry.set(path, { ...(registry.get(path) ?? {}), [method]: op });
}

const toSchema = (s: z.ZodType | TJson): TJson =>
  s instanceof z.ZodType ? (z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as TJson) : s;

const ZError = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.object({ fields: z.array(z.object({ path: z.string(), message: z.string() })).optional() }).catchall(z.unknown()).optional() }) });
const ref = (name: 'DeclarationFile' | 'DeclarationSpec' | 'Finding' | 'Error'): TJson => ({ $ref: `#/components/schemas/${name}` });
const findingList: TJson = { type: 'array', items: ref('Finding') };
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
registerOpenApiPath('/api/health', 'get', { operationId: 'getHealth', summary: 'Liveness and database reachability', role: 'public' });
registerOpenApiPath('/api/metrics', 'get', { operationId: 'getMetrics', summary: 'Prometheus metrics (token, or a source address in VAKT_METRICS_ALLOW)', role: 'viewer' });
registerOpenApiPath('/api/v1/openapi.json', 'get', { operationId: 'getOpenApiDocument', summary: 'This document', role: 'public' });
registerOpenApiPath('/api/v1/classes', 'get', { operationId: 'listClasses', summary: 'The RPO and RTO class catalog', role: 'viewer', response: z.object({ rpo: z.array(ZClass), rto: z.array(ZClass) }) });
registerOpenApiPath('/api/v1/classes/{id}', 'patch', { operationId: 'updateClass', summary: 'Rename, re-bound or unset a class (boundSeconds null = unset)', role: 'admin', params: [idParam], requestBody: { schema: ZUpdateClassInput }, response: ZClass });
registerOpenApiPath('/api/v1/sites', 'get', { operationId: 'listSites', summary: 'Sites (failure domains)', role: 'viewer' });
registerOpenApiPath('/api/v1/sites', 'post', { operationId: 'createSite', conflict: true, status: '201', summary: 'Create a site', role: 'admin', requestBody: { schema: ZCreateSiteInput } });
registerOpenApiPath('/api/v1/teams', 'get', { operationId: 'listTeams', summary: 'Teams with member and context counts', role: 'viewer' });
registerOpenApiPath('/api/v1/teams', 'post', { operationId: 'createTeam', conflict: true, status: '201', summary: 'Create a team', role: 'admin', requestBody: { schema: z.strictObject({ name: ZTeamName }) } });
// the list endpoints answer one page (docs/api.md "Lists")
const listParams = [
  { name: 'limit', in: 'query' as const, description: 'items per page, 1 to 200 (default 50)' },
  { name: 'cursor', in: 'query' as const, description: "the previous page's `next`, unchanged" },
  { name: 'q', in: 'query' as const, description: 'text the name contains (case-insensitive, taken literally)' },
];
const page = (item: z.ZodType) => z.object({ items: z.array(item), next: z.string().nullable(), total: z.number().int() });
registerOpenApiPath('/api/v1/contexts', 'get', {
  operationId: 'listContexts', summary: 'Bounded contexts with their classes and open findings, one page by slug',
  role: 'viewer',
  params: [...listParams, { name: 'team', in: 'query', description: 'only contexts of this team' }],
  response: page(z.object({ slug: z.string(), name: z.string(), team: z.string(), currentVersion: z.number().int(), rpoClass: z.string().nullable(), rtoClass: z.string().nullable(), failover: z.string().nullable(), crossSite: z.string().nullable(), findingCounts: ZFindingCounts, ...ZFreshness.shape })),
});
registerOpenApiPath('/api/v1/contexts/{slug}', 'get', { operationId: 'getContext', summary: 'A context: current declaration, history, findings', role: 'viewer', params: [slug] });
registerOpenApiPath('/api/v1/contexts/{slug}/declaration', 'put', {
  operationId: 'putDeclaration', conflict: true, summary: 'Save a recovery declaration (JSON or YAML; a full declaration file or {spec, baseVersion?, reason?, name?, team?}). Identical spec: 200 with the same version. Outdated baseVersion/If-Match: 409.',
  role: 'service-owner',
  params: [
    slug,
    { name: 'If-Match', in: 'header', description: 'the version this edit starts from, e.g. "3" (must agree with baseVersion when both are given)' },
    { name: 'dryRun', in: 'query', description: 'true: plan only (vaktctl plan), nothing saved; answers {dryRun, context, exists, currentVersion, changed, diff, metadata, findings}' },
  ],
  requestBody: { schema: { oneOf: [ref('DeclarationFile'), toSchema(ZDeclarationUpdate)] }, contentTypes: ['application/json', 'application/yaml', 'text/yaml'] },
  response: {
    oneOf: [
      { type: 'object', required: ['version', 'created', 'status', 'findings'], properties: { version: { type: 'integer' }, created: { type: 'boolean' }, status: { enum: ['proposed', 'accepted'], description: 'proposed: waits for an admin (verdicts use the stricter of accepted and proposed); accepted: binds now' }, findings: findingList } },
      {
        type: 'object',
        description: 'the plan (dryRun=true)',
        required: ['dryRun', 'context', 'exists', 'currentVersion', 'changed', 'diff', 'metadata', 'findings'],
        properties: { dryRun: { const: true }, context: { type: 'string' }, exists: { type: 'boolean' }, currentVersion: { type: 'integer' }, changed: { type: 'boolean' }, diff: toSchema(z.array(ZSpecChange)), metadata: { type: 'array', items: { type: 'object', properties: { field: { enum: ['name', 'team'] }, before: { type: ['string', 'null'] }, after: { type: 'string' } } } }, findings: findingList },
      },
    ],
  },
});
registerOpenApiPath('/api/v1/contexts/{slug}/declarations', 'get', {
  operationId: 'listDeclarationVersions', summary: 'Declaration history, newest first, each version with its diff to the previous one',
  role: 'viewer',
  params: [slug],
  response: z.object({ slug: z.string(), currentVersion: z.number().int(), versions: z.array(z.object({ version: z.number().int(), spec: ZDeclarationSpec, authorLabel: z.string(), reason: z.string().nullable(), createdAt: z.string(), diff: z.array(ZSpecChange) })) }),
});
for (const action of ['accept', 'reject'] as const) {
  registerOpenApiPath(`/api/v1/contexts/{slug}/declarations/{version}/${action}`, 'post', {
    operationId: action === 'accept' ? 'acceptDeclaration' : 'rejectDeclaration',
    conflict: true,
    summary: action === 'accept' ? 'Accept the pending proposal (it binds from now on). 409 when the version is not pending.' : 'Reject the pending proposal with a reason (422 without one). 409 when the version is not pending.',
    role: 'admin',
    params: [slug, { name: 'version', in: 'path', description: 'the version number of the pending proposal' }],
    requestBody: { schema: ZReviewBody },
    response: z.object({ slug: z.string(), version: z.number().int(), status: z.enum(['accepted', 'rejected']), currentVersion: z.number().int() }),
  });
}
registerOpenApiPath('/api/v1/contexts/{slug}/findings', 'get', { operationId: 'getContextFindings', summary: 'Static lint and live compliance findings', role: 'viewer', params: [slug], response: { type: 'object', required: ['findings'], properties: { findings: findingList } } });
registerOpenApiPath('/api/v1/clusters', 'get', {
  operationId: 'listClusters', summary: "Clusters with members and state (the safety engine's cluster state, from the read model the worker keeps), one page of compact items",
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
registerOpenApiPath('/api/v1/clusters', 'post', { operationId: 'registerCluster', conflict: true, status: '201', summary: 'Register a cluster (agent tokens are stored encrypted, never returned)', role: 'admin', requestBody: { schema: ZRegisterClusterInput } });
registerOpenApiPath('/api/v1/clusters/{name}', 'get', {
  operationId: 'getCluster', summary: 'A cluster with members, state and latest events',
  role: 'viewer',
  params: [nameParam, { name: 'history', in: 'query', description: 'minutes of chart history to include (1 to 44640)' }],
});
registerOpenApiPath('/api/v1/clusters/{name}/safety', 'get', {
  operationId: 'getClusterSafety', summary: 'Promotion-safety verdict (the engine report the worker stored; stale reads state UNKNOWN, every candidate BLOCKED with READ_MODEL_STALE)',
  role: 'viewer',
  params: [nameParam],
  response: z.object({ cluster: z.string(), state: z.string(), epoch: z.number().int(), evaluatedAt: z.string(), candidates: z.array(z.object({ node: z.string(), verdict: z.enum(['SAFE', 'GATED', 'MANUAL', 'BLOCKED']) }).loose()), ...ZFreshness.shape }).loose(),
});
registerOpenApiPath('/api/v1/clusters/{name}', 'patch', { operationId: 'updateCluster', summary: "Change a cluster: backupRepositorySite (a site name, or null = not declared); audited", role: 'admin', params: [nameParam], requestBody: { schema: ZUpdateClusterInput } });
registerOpenApiPath('/api/v1/clusters/{name}/backups', 'get', {
  operationId: 'getClusterBackups', summary: "The cluster's pgBackRest catalog as the agents last reported it (stored observations): every backup with its chain, archive ranges, the PITR window, repository status, backup running",
  role: 'viewer',
  params: [nameParam],
});
registerOpenApiPath('/api/v1/contexts/{slug}/readiness', 'get', {
  operationId: 'getContextReadiness', summary: 'Restore readiness (the seven answers per cluster, trust, expected restore time, data loss per scenario) from the read model; stale reads every answer unknown',
  role: 'viewer',
  params: [slug],
});
registerOpenApiPath('/api/v1/stream', 'get', {
  operationId: 'streamChanges', summary: 'Server-sent events (text/event-stream): `change` {kind: "cluster", name} | {kind: "context", slug} when what pages show changed, `reset` after the server reconnected to the database (re-read everything), `ready` once',
  role: 'viewer',
  responseDescription: 'an event stream that stays open',
});
registerOpenApiPath('/api/v1/clusters/{name}/promotions', 'get', { operationId: 'listClusterPromotions', summary: "The cluster's promotion requests, newest first", role: 'viewer', params: [nameParam] });
registerOpenApiPath('/api/v1/clusters/{name}/promotions', 'post', { operationId: 'requestPromotion', conflict: true, status: '201', summary: 'Request a promotion', role: 'operator', params: [nameParam], requestBody: { schema: ZRequestPromotionBody } });
registerOpenApiPath('/api/v1/promotions', 'get', {
  operationId: 'listPromotions', summary: 'Promotion requests',
  role: 'viewer',
  params: paramsOf(ZListPromotionsQuery, 'query'),
});
registerOpenApiPath('/api/v1/promotions/{id}', 'get', { operationId: 'getPromotion', summary: 'A promotion request', role: 'viewer', params: [idParam] });
registerOpenApiPath('/api/v1/promotions/{id}/approvals', 'post', { operationId: 'approvePromotion', conflict: true, status: '201', summary: 'Approve (signed-in session only; step-up password in the body)', role: 'operator', params: [idParam], requestBody: { schema: ZApprovalBody } });
registerOpenApiPath('/api/v1/promotions/{id}/reject', 'post', { operationId: 'rejectPromotion', conflict: true, summary: 'Reject', role: 'operator', params: [idParam], requestBody: { schema: ZRejectBody } });
registerOpenApiPath('/api/v1/promotions/{id}/cancel', 'post', { operationId: 'cancelPromotion', conflict: true, summary: 'Cancel', role: 'operator', params: [idParam], requestBody: { schema: ZCancelBody } });
registerOpenApiPath('/api/v1/promotions/{id}/abandon', 'post', {
  operationId: 'abandonPromotion', conflict: true, summary: 'Abandon a promote whose outcome is unknown (CANDIDATE_PROMOTING): the candidate is fenced first (signed-in session; step-up password)',
  role: 'operator',
  params: [idParam],
  requestBody: { schema: ZAbandonBody },
});
registerOpenApiPath('/api/auth/{nextauth}', 'get', { operationId: 'authGet', summary: 'NextAuth.js session endpoints (sign-in page, session, CSRF token, providers)', role: 'public', params: [{ name: 'nextauth', in: 'path' }] });
registerOpenApiPath('/api/auth/{nextauth}', 'post', { operationId: 'authPost', summary: 'NextAuth.js sign-in and sign-out (credentials form)', role: 'public', params: [{ name: 'nextauth', in: 'path' }] });
registerOpenApiPath('/api/v1/audit', 'get', {
  operationId: 'listAuditEvents', summary: 'Audit events, newest first (cursor: before = nextCursor)',
  role: 'viewer',
  params: paramsOf(ZListAuditQuery, 'query'),
});

registerOpenApiPath('/api/v1/clusters/{name}/drills', 'post', { operationId: 'requestDrill', conflict: true, status: '202', summary: 'Request a restore drill (202 {id, status}; 409 while one is queued or running; 422 unknown backup label or target time outside the point-in-time window, details.backups)', role: 'operator', params: [nameParam], requestBody: { schema: ZRequestDrillBody } });
registerOpenApiPath('/api/v1/clusters/{name}/drills', 'get', { operationId: 'listClusterDrills', summary: "The cluster's restore drills, newest first", role: 'viewer', params: [nameParam] });
registerOpenApiPath('/api/v1/clusters/{name}/drill-host', 'put', { operationId: 'setDrillHost', summary: "Register the agent that runs the cluster's drills (allowlisted URL; token stored encrypted, never returned)", role: 'admin', params: [nameParam], requestBody: { schema: ZDrillHostBody } });
registerOpenApiPath('/api/v1/clusters/{name}/drill-host', 'delete', { operationId: 'clearDrillHost', summary: 'Clear the registered drill host (drills then run on a replica agent with pgBackRest)', role: 'admin', params: [nameParam] });
registerOpenApiPath('/api/v1/drills', 'get', { operationId: 'listDrills', summary: 'Restore drills, newest first', role: 'viewer', params: paramsOf(ZListDrillsQuery, 'query') });
registerOpenApiPath('/api/v1/drills/{id}', 'get', { operationId: 'getDrill', summary: 'A restore drill with its steps and checks', role: 'viewer', params: [idParam] });
registerOpenApiPath('/api/v1/drills/results', 'post', { operationId: 'recordExternalDrillResult', status: '201', summary: "An external drill runner's result (201 {id, status}; stored as external)", role: 'operator', requestBody: { schema: ZExternalDrillResult } });
const [, memberParam, requestIdParam] = paramsOf(ZMemberRequestParams, 'path', { member: 'member name', id: 'rejoin request id' });
registerOpenApiPath('/api/v1/clusters/{name}/members/{member}/rejoin', 'get', { operationId: 'listRejoins', summary: "The member's rejoin requests with every step and its output", role: 'viewer', params: [nameParam, memberParam] });
registerOpenApiPath('/api/v1/clusters/{name}/members/{member}/rejoin', 'post', { operationId: 'requestRejoin', conflict: true, status: '201', summary: 'Request the rejoin of a fenced old primary or a replica left on an old timeline (pg_rewind, then a replica of the current primary); needs one approval by a second operator; 409 when the member answers as a primary or the cluster has no single primary', role: 'operator', params: [nameParam, memberParam], requestBody: { schema: ZRejoinBody } });
registerOpenApiPath('/api/v1/clusters/{name}/members/{member}/rejoin/{id}/approvals', 'post', { operationId: 'approveRejoin', conflict: true, status: '201', summary: 'Approve a rejoin request (session only, password re-entry; never the requester)', role: 'operator', params: [nameParam, memberParam, requestIdParam], requestBody: { schema: z.strictObject({ password: z.string().max(200).optional() }) } });
registerOpenApiPath('/api/v1/clusters/{name}/members/{member}/rejoin/{id}/reject', 'post', { operationId: 'rejectRejoin', conflict: true, summary: 'Reject a rejoin request that has not started (PENDING or APPROVED; any operator); nothing is executed', role: 'operator', params: [nameParam, memberParam, requestIdParam], requestBody: { schema: ZRejectBody } });
registerOpenApiPath('/api/v1/clusters/{name}/members/{member}/rejoin/{id}/cancel', 'post', { operationId: 'cancelRejoin', conflict: true, summary: 'Cancel a rejoin request that has not started (the requester or an admin); nothing is executed', role: 'operator', params: [nameParam, memberParam, requestIdParam], requestBody: { schema: ZCancelBody } });
registerOpenApiPath('/api/v1/clusters/{name}/rejoins', 'get', { operationId: 'listClusterRejoins', summary: "The cluster's rejoin requests with their steps, and the members a rejoin is offered for (fenced, stopped, or on another timeline than the primary's, from the agents' last stored answers)", role: 'viewer', params: [nameParam] });
registerOpenApiPath('/api/v1/clusters/{name}/switchovers', 'post', { operationId: 'requestSwitchover', conflict: true, status: '201', summary: 'Request a planned switchover (a promotion request of kind switchover, approved through /api/v1/promotions/{id}/approvals)', role: 'operator', params: [nameParam], requestBody: { schema: ZRequestSwitchoverBody } });
registerOpenApiPath('/api/v1/clusters/{name}/maintenance', 'put', { operationId: 'setMaintenance', conflict: true, summary: 'Maintenance mode: automatic failover paused until `until` (Patroni: pause set); audited', role: 'operator', params: [nameParam], requestBody: { schema: ZMaintenanceBody } });
registerOpenApiPath('/api/v1/clusters/{name}/maintenance', 'delete', { operationId: 'endMaintenance', conflict: true, summary: 'Lift maintenance mode now ({reason?}, audited)', role: 'operator', params: [nameParam], requestBody: { schema: ZEndMaintenanceBody } });
registerOpenApiPath('/api/v1/overview', 'get', { operationId: 'getOverview', summary: 'What needs a person now (split brain, primary down, requests awaiting approval, firing alerts, failed or overdue drills, untrusted backups, declaration proposals), most urgent first, each with the page that acts on it; then the clusters worst first (at most 200) with their served state (stale reads UNKNOWN)', role: 'viewer' });
registerOpenApiPath('/api/v1/alerts', 'get', { operationId: 'listAlerts', summary: 'Alerts (state=firing, the default, or resolved)', role: 'viewer', params: [{ name: 'state', in: 'query', description: 'firing (default) or resolved' }] });
registerOpenApiPath('/api/v1/alerts/{id}/ack', 'post', { operationId: 'ackAlert', summary: 'Acknowledge a firing alert; audited', role: 'operator', params: [idParam] });
registerOpenApiPath('/api/v1/silences', 'get', { operationId: 'listSilences', summary: 'Alert silences', role: 'viewer' });
registerOpenApiPath('/api/v1/silences', 'post', { operationId: 'createSilence', status: '201', summary: 'Silence alerts matching a rule and target until a time; audited', role: 'operator', requestBody: { schema: ZSilenceInput } });
registerOpenApiPath('/api/v1/receivers', 'get', { operationId: 'listReceivers', summary: 'Alert receivers (Alertmanager, webhook, Slack); secrets never returned', role: 'admin' });
registerOpenApiPath('/api/v1/receivers', 'post', { operationId: 'createReceiver', status: '201', summary: 'Add an alert receiver (allowlisted URL; secret stored encrypted); audited', role: 'admin', requestBody: { schema: ZReceiverInput } });
registerOpenApiPath('/api/v1/receivers/{id}', 'delete', { operationId: 'deleteReceiver', status: '204', summary: 'Remove an alert receiver; audited', role: 'admin', params: [idParam] });
const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'BAD_REQUEST: the body cannot be parsed',
  '401': 'UNAUTHENTICATED: no session and no valid API token',
  '403': 'FORBIDDEN: the role is too low, a session-only act with a token, or a cross-origin cookie mutation',
  '404': 'NOT_FOUND: the path names nothing',
  '409': 'CONFLICT: the version, state or name the request relies on is not the current one',
  '422': 'VALIDATION: the query or body fails its schema (details.fields names each field)',
};
/** The error statuses an operation can answer, from how withApi treats it (lib/api/handler.ts). */
function errorStatuses(op: TOpenApiOperation, method: TMethod): string[] {
  if (op.role === 'public') return [];
  const mutation = method !== 'get';
  const queryOrBody = !!op.requestBody || (op.params ?? []).some((p) => p.in === 'query');
  return [
    ...(op.requestBody ? ['400'] : []),
    '401',
    ...(op.role !== 'viewer' || mutation ? ['403'] : []),
    ...((op.params ?? []).some((p) => p.in === 'path') ? ['404'] : []),
    ...(op.conflict ? ['409'] : []),
    ...(queryOrBody ? ['422'] : []),
  ];
}
const errorResponses = (op: TOpenApiOperation, method: TMethod): TJson =>
  Object.fromEntries(errorStatuses(op, method).map((s) => [s, { description: ERROR_DESCRIPTIONS[s], content: { 'application/json': { schema: ref('Error') } } }]));

/** The declaration file with its spec as a reference to DeclarationSpec (one schema, named once). */
const withSpecRef = (file: TJson): TJson => ({ ...file, properties: { ...(file.properties as TJson), spec: ref('DeclarationSpec') } });

export function buildOpenApiDocument(): TJson {
  const paths: TJson = {};
  for (const [path, ops] of [...registry.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const item: TJson = {};
    for (const [method, op] of Object.entries(ops) as [TMethod, TOpenApiOperation][]) {
      item[method] = {
        operationId: op.operationId,
        summary: op.summary,
        'x-vakt-role': op.role,
        ...(op.role === 'public' ? { security: [] } : {}),
        ...(op.params ? { parameters: op.params.map((p) => ({ name: p.name, in: p.in, required: p.in === 'path' ? true : (p.required ?? false), ...(p.description ? { description: p.description } : {}), schema: p.schema ? toSchema(p.schema) : { type: 'string' } })) } : {}),
        ...(op.requestBody
          ? { requestBody: { required: true, content: Object.fromEntries((op.requestBody.contentTypes ?? ['application/json']).map((ct) => [ct, { schema: toSchema(op.requestBody!.schema) }])) } }
          : {}),
        responses: {
          [op.status ?? '200']: { description: op.responseDescription ?? (op.status === '204' ? 'No content' : 'OK'), ...(op.response ? { content: { 'application/json': { schema: toSchema(op.response) } } } : {}) },
          ...errorResponses(op, method),
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
      schemas: { Error: toSchema(ZError), Finding: toSchema(ZFinding), DeclarationFile: withSpecRef(toSchema(ZDeclarationFile)), DeclarationSpec: toSchema(ZDeclarationSpec) },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}
