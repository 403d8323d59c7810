-- Up Migration

-- IP cameras Visage pulls itself (RTSP, or MJPEG over HTTP). The URL may carry credentials: it is
-- never answered or logged unmasked.
CREATE TABLE cameras (
  id text PRIMARY KEY,
  name text NOT NULL,
  url text NOT NULL,
  sample_fps real NOT NULL DEFAULT 4,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Exactly one replica pulls a camera: the holder of its lease, renewed by a heartbeat; a lease not
-- renewed expires and another replica takes the camera over.
CREATE TABLE camera_leases (
  camera_id text PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  -- The holder's view of the stream (state, frames in / analysed / dropped, lag, last error), written
  -- with each heartbeat so that any replica can answer GET /v1/cameras.
  status jsonb
);

-- Every replica reconciles at once when a camera is added, changed or removed.
CREATE FUNCTION notify_camera_change() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('visage_camera_changes', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cameras_changed AFTER INSERT OR UPDATE OR DELETE ON cameras
  FOR EACH STATEMENT EXECUTE FUNCTION notify_camera_change();

-- Down Migration

DROP TRIGGER cameras_changed ON cameras;
DROP FUNCTION notify_camera_change();
DROP TABLE camera_leases;
DROP TABLE cameras;
