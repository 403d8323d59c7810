-- Up Migration

-- Where an applied MATCH_THRESHOLD was fitted: the group's size (templates) and the TARGET_FPIR
-- when an admin applied it. The deployment's own calibration holds at that size, so the group is
-- searched at the applied threshold there, and the size rule tightens it only by as much as a
-- larger group (or a smaller share of the target) needs beyond it. NULL for rows applied before:
-- the applied threshold is then a floor under LFW's size rule, as it was.
ALTER TABLE applied_thresholds
  ADD COLUMN fitted_templates   integer CHECK (fitted_templates >= 0),
  ADD COLUMN fitted_target_fpir double precision CHECK (fitted_target_fpir > 0 AND fitted_target_fpir < 1);

-- Down Migration

ALTER TABLE applied_thresholds DROP COLUMN fitted_templates, DROP COLUMN fitted_target_fpir;
