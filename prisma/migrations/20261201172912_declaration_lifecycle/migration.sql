-- AlterTable
ALTER TABLE "vakt"."Team" ADD COLUMN     "autoAccept" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "vakt"."BoundedContext" ADD COLUMN     "autoAccept" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "latestVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "pendingVersion" INTEGER;

-- AlterTable
ALTER TABLE "vakt"."Declaration" ADD COLUMN     "decidedAt" TIMESTAMP(3),
ADD COLUMN     "decidedByLabel" TEXT,
ADD COLUMN     "decisionReason" TEXT,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'accepted';

-- Existing versions are accepted (the column default); the version counter starts at the highest version given out.
UPDATE "vakt"."BoundedContext" b SET "latestVersion" = GREATEST(b."currentVersion", COALESCE((SELECT MAX(d.version) FROM "vakt"."Declaration" d WHERE d."contextId" = b.id), 0));

-- What binds is the accepted version (currentVersion) together with the pending proposal: a proposal, an
-- acceptance and a rejection each recompute the context (and the clusters holding it).
DROP TRIGGER "read_model_context" ON "vakt"."BoundedContext";
CREATE TRIGGER "read_model_context" AFTER INSERT OR UPDATE OF "slug", "currentVersion", "pendingVersion" ON "vakt"."BoundedContext"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_context"();
