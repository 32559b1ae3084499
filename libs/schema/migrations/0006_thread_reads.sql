-- How many of a thread's messages the reader had read when they last marked
-- it: thread listings subtract it from post_count instead of counting.
ALTER TABLE read_markers ADD COLUMN read_count bigint;
UPDATE read_markers m SET read_count = (SELECT count(*) FROM room_events e WHERE e.room = m.room AND e.seq <= m.seq
  AND e.kind = 'message' AND NOT EXISTS (SELECT 1 FROM room_events d WHERE d.room = e.room AND d.kind = 'delete'
  AND d.target_seq = e.seq))
  WHERE m.room LIKE 'thread:%';
