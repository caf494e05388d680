-- Big transcripts, tail first (issue 11): an agent may send the end of a new transcript first
-- and its history after, so the newest page is readable at once.
--
-- messages.pos             a session's message order (pages and their cursor). A message sent
--                          in file order gets seq * 2^32 (the order of arrival, as before); the
--                          history of a file sent tail first gets base - (tail start - its
--                          batch's start offset) + its rank in the batch, where base is the
--                          seq * 2^32 reserved when the tail arrived: file order, just before
--                          the tail. seq stays the SSE/event cursor.
-- messages.history         backfilled history: in pages, never an SSE event (not new)
-- mesh_offsets.history_*   the missing history of a file sent tail first: bytes
--                          [history_next, history_end) still to come; history_base as above.
--                          NULL when the file has no missing history.

ALTER TABLE assistant.messages
    ADD COLUMN pos bigint,
    ADD COLUMN history boolean NOT NULL DEFAULT false;

UPDATE assistant.messages SET pos = seq * 4294967296;

ALTER TABLE assistant.messages ALTER COLUMN pos SET NOT NULL;

-- functions/mesh_messages.sql fills pos for inserts that say nothing of it (arrival order).

CREATE INDEX messages_session_pos_idx ON assistant.messages (session_id, pos);

ALTER TABLE assistant.mesh_offsets
    ADD COLUMN history_next bigint CHECK (history_next >= 0),
    ADD COLUMN history_end bigint CHECK (history_end >= 0),
    ADD COLUMN history_base bigint;
