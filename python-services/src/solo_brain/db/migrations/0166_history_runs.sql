-- A big transcript's history stored as its own bytes (issue 11): the agent sends each run of
-- the missing history as the zstd-compressed bytes of its whole lines (`history_run` frames);
-- the hub keeps the run once and one light row per message, and folds a message's line when a
-- page shows it (mesh_protocol.fold, the agent's own fold).
--
-- transcript_runs        one run: bytes [start_offset, end_offset) of a file, zstd-compressed.
--                        STORAGE EXTERNAL: already compressed, Postgres must not try pglz on it.
-- messages.run_id        the run holding the message's line (NULL: text, tool_uses and
--                        tool_results are stored in the row, as for every message sent folded)
-- messages.run_at/_size  where the line lies in the decompressed run, without its newline

CREATE TABLE assistant.transcript_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id    text NOT NULL REFERENCES assistant.sessions (id) ON DELETE CASCADE,
    file          text NOT NULL,
    start_offset  bigint NOT NULL CHECK (start_offset >= 0),
    end_offset    bigint NOT NULL CHECK (end_offset > start_offset),
    data          bytea NOT NULL
);

ALTER TABLE assistant.transcript_runs ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE INDEX transcript_runs_session_idx ON assistant.transcript_runs (session_id);

ALTER TABLE assistant.messages
    ADD COLUMN run_id bigint,
    ADD COLUMN run_at integer CHECK (run_at >= 0),
    ADD COLUMN run_size integer CHECK (run_size > 0),
    ADD CONSTRAINT messages_run_line CHECK ((run_id IS NULL) = (run_at IS NULL AND run_size IS NULL));
