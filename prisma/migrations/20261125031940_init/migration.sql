-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "vakt";

-- CreateEnum
CREATE TYPE "vakt"."Role" AS ENUM ('viewer', 'service_owner', 'operator', 'admin');

-- CreateEnum
CREATE TYPE "vakt"."ClassKind" AS ENUM ('RPO', 'RTO');

-- CreateEnum
CREATE TYPE "vakt"."ClusterKind" AS ENUM ('vakt_agent', 'patroni');

-- CreateEnum
CREATE TYPE "vakt"."PromotionStatus" AS ENUM ('PENDING', 'APPROVED', 'EXECUTING', 'COMPLETED', 'FAILED', 'REJECTED', 'EXPIRED', 'CANCELLED');

-- CreateTable
CREATE TABLE "vakt"."User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "passwordHash" TEXT,
    "role" "vakt"."Role" NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."Team" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."TeamMember" (
    "userId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,

    CONSTRAINT "TeamMember_pkey" PRIMARY KEY ("userId","teamId")
);

-- CreateTable
CREATE TABLE "vakt"."ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" "vakt"."Role" NOT NULL,
    "teams" TEXT[],
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."SignInThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "SignInThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "vakt"."Site" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "region" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."RecoveryClass" (
    "id" TEXT NOT NULL,
    "kind" "vakt"."ClassKind" NOT NULL,
    "name" TEXT NOT NULL,
    "boundSeconds" INTEGER,
    "description" TEXT,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RecoveryClass_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."BoundedContext" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "dataLocation" TEXT,
    "currentVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BoundedContext_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."Declaration" (
    "id" TEXT NOT NULL,
    "contextId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "spec" JSONB NOT NULL,
    "authorId" TEXT,
    "authorLabel" TEXT NOT NULL,
    "reason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Declaration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."Cluster" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "vakt"."ClusterKind" NOT NULL,
    "epoch" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."ClusterContext" (
    "clusterId" TEXT NOT NULL,
    "contextId" TEXT NOT NULL,
    "database" TEXT,
    "schema" TEXT,

    CONSTRAINT "ClusterContext_pkey" PRIMARY KEY ("clusterId","contextId")
);

-- CreateTable
CREATE TABLE "vakt"."ClusterMember" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "siteId" TEXT NOT NULL,
    "agentUrl" TEXT NOT NULL,
    "agentTokenEnc" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "nextPollAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClusterMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."NodeObservation" (
    "memberId" TEXT NOT NULL,
    "observedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "role" TEXT NOT NULL,
    "timeline" INTEGER,
    "systemIdentifier" TEXT,
    "lsn" TEXT,
    "receiveLsn" TEXT,
    "replayLsn" TEXT,
    "lagBytes" DOUBLE PRECISION,
    "lagSeconds" DOUBLE PRECISION,
    "syncState" TEXT,
    "fenced" BOOLEAN NOT NULL DEFAULT false,
    "fenceEpoch" INTEGER,
    "lastOkAt" TIMESTAMP(3),
    "payload" JSONB,

    CONSTRAINT "NodeObservation_pkey" PRIMARY KEY ("memberId")
);

