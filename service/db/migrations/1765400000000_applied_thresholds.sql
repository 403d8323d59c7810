-- Up Migration

-- Thresholds an admin applied after calibrating on the deployment's own faces (POST
-- /v1/admin/calibration reports them, PUT /v1/admin/thresholds applies them). One row per face
-- model version: a threshold is in its model's scale, so a model switch leaves it behind (and the
-- new model runs on its calibrated file until calibrated here again). Every replica reads it at
-- start and on the channel's notification. History is in the audit log. (Citus: a reference table.)
CREATE TABLE applied_thresholds (
  model_version   text PRIMARY KEY,
  match_threshold double precision NOT NULL,
  today_threshold double precision NOT NULL,
  applied_by      text,
  applied_at      timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE applied_thresholds;
