-- Up Migration
-- Descriptors sealed under the member's data key (AES-256-GCM; the key lives in the keystore
-- database). `descriptor` stays only for rows an older version wrote, until the upgrade job seals
-- them; a row has one or the other.
ALTER TABLE face_templates ALTER COLUMN descriptor DROP NOT NULL;
ALTER TABLE face_templates ADD COLUMN descriptor_sealed bytea;
ALTER TABLE face_templates ADD CONSTRAINT face_templates_descriptor_held
  CHECK ((descriptor IS NULL) <> (descriptor_sealed IS NULL));
-- Whether the template's photo in the blob store is sealed too (the upgrade job's to-do list).
ALTER TABLE face_templates ADD COLUMN photo_sealed boolean NOT NULL DEFAULT false;
UPDATE face_templates SET photo_sealed = true WHERE photo_key IS NULL;
CREATE INDEX face_templates_unsealed ON face_templates (label) WHERE descriptor IS NOT NULL OR NOT photo_sealed;

-- Down Migration
DROP INDEX face_templates_unsealed;
ALTER TABLE face_templates DROP COLUMN photo_sealed;
ALTER TABLE face_templates DROP CONSTRAINT face_templates_descriptor_held;
ALTER TABLE face_templates DROP COLUMN descriptor_sealed;
ALTER TABLE face_templates ALTER COLUMN descriptor SET NOT NULL;
