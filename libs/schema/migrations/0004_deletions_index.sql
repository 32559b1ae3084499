-- "Is this message deleted?" is asked when editing, reacting and counting
-- unread messages: find a room's delete events by their target directly.
CREATE INDEX room_events_deletions_idx ON room_events (room, target_seq) WHERE kind = 'delete';
