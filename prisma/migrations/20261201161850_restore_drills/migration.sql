-- CreateEnum
CREATE TYPE "vakt"."DrillStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED');

-- AlterTable
ALTER TABLE "vakt"."Cluster" ADD COLUMN     "backupRepositorySite" TEXT,
ADD COLUMN     "drillHostTokenEnc" TEXT,
ADD COLUMN     "drillHostUrl" TEXT;

-- AlterTable
ALTER TABLE "vakt"."ContextReadModel" ADD COLUMN     "readiness" JSONB;

-- CreateTable
CREATE TABLE "vakt"."RestoreDrill" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "status" "vakt"."DrillStatus" NOT NULL DEFAULT 'QUEUED',
    "trigger" TEXT NOT NULL,
    "external" BOOLEAN NOT NULL DEFAULT false,
    "runner" TEXT,
    "requestedById" TEXT,
    "requestedByLabel" TEXT NOT NULL,
    "backupLabel" TEXT,
    "backupType" TEXT,
    "backupSizeBytes" DOUBLE PRECISION,
    "backupStoppedAt" TIMESTAMP(3),
    "backupChain" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "targetTime" TIMESTAMP(3),
    "walReplayBytes" DOUBLE PRECISION,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "restoreSeconds" DOUBLE PRECISION,
    "checks" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "executorId" TEXT,
    "executorLeaseUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RestoreDrill_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."RestoreDrillStep" (
    "id" BIGSERIAL NOT NULL,
    "drillId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "durationMs" INTEGER,
    "output" TEXT,

    CONSTRAINT "RestoreDrillStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RestoreDrill_clusterId_status_idx" ON "vakt"."RestoreDrill"("clusterId", "status");

-- CreateIndex
CREATE INDEX "RestoreDrill_clusterId_finishedAt_idx" ON "vakt"."RestoreDrill"("clusterId", "finishedAt");

-- CreateIndex
CREATE INDEX "RestoreDrill_status_idx" ON "vakt"."RestoreDrill"("status");

-- CreateIndex
CREATE INDEX "RestoreDrillStep_drillId_idx" ON "vakt"."RestoreDrillStep"("drillId");

-- AddForeignKey
ALTER TABLE "vakt"."RestoreDrill" ADD CONSTRAINT "RestoreDrill_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."RestoreDrillStep" ADD CONSTRAINT "RestoreDrillStep_drillId_fkey" FOREIGN KEY ("drillId") REFERENCES "vakt"."RestoreDrill"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One drill at a time per cluster (a second request while one is queued or running is 409): the
-- database enforces it, so two app instances or workers cannot both start one.
CREATE UNIQUE INDEX "RestoreDrill_one_active_per_cluster" ON "vakt"."RestoreDrill"("clusterId")
  WHERE "status" IN ('QUEUED', 'RUNNING') AND NOT "external";

-- The read model follows drills (trust, restore time, readiness) and the repository's site.
CREATE OR REPLACE FUNCTION "vakt"."read_model_on_drill"() RETURNS trigger AS $$
BEGIN
  PERFORM "vakt"."read_model_cluster_changed"(NEW."clusterId");
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "read_model_drill" AFTER INSERT OR UPDATE OF "status" ON "vakt"."RestoreDrill"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_drill"();

DROP TRIGGER "read_model_cluster" ON "vakt"."Cluster";
CREATE TRIGGER "read_model_cluster" AFTER INSERT OR UPDATE OF "name", "kind", "epoch", "backupRepositorySite", "drillHostUrl" ON "vakt"."Cluster"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_cluster_row"();
