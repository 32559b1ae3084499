-- Meetings, the hot paths measured (docs/benchmarks.md, issue 17).

-- The decision of the occurrence's latest sign-up (a seat or not), written by
-- the same UPDATE that takes it, so that the statement can return it.
ALTER TABLE meeting_occurrences ADD COLUMN last_seat boolean NOT NULL DEFAULT false;

-- A meeting's next occurrence by index alone (the listing's one probe per
-- meeting): all occurrences of a meeting last the same, so by end is by start.
CREATE INDEX meeting_occurrences_next_idx ON meeting_occurrences (meeting_id, ends_at) INCLUDE (starts_at);

-- The waiting list's length, kept with the registered count by the same
-- statements, so that a listing reads plain columns.
ALTER TABLE meeting_occurrences ADD COLUMN waitlisted_count integer NOT NULL DEFAULT 0
  CHECK (waitlisted_count >= 0);
UPDATE meeting_occurrences o SET waitlisted_count = (SELECT count(*) FROM meeting_registrations r
  WHERE r.occurrence_id = o.id AND r.state = 'waitlisted');
-- A person's attendance lines (their listing, export and erasure).
CREATE INDEX meeting_attendance_user_idx ON meeting_attendance (user_id);
