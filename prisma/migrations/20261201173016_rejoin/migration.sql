-- CreateTable
CREATE TABLE "vakt"."RejoinRequest" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "member" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "outcome" TEXT,
    "requestedById" TEXT,
    "requestedByLabel" TEXT NOT NULL,
    "approvedById" TEXT,
    "approvedByLabel" TEXT,
    "approvedAt" TIMESTAMP(3),
    "epoch" INTEGER NOT NULL,
    "executorId" TEXT,
    "executorLeaseUntil" TIMESTAMP(3),
    "steps" JSONB NOT NULL DEFAULT '[]',
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "RejoinRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RejoinRequest_clusterId_member_status_idx" ON "vakt"."RejoinRequest"("clusterId", "member", "status");

-- CreateIndex
CREATE INDEX "RejoinRequest_status_idx" ON "vakt"."RejoinRequest"("status");

-- AddForeignKey
ALTER TABLE "vakt"."RejoinRequest" ADD CONSTRAINT "RejoinRequest_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
