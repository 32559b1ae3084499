-- Deleted means gone (issue 14). A `delete` event nulls the body of the
-- message it targets and of every edit of it, in the statement that inserts
-- it (so in its transaction, whichever writer appends it): no read path can
-- serve the text again. A moderator's hide keeps the text as the report's
-- evidence first (reports.evidence), for the moderators, until 90 days after
-- the report is resolved (the scheduler nulls it then).
ALTER TABLE reports ADD COLUMN evidence text;
CREATE INDEX reports_evidence_idx ON reports (resolved_at) WHERE evidence IS NOT NULL;

CREATE INDEX room_events_edits_idx ON room_events (room, target_seq) WHERE kind = 'edit';

CREATE FUNCTION forget_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE room_events SET body = NULL
   WHERE room = NEW.room AND body IS NOT NULL
     AND ((seq = NEW.target_seq AND kind = 'message') OR (kind = 'edit' AND target_seq = NEW.target_seq));
  RETURN NULL;
END $$;
CREATE TRIGGER room_events_forget_deleted AFTER INSERT ON room_events FOR EACH ROW
  WHEN (NEW.kind = 'delete') EXECUTE FUNCTION forget_deleted();

-- What was deleted before goes too.
UPDATE room_events e SET body = NULL
 WHERE e.body IS NOT NULL AND e.kind IN ('message', 'edit')
   AND EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room AND d.kind = 'delete'
               AND d.target_seq = CASE WHEN e.kind = 'message' THEN e.seq ELSE e.target_seq END);
