-- Big transcripts, tail first (issue 11): an agent may send the end of a new transcript first
-- and its history after, so the newest page is readable at once.
--
-- messages.pos             a session's message order (pages and their cursor). A message sent
--                          in file order gets seq * 2^21 (the order of arrival, as before); the
--                          history of a file sent tail first (newest first, a run of lines at a
--                          time) takes the positions below s * 2^21, s a seq taken when the
--                          tail arrived, each run below the one before it: file order, after
--                          every earlier message, before the tail (room for 2^21 - 1 history
--                          messages per file; pos stays below 2^53, exact in JavaScript, while
--                          seq < 2^32). seq stays the SSE/event cursor.
-- messages.history         backfilled history: in pages, never an SSE event (not new)
-- mesh_offsets.history_*   the missing history of a file sent tail first: bytes
--                          [0, history_end) still to come, backwards from history_end;
--                          history_pos: the highest pos still free for it.
--                          NULL when the file has no missing history.

ALTER TABLE assistant.messages
    ADD COLUMN pos bigint,
    ADD COLUMN history boolean NOT NULL DEFAULT false;

UPDATE assistant.messages SET pos = seq * 2097152;

ALTER TABLE assistant.messages ALTER COLUMN pos SET NOT NULL;

-- functions/mesh_messages.sql fills pos for inserts that say nothing of it (arrival order).

CREATE INDEX messages_session_pos_idx ON assistant.messages (session_id, pos);

ALTER TABLE assistant.mesh_offsets
    ADD COLUMN history_end bigint CHECK (history_end > 0),
    ADD COLUMN history_pos bigint;

-- Whether a session still has history to come (asked for each last page): only those rows.
CREATE INDEX mesh_offsets_history_idx ON assistant.mesh_offsets (session_id)
    WHERE history_end IS NOT NULL;
