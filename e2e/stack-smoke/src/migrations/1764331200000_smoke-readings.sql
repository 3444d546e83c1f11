-- Up Migration
CREATE TABLE smoke_readings (
  id bigserial PRIMARY KEY,
  camera_id text NOT NULL,
  brightness double precision NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX smoke_readings_camera ON smoke_readings (camera_id, taken_at);

-- Down Migration
DROP TABLE smoke_readings;
