-- Up Migration

-- A template is `enrolled` (from a photo an operator or member gave) or `adaptive` (a face a till
-- recognised clearly, learnt so that what Visage knows of the member follows the cameras that see
-- them). Adaptive ones are capped per member and never replace an enrolled one; the partial index
-- finds a member's oldest adaptive template to replace.
ALTER TABLE face_templates ADD COLUMN kind text NOT NULL DEFAULT 'enrolled' CHECK (kind IN ('enrolled', 'adaptive'));
CREATE INDEX face_templates_adaptive ON face_templates (member_id, created_at) WHERE kind = 'adaptive';

-- Down Migration

DROP INDEX face_templates_adaptive;
ALTER TABLE face_templates DROP COLUMN kind;
