-- CreateTable
CREATE TABLE "vakt"."ClusterReadModel" (
    "clusterId" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "inputs" JSONB NOT NULL,
    "state" TEXT NOT NULL,
    "report" JSONB NOT NULL,
    "view" JSONB NOT NULL,
    "digest" TEXT NOT NULL,

    CONSTRAINT "ClusterReadModel_pkey" PRIMARY KEY ("clusterId")
);

-- CreateTable
CREATE TABLE "vakt"."ContextReadModel" (
    "contextId" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "inputs" JSONB NOT NULL,
    "findings" JSONB NOT NULL,
    "digest" TEXT NOT NULL,

    CONSTRAINT "ContextReadModel_pkey" PRIMARY KEY ("contextId")
);

-- CreateTable
CREATE TABLE "vakt"."ReadModelChange" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReadModelChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ClusterReadModel_computedAt_idx" ON "vakt"."ClusterReadModel"("computedAt");

-- CreateIndex
CREATE INDEX "ContextReadModel_computedAt_idx" ON "vakt"."ContextReadModel"("computedAt");

-- CreateIndex
CREATE INDEX "ReadModelChange_kind_key_idx" ON "vakt"."ReadModelChange"("kind", "key");

-- AddForeignKey
ALTER TABLE "vakt"."ClusterReadModel" ADD CONSTRAINT "ClusterReadModel_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "vakt"."Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vakt"."ContextReadModel" ADD CONSTRAINT "ContextReadModel_contextId_fkey" FOREIGN KEY ("contextId") REFERENCES "vakt"."BoundedContext"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Read-model change triggers (lib/readmodel/README.md): every writer of an input of the read model
-- appends a change row, in its own transaction, so no writer can forget to tell the worker. Only
-- appends (never an UPDATE of a shared row): writers never wait for each other or for the worker.
-- Time alone (staleness, windows) is covered by the worker recomputing every row once per poll interval.

-- A cluster changed: the cluster and every context it holds.
CREATE OR REPLACE FUNCTION "vakt"."read_model_cluster_changed"(cluster_id TEXT) RETURNS void AS $$
  INSERT INTO "vakt"."ReadModelChange" ("kind", "key")
  SELECT 'cluster', cluster_id
  UNION ALL
  SELECT 'context', cc."contextId" FROM "vakt"."ClusterContext" cc WHERE cc."clusterId" = cluster_id;
$$ LANGUAGE sql;

-- A context changed: the context and every cluster holding it (the clusters' verdicts use its policy).
CREATE OR REPLACE FUNCTION "vakt"."read_model_context_changed"(context_id TEXT) RETURNS void AS $$
  INSERT INTO "vakt"."ReadModelChange" ("kind", "key")
  SELECT 'context', context_id
  UNION ALL
  SELECT 'cluster', cc."clusterId" FROM "vakt"."ClusterContext" cc WHERE cc."contextId" = context_id;
$$ LANGUAGE sql;

CREATE OR REPLACE FUNCTION "vakt"."read_model_on_observation"() RETURNS trigger AS $$
BEGIN
  PERFORM "vakt"."read_model_cluster_changed"(m."clusterId") FROM "vakt"."ClusterMember" m WHERE m.id = NEW."memberId";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A new observation, or one whose status, role, timeline, identity, fencing or sync state moved
-- (every poll moves observedAt and LSNs: those wait for the once-per-interval recomputation).
CREATE TRIGGER "read_model_observation_insert" AFTER INSERT ON "vakt"."NodeObservation"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_observation"();
CREATE TRIGGER "read_model_observation_update" AFTER UPDATE ON "vakt"."NodeObservation"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."role" IS DISTINCT FROM NEW."role"
                  OR OLD."timeline" IS DISTINCT FROM NEW."timeline" OR OLD."systemIdentifier" IS DISTINCT FROM NEW."systemIdentifier"
                  OR OLD."fenced" IS DISTINCT FROM NEW."fenced" OR OLD."fenceEpoch" IS DISTINCT FROM NEW."fenceEpoch"
                  OR OLD."syncState" IS DISTINCT FROM NEW."syncState" OR OLD."error" IS DISTINCT FROM NEW."error")
  EXECUTE FUNCTION "vakt"."read_model_on_observation"();

CREATE OR REPLACE FUNCTION "vakt"."read_model_on_cluster_row"() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'Cluster' THEN
    PERFORM "vakt"."read_model_cluster_changed"(CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
  ELSE
    PERFORM "vakt"."read_model_cluster_changed"(CASE WHEN TG_OP = 'DELETE' THEN OLD."clusterId" ELSE NEW."clusterId" END);
  END IF;
  IF TG_TABLE_NAME = 'ClusterContext' THEN
    PERFORM "vakt"."read_model_context_changed"(CASE WHEN TG_OP = 'DELETE' THEN OLD."contextId" ELSE NEW."contextId" END);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Clusters (epoch, kind), members (never their poll leases or due times), and which contexts a cluster holds.
CREATE TRIGGER "read_model_cluster" AFTER INSERT OR UPDATE OF "name", "kind", "epoch" ON "vakt"."Cluster"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_cluster_row"();
CREATE TRIGGER "read_model_member" AFTER INSERT OR DELETE OR UPDATE OF "name", "siteId", "agentUrl" ON "vakt"."ClusterMember"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_cluster_row"();
CREATE TRIGGER "read_model_cluster_context" AFTER INSERT OR UPDATE OR DELETE ON "vakt"."ClusterContext"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_cluster_row"();

CREATE OR REPLACE FUNCTION "vakt"."read_model_on_context"() RETURNS trigger AS $$
BEGIN
  PERFORM "vakt"."read_model_context_changed"(NEW.id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A declaration change moves the context's current version (compare-and-set in lib/registry).
CREATE TRIGGER "read_model_context" AFTER INSERT OR UPDATE OF "slug", "currentVersion" ON "vakt"."BoundedContext"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_context"();

CREATE OR REPLACE FUNCTION "vakt"."read_model_on_class"() RETURNS trigger AS $$
BEGIN
  -- a class bound changes policies everywhere: every cluster and every context
  INSERT INTO "vakt"."ReadModelChange" ("kind", "key")
  SELECT 'cluster', id FROM "vakt"."Cluster" UNION ALL SELECT 'context', id FROM "vakt"."BoundedContext";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "read_model_class" AFTER INSERT OR UPDATE OR DELETE ON "vakt"."RecoveryClass"
  FOR EACH STATEMENT EXECUTE FUNCTION "vakt"."read_model_on_class"();

CREATE OR REPLACE FUNCTION "vakt"."read_model_on_promotion"() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'PromotionStep' THEN
    PERFORM "vakt"."read_model_cluster_changed"(p."clusterId") FROM "vakt"."PromotionRequest" p WHERE p.id = NEW."promotionId";
  ELSE
    PERFORM "vakt"."read_model_cluster_changed"(NEW."clusterId");
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Promotion steps (the executor's progress) and request status changes (a completed promotion is history).
CREATE TRIGGER "read_model_promotion_step" AFTER INSERT ON "vakt"."PromotionStep"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_promotion"();
CREATE TRIGGER "read_model_promotion" AFTER INSERT OR UPDATE OF "status" ON "vakt"."PromotionRequest"
  FOR EACH ROW EXECUTE FUNCTION "vakt"."read_model_on_promotion"();
