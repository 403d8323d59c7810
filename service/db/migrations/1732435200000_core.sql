-- Up Migration

CREATE TABLE members (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- 'member': a full member; 'visitor': an anonymous fan-level member (mall flows).
  kind          text NOT NULL DEFAULT 'member' CHECK (kind IN ('member', 'visitor')),
  name          text,
  phone         text,
  external_ids  jsonb NOT NULL DEFAULT '{}'::jsonb,
  tier          text NOT NULL DEFAULT 'standard',
  tags          text[] NOT NULL DEFAULT '{}',
  -- Consent to face recognition (biometric data): who recorded it, from where, when.
  consent_face_recognition boolean NOT NULL DEFAULT false,
  consent_source text,
  consent_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX members_phone_key ON members (phone) WHERE phone IS NOT NULL;

CREATE TABLE face_templates (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Stable integer key of the template in every replica's HNSW index.
  label         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  member_id     uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  descriptor    real[] NOT NULL CHECK (cardinality(descriptor) = 128),
  model_name    text NOT NULL,
  model_version text NOT NULL,
  box           jsonb NOT NULL,
  quality       jsonb NOT NULL,
  -- Key of the enrollment photo in the blob store; null when photos are not kept.
  photo_key     text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX face_templates_member_idx ON face_templates (member_id);

-- Blob deletions a purge has committed to: removed from here once the blob store confirms, and
-- retried by a sweeper until then, so that no photo outlives its member.
CREATE TABLE pending_blob_deletions (
  prefix        text PRIMARY KEY,
  requested_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE pending_blob_deletions;
DROP TABLE face_templates;
DROP TABLE members;
