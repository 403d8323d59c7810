-- Up Migration

-- A template recomputed by a newer descriptor model points at the one it was made from. Both
-- live side by side while replicas of both models run (each indexes only its own model's); the
-- old ones are pruned once every replica runs the new model.
ALTER TABLE face_templates ADD COLUMN reindexed_from uuid;
CREATE INDEX face_templates_reindexed_from_idx ON face_templates (reindexed_from) WHERE reindexed_from IS NOT NULL;
CREATE INDEX face_templates_model_idx ON face_templates (model_name, model_version);

-- Down Migration

DROP INDEX face_templates_model_idx;
ALTER TABLE face_templates DROP COLUMN reindexed_from;
