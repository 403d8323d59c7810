-- Up Migration

-- Descriptors are as long as their model makes them (128 for face-api, 512 for the default
-- ONNX model); every template records its model, and a replica indexes only its own model's, so
-- lengths never meet. The check keeps out empty or absurd arrays.
ALTER TABLE face_templates DROP CONSTRAINT face_templates_descriptor_check;
ALTER TABLE face_templates ADD CONSTRAINT face_templates_descriptor_length CHECK (cardinality(descriptor) BETWEEN 64 AND 4096);

-- Down Migration

ALTER TABLE face_templates DROP CONSTRAINT face_templates_descriptor_length;
ALTER TABLE face_templates ADD CONSTRAINT face_templates_descriptor_check CHECK (cardinality(descriptor) = 128);