-- CreateTable
CREATE TABLE "vakt"."ObservationSample" (
    "id" BIGSERIAL NOT NULL,
    "memberId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "timeline" INTEGER,
    "lagBytes" DOUBLE PRECISION,
    "lagSeconds" DOUBLE PRECISION,
    "freeBytes" DOUBLE PRECISION,
    "totalBytes" DOUBLE PRECISION,

    CONSTRAINT "ObservationSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."ClusterEvent" (
    "id" BIGSERIAL NOT NULL,
    "clusterId" TEXT NOT NULL,
    "memberName" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL DEFAULT 'info',
    "message" TEXT NOT NULL,
    "data" JSONB,

    CONSTRAINT "ClusterEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."Worker" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Worker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."PromotionRequest" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "candidate" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "vakt"."PromotionStatus" NOT NULL DEFAULT 'PENDING',
    "automatic" BOOLEAN NOT NULL DEFAULT false,
    "requestedById" TEXT,
    "requestedByLabel" TEXT NOT NULL,
    "epochBefore" INTEGER NOT NULL,
    "epochAfter" INTEGER,
    "approvalsRequired" INTEGER NOT NULL,
    "verdict" JSONB NOT NULL,
    "observedLsns" JSONB NOT NULL,
    "attestation" TEXT,
    "acknowledgeDataLossBytes" DOUBLE PRECISION,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "executorId" TEXT,
    "executorLeaseUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "PromotionRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."PromotionApproval" (
    "id" TEXT NOT NULL,
    "promotionId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userLabel" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "epoch" INTEGER NOT NULL,
    "candidate" TEXT NOT NULL,
    "observedLsns" JSONB NOT NULL,
    "verdict" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PromotionApproval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."PromotionStep" (
    "id" BIGSERIAL NOT NULL,
    "promotionId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" TEXT,

    CONSTRAINT "PromotionStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "vakt"."User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Team_name_key" ON "vakt"."Team"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_name_key" ON "vakt"."ApiToken"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "vakt"."ApiToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Site_name_key" ON "vakt"."Site"("name");

-- CreateIndex
CREATE UNIQUE INDEX "RecoveryClass_kind_name_key" ON "vakt"."RecoveryClass"("kind", "name");

-- CreateIndex
CREATE UNIQUE INDEX "BoundedContext_slug_key" ON "vakt"."BoundedContext"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Declaration_contextId_version_key" ON "vakt"."Declaration"("contextId", "version");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "vakt"."AuditEvent"("at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_idx" ON "vakt"."AuditEvent"("action");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_idx" ON "vakt"."AuditEvent"("targetType", "targetId");

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_name_key" ON "vakt"."Cluster"("name");

-- CreateIndex
CREATE INDEX "ClusterMember_nextPollAt_idx" ON "vakt"."ClusterMember"("nextPollAt");

-- CreateIndex
CREATE UNIQUE INDEX "ClusterMember_clusterId_name_key" ON "vakt"."ClusterMember"("clusterId", "name");

-- CreateIndex
CREATE INDEX "ObservationSample_memberId_at_idx" ON "vakt"."ObservationSample"("memberId", "at");

-- CreateIndex
CREATE INDEX "ObservationSample_at_idx" ON "vakt"."ObservationSample"("at");

-- CreateIndex
CREATE INDEX "ClusterEvent_clusterId_at_idx" ON "vakt"."ClusterEvent"("clusterId", "at");

-- CreateIndex
CREATE INDEX "PromotionRequest_clusterId_status_idx" ON "vakt"."PromotionRequest"("clusterId", "status");

-- CreateIndex
CREATE INDEX "PromotionRequest_status_idx" ON "vakt"."PromotionRequest"("status");

-- CreateIndex
CREATE UNIQUE INDEX "PromotionApproval_promotionId_userId_key" ON "vakt"."PromotionApproval"("promotionId", "userId");

-- CreateIndex
CREATE INDEX "PromotionStep_promotionId_idx" ON "vakt"."PromotionStep"("promotionId");

-- AddForeignKey
ALTER TABLE "vakt"."TeamMember" ADD CONSTRAINT "TeamMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "vakt"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."TeamMember" ADD CONSTRAINT "TeamMember_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "vakt"."Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."BoundedContext" ADD CONSTRAINT "BoundedContext_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "vakt"."Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."Declaration" ADD CONSTRAINT "Declaration_contextId_fkey" FOREIGN KEY ("contextId") REFERENCES "vakt"."BoundedContext"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ClusterContext" ADD CONSTRAINT "ClusterContext_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ClusterContext" ADD CONSTRAINT "ClusterContext_contextId_fkey" FOREIGN KEY ("contextId") REFERENCES "vakt"."BoundedContext"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ClusterMember" ADD CONSTRAINT "ClusterMember_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ClusterMember" ADD CONSTRAINT "ClusterMember_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "vakt"."Site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."NodeObservation" ADD CONSTRAINT "NodeObservation_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "vakt"."ClusterMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ObservationSample" ADD CONSTRAINT "ObservationSample_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "vakt"."ClusterMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ClusterEvent" ADD CONSTRAINT "ClusterEvent_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."PromotionRequest" ADD CONSTRAINT "PromotionRequest_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."PromotionApproval" ADD CONSTRAINT "PromotionApproval_promotionId_fkey" FOREIGN KEY ("promotionId") REFERENCES "vakt"."PromotionRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."PromotionStep" ADD CONSTRAINT "PromotionStep_promotionId_fkey" FOREIGN KEY ("promotionId") REFERENCES "vakt"."PromotionRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Audit rows are append-only for every role, the app's own connection and superusers included.
-- (A superuser can still disable the trigger; `vakt audit verify` then detects any altered row
-- through the hash chain.)
CREATE OR REPLACE FUNCTION "vakt"."audit_event_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'vakt.AuditEvent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "audit_event_no_update_delete"
  BEFORE UPDATE OR DELETE ON "vakt"."AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."audit_event_append_only"();

CREATE TRIGGER "audit_event_no_truncate"
  BEFORE TRUNCATE ON "vakt"."AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "vakt"."audit_event_append_only"();
