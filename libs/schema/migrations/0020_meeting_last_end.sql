-- When a meeting's last occurrence ends, kept by the trigger that bumps its
-- version: the listing skips meetings that are over without reading them
-- (a group's past meetings pile up year after year).
ALTER TABLE meetings ADD COLUMN last_ends_at timestamptz;
UPDATE meetings m SET last_ends_at = (SELECT max(ends_at) FROM meeting_occurrences o WHERE o.meeting_id = m.id);

CREATE OR REPLACE FUNCTION meeting_occurrences_touch_meeting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE meetings SET last_ends_at = (SELECT max(ends_at) FROM meeting_occurrences o WHERE o.meeting_id = OLD.meeting_id)
      WHERE id = OLD.meeting_id;
  ELSE
    UPDATE meetings SET last_ends_at = greatest(last_ends_at, NEW.ends_at) WHERE id = NEW.meeting_id;
  END IF;
  RETURN NULL;
END $$;
