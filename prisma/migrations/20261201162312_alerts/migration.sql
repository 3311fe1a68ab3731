-- CreateTable
CREATE TABLE "vakt"."Alert" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "cluster" TEXT,
    "context" TEXT,
    "member" TEXT,
    "state" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "firedAt" TIMESTAMP(3) NOT NULL,
    "lastTrueAt" TIMESTAMP(3) NOT NULL,
    "clearSince" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),
    "ackedAt" TIMESTAMP(3),
    "ackedBy" TEXT,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."AlertReceiver" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "urlEnc" TEXT NOT NULL,
    "tokenEnc" TEXT,
    "resendSeconds" INTEGER NOT NULL DEFAULT 60,
    "lastResendAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertReceiver_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."AlertDelivery" (
    "id" TEXT NOT NULL,
    "alertId" TEXT NOT NULL,
    "receiverId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vakt"."Silence" (
    "id" TEXT NOT NULL,
    "match" JSONB NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Silence_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Alert_state_firedAt_idx" ON "vakt"."Alert"("state", "firedAt");

-- CreateIndex
CREATE INDEX "Alert_key_idx" ON "vakt"."Alert"("key");

-- CreateIndex
CREATE UNIQUE INDEX "AlertReceiver_name_key" ON "vakt"."AlertReceiver"("name");

-- CreateIndex
CREATE INDEX "AlertDelivery_status_nextAttemptAt_idx" ON "vakt"."AlertDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "AlertDelivery_alertId_receiverId_event_key" ON "vakt"."AlertDelivery"("alertId", "receiverId", "event");

-- CreateIndex
CREATE INDEX "Silence_until_idx" ON "vakt"."Silence"("until");

-- AddForeignKey
ALTER TABLE "vakt"."AlertDelivery" ADD CONSTRAINT "AlertDelivery_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "vakt"."Alert"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."AlertDelivery" ADD CONSTRAINT "AlertDelivery_receiverId_fkey" FOREIGN KEY ("receiverId") REFERENCES "vakt"."AlertReceiver"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- At most one open alert per key: a second worker (or a restarted one) can never fire it twice.
CREATE UNIQUE INDEX "Alert_one_open_per_key" ON "vakt"."Alert"("key") WHERE "state" <> 'resolved';
