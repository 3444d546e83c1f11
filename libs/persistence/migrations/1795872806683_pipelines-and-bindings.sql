-- Up Migration

-- Pipeline configuration, projected from imageflow.pipelines.v1. A pipeline exists once any of its events is
-- seen; `name` is null until one of its versions is known (an activation can be read before its version).
CREATE TABLE pipelines (
  id              text PRIMARY KEY,
  name            text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  active_version  text,
  activated_at    timestamptz,
  activated_by    text
);
-- Keyset pagination of GET /pipelines walks (created_at DESC, id DESC).
CREATE INDEX pipelines_created ON pipelines (created_at DESC, id DESC);

-- Immutable versions; `version` is the content hash (`sha256:…`) of the canonical definition, so saving the same
-- definition again is the same row (described by its earliest save). `seq` numbers a pipeline's versions 1, 2, …
-- in creation order (created_at, then event id); the projection renumbers in one statement, hence DEFERRABLE.
CREATE TABLE pipeline_versions (
  pipeline_id  text NOT NULL,
  version      text NOT NULL,
  seq          integer NOT NULL CHECK (seq >= 1),
  name         text NOT NULL,
  message      text,
  definition   jsonb NOT NULL,
  stage_kinds  jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  created_by   text NOT NULL,
  event_id     text NOT NULL,
  PRIMARY KEY (pipeline_id, version),
  CONSTRAINT pipeline_versions_seq UNIQUE (pipeline_id, seq) DEFERRABLE INITIALLY IMMEDIATE
);

-- Every activation, so a rollback (activating an older version) stays visible. One row per event.
CREATE TABLE pipeline_activations (
  event_id      text PRIMARY KEY,
  pipeline_id   text NOT NULL,
  version       text NOT NULL,
  activated_at  timestamptz NOT NULL,
  activated_by  text NOT NULL
);
CREATE INDEX pipeline_activations_pipeline ON pipeline_activations (pipeline_id, activated_at DESC, event_id DESC);

-- What each camera or line runs now. No foreign key to pipelines: bindings travel on other partitions
-- (key camera:<id> / line:<id>) and may be read before the pipeline's own events.
CREATE TABLE bindings (
  target_kind  text NOT NULL CHECK (target_kind IN ('CAMERA', 'LINE')),
  target_id    text NOT NULL,
  pipeline_id  text NOT NULL,
  bound_at     timestamptz NOT NULL,
  PRIMARY KEY (target_kind, target_id)
);
CREATE INDEX bindings_pipeline ON bindings (pipeline_id);

-- Down Migration
DROP TABLE bindings;
DROP TABLE pipeline_activations;
DROP TABLE pipeline_versions;
DROP TABLE pipelines;
