-- Up Migration

-- Every event the projector has seen, exactly once (event_id is the envelope's UUIDv7).
CREATE TABLE event_log (
  event_id     text PRIMARY KEY,
  type         text NOT NULL,
  topic        text NOT NULL,
  "partition"  integer NOT NULL,
  "offset"     bigint NOT NULL,
  key          text,
  run_id       text,
  image_id     text,
  occurred_at  timestamptz NOT NULL,
  payload      jsonb NOT NULL,
  schema_id    integer NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_run ON event_log (run_id, occurred_at) WHERE run_id IS NOT NULL;
CREATE INDEX event_log_image ON event_log (image_id) WHERE image_id IS NOT NULL;
CREATE INDEX event_log_position ON event_log (topic, "partition", "offset");

-- Where each projection consumer stands, written in the same transaction as the rows it produced.
CREATE TABLE projector_checkpoints (
  consumer     text NOT NULL,
  topic        text NOT NULL,
  "partition"  integer NOT NULL,
  next_offset  bigint NOT NULL CHECK (next_offset >= 0),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, topic, "partition")
);

-- Images, one row per SHA-256 of the bytes; the earliest capture describes it.
CREATE TABLE images (
  id              text PRIMARY KEY,
  bucket          text NOT NULL,
  object_key      text NOT NULL,
  etag            text,
  size_bytes      bigint NOT NULL,
  content_type    text NOT NULL,
  width           integer,
  height          integer,
  camera_id       text NOT NULL,
  line_id         text,
  lot             text,
  serial          text,
  source          text NOT NULL,
  captured_at     timestamptz NOT NULL,
  first_seen_at   timestamptz NOT NULL,
  first_event_id  text NOT NULL,
  capture_count   integer NOT NULL DEFAULT 1
);
CREATE INDEX images_camera ON images (camera_id, captured_at DESC);
CREATE INDEX images_lot ON images (lot) WHERE lot IS NOT NULL;

-- Runs, with the capture's camera/line/lot/serial copied for filtering without joins.
CREATE TABLE runs (
  id                text PRIMARY KEY,
  image_id          text,
  pipeline_id       text,
  pipeline_version  text,
  trigger           text,
  replay_id         text,
  camera_id         text,
  line_id           text,
  lot               text,
  serial            text,
  status            text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  verdict           text CHECK (verdict IN ('OK', 'NG')),
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz,
  duration_ms       double precision,
  failed_node_id    text,
  error_code        text,
  error_message     text,
  skipped_node_ids  jsonb NOT NULL DEFAULT '[]'::jsonb
);
-- Keyset pagination walks (started_at DESC, id DESC); each filter gets an index that ends with that order.
CREATE INDEX runs_started ON runs (started_at DESC, id DESC);
CREATE INDEX runs_status ON runs (status, started_at DESC, id DESC);
CREATE INDEX runs_camera ON runs (camera_id, started_at DESC, id DESC);
CREATE INDEX runs_line ON runs (line_id, started_at DESC, id DESC);
CREATE INDEX runs_lot ON runs (lot, started_at DESC, id DESC);
CREATE INDEX runs_pipeline ON runs (pipeline_id, pipeline_version, started_at DESC, id DESC);
CREATE INDEX runs_image ON runs (image_id);
CREATE INDEX runs_replay ON runs (replay_id) WHERE replay_id IS NOT NULL;

-- One row per node of a run: the state of its latest attempt.
CREATE TABLE steps (
  run_id         text NOT NULL,
  node_id        text NOT NULL,
  part_id        text,
  part_version   text,
  stage_kind     text,
  status         text NOT NULL CHECK (status IN ('requested', 'running', 'completed', 'failed')),
  attempts       integer NOT NULL CHECK (attempts >= 1),
  worker_id      text,
  requested_at   timestamptz,
  started_at     timestamptz,
  finished_at    timestamptz,
  timings        jsonb,
  outputs        jsonb,
  model_id       text,
  model_version  text,
  error_code     text,
  error_message  text,
  retryable      boolean,
  PRIMARY KEY (run_id, node_id)
);

CREATE TABLE detections (
  run_id    text NOT NULL,
  node_id   text NOT NULL,
  idx       integer NOT NULL,
  port      text NOT NULL,
  label     text NOT NULL,
  score     double precision NOT NULL,
  box       jsonb NOT NULL,
  text      text,
  class_id  integer,
  PRIMARY KEY (run_id, node_id, idx)
);
CREATE INDEX detections_label ON detections (label);

CREATE TABLE judgements (
  run_id   text NOT NULL,
  node_id  text NOT NULL,
  port     text NOT NULL,
  verdict  text NOT NULL CHECK (verdict IN ('OK', 'NG')),
  reasons  jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (run_id, node_id, port)
);

CREATE TABLE replays (
  id                text PRIMARY KEY,
  target_pipeline_id text,
  target_version    text,
  baseline_version  text,
  filter            jsonb,
  requested_by      text,
  status            text NOT NULL CHECK (status IN ('requested', 'running', 'cancelling', 'completed', 'cancelled', 'failed')),
  matched           integer NOT NULL DEFAULT 0,
  started           integer NOT NULL DEFAULT 0,
  scan_complete     boolean NOT NULL DEFAULT false,
  message           text,
  requested_at      timestamptz,
  finished_at       timestamptz
);

-- Messages that could not be processed: the original bytes and headers, the error, and re-drive state.
-- The id is the dead letter's own position in the dead-letter topic (`<topic>:<partition>:<offset>`).
CREATE TABLE dead_letters (
  id                  text PRIMARY KEY,
  original_topic      text NOT NULL,
  original_partition  integer,
  original_offset     bigint,
  consumer_group      text,
  key                 bytea,
  value               bytea,
  headers             jsonb NOT NULL DEFAULT '{}'::jsonb,
  error               text NOT NULL,
  attempts            integer NOT NULL DEFAULT 0,
  failed_at           timestamptz NOT NULL,
  redriven_at         timestamptz,
  redrive_count       integer NOT NULL DEFAULT 0
);
CREATE INDEX dead_letters_failed ON dead_letters (failed_at DESC, id DESC);
-- One row per failed original message: a consumer that dead-letters the same message again after a restart, or
-- another group failing on it too, adds no second row (a re-drive re-publishes it to the topic for every group).
CREATE UNIQUE INDEX dead_letters_original ON dead_letters (original_topic, original_partition, original_offset);
CREATE INDEX dead_letters_topic ON dead_letters (original_topic, failed_at DESC);

-- Gateway API keys; only a hash of the key is stored.
CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'operator', 'camera')),
  key_hash      text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  last_used_at  timestamptz
);

-- Down Migration
DROP TABLE api_keys;
DROP TABLE dead_letters;
DROP TABLE replays;
DROP TABLE judgements;
DROP TABLE detections;
DROP TABLE steps;
DROP TABLE runs;
DROP TABLE images;
DROP TABLE projector_checkpoints;
DROP TABLE event_log;
