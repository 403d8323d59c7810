-- Up Migration

-- This database's identity (an index snapshot taken from another database is never loaded) and
-- the change-log horizon: changes up to it have been compacted away, so a snapshot older than it
-- cannot catch up and is rebuilt instead.
CREATE TABLE visage_instance (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  instance_id     uuid NOT NULL DEFAULT gen_random_uuid(),
  change_horizon  bigint NOT NULL DEFAULT 0
);
INSERT INTO visage_instance DEFAULT VALUES;

-- Every template insert and delete, in commit order: replicas apply it to their in-memory index.
CREATE TABLE template_changes (
  seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  op           text NOT NULL CHECK (op IN ('add', 'remove')),
  template_id  uuid NOT NULL,
  member_id    uuid NOT NULL,
  label        bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Written by a trigger, so that no path (enroll, remove, purge's cascade, re-index) can change a
-- template without its change, and always in the same transaction.
CREATE FUNCTION log_template_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One writer at a time until commit: sequence numbers then become visible in order, so a
  -- replica that has applied change N has seen every change before N.
  PERFORM pg_advisory_xact_lock(7368295601);
  IF TG_OP = 'INSERT' THEN
    INSERT INTO template_changes (op, template_id, member_id, label) VALUES ('add', NEW.id, NEW.member_id, NEW.label);
  ELSE
    INSERT INTO template_changes (op, template_id, member_id, label) VALUES ('remove', OLD.id, OLD.member_id, OLD.label);
  END IF;
  -- Delivered at commit; replicas also poll, so a lost notification only delays.
  PERFORM pg_notify('visage_template_changes', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER face_templates_change_log AFTER INSERT OR DELETE ON face_templates
  FOR EACH ROW EXECUTE FUNCTION log_template_change();

-- Down Migration

DROP TRIGGER face_templates_change_log ON face_templates;
DROP FUNCTION log_template_change();
DROP TABLE template_changes;
DROP TABLE visage_instance;
