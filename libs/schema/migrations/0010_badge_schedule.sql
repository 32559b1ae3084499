-- The daily pass looks only at the attempts it has something to do for:
-- those within their first 120 days (by quit date), and those whose next
-- milestone is due (next_milestone_on; null until first computed, 'infinity'
-- once all are granted).
ALTER TABLE quit_attempts ADD COLUMN next_milestone_on date;
CREATE INDEX quit_attempts_next_milestone_idx ON quit_attempts (next_milestone_on) WHERE current;
CREATE INDEX quit_attempts_quit_date_idx ON quit_attempts (quit_date) WHERE current;
CREATE INDEX quit_attempts_unscheduled_idx ON quit_attempts (id) WHERE current AND next_milestone_on IS NULL;
