-- Up Migration
-- Consent as records (GDPR art. 7, PIPL's separate consent for faces): what the member agreed to
-- or withdrew, under which text, through which channel, when. members.consent_* stays the current
-- state; these rows are its history, exported with the member and erased with them.
CREATE TABLE consent_records (
  id           bigint GENERATED ALWAYS AS IDENTITY,
  member_id    uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  purpose      text NOT NULL CHECK (purpose IN ('faceRecognition')),
  granted      boolean NOT NULL,
  text_version text,
  source       text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (member_id, id)
);
-- What the members table says today becomes each member's first record.
INSERT INTO consent_records (member_id, purpose, granted, source, at)
SELECT id, 'faceRecognition', consent_face_recognition, coalesce(consent_source, 'before consent records'), coalesce(consent_at, created_at)
  FROM members WHERE consent_at IS NOT NULL OR consent_face_recognition;

-- Down Migration
DROP TABLE consent_records;
