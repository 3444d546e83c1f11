-- Up Migration

-- Gateway camera ingest: one claim per image id (the SHA-256 of the bytes), so the same bytes produce one
-- ImageCaptured however many times and however concurrently they are sent, across gateway restarts.
-- A request claims the row with INSERT … ON CONFLICT DO NOTHING before producing. The claim is a lease:
-- if the producer fails (or the process dies) before `published_at` is set, the lease runs out (or is
-- released at once on a producer error) and a retry takes the row over and publishes the SAME event_id,
-- so consumers that dedupe by event id see at most one capture even if the first send did reach Kafka.
CREATE TABLE ingest_dedup (
  image_id      text PRIMARY KEY,
  event_id      text NOT NULL,
  camera_id     text NOT NULL,
  claim_token   text NOT NULL,
  lease_until   timestamptz NOT NULL,
  published_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_dedup_unpublished ON ingest_dedup (lease_until) WHERE published_at IS NULL;

-- Down Migration
DROP TABLE ingest_dedup;
