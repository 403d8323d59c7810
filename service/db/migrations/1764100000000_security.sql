-- Up Migration

-- API keys: only a SHA-256 digest of each key is kept (keys are 256-bit random, so a fast digest
-- is enough); the key itself is shown once, when it is created.
CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('camera', 'pos', 'operator', 'admin')),
  key_digest  bytea NOT NULL UNIQUE,
  -- The first characters of the key, so that people can tell their keys apart in a listing.
  key_prefix  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz
);

-- Who did what to which member, when, and how it ended. Never photos or descriptors. No foreign
-- key to members: the record of a purge outlives the member it erased.
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  key_id      uuid,
  key_name    text,
  role        text,
  action      text NOT NULL,
  member_id   uuid,
  outcome     text NOT NULL,
  status      integer NOT NULL,
  request_id  text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_member_idx ON audit_log (member_id, at DESC) WHERE member_id IS NOT NULL;

-- Down Migration

DROP TABLE audit_log;
DROP TABLE api_keys;
