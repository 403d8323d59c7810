-- Up Migration

-- SHA-256 of the uploaded photo: sending the same photo for the same member again (a retry after
-- a lost answer, a bulk import run twice) returns the template it made instead of a second one.
ALTER TABLE face_templates ADD COLUMN photo_digest bytea;
CREATE UNIQUE INDEX face_templates_member_digest_key ON face_templates (member_id, photo_digest) WHERE photo_digest IS NOT NULL;

-- Down Migration

DROP INDEX face_templates_member_digest_key;
ALTER TABLE face_templates DROP COLUMN photo_digest;
