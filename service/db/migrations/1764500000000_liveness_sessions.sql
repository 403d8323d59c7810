-- Up Migration

-- Active liveness challenges at the till: the challenge asked, the measurements of each frame
-- (5 points, passive score, eye openness, plane fit, the face's descriptor), the verdict once
-- judged, and when a passed session was used by an identification (single use). No photo is kept:
-- only, while the session is open, a 48×48 grey patch of the first frame's face that later frames
-- are fitted to (erased at the verdict; expired sessions are deleted by the sweep).
CREATE TABLE liveness_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  challenge text[] NOT NULL,
  key_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  frames jsonb NOT NULL DEFAULT '[]',
  first_frame_at timestamptz,
  reference jsonb,
  verdict jsonb,
  passed boolean,
  descriptor real[],
  used_at timestamptz
);
CREATE INDEX liveness_sessions_expires_at ON liveness_sessions (expires_at);

-- Down Migration

DROP TABLE liveness_sessions;
