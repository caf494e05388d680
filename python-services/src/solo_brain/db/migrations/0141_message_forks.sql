-- Forks of a transcript (issue 11): a prompt forced from the phone while a terminal has the
-- session open runs in its own process, resuming the same session id; both continue from the
-- same message, which then has two children. The hub marks that message and tells the phone.
--
-- messages.thread_parent       the nearest earlier message this one continues (parent_uuid
--                              names the transcript line before it, often no message: an
--                              attachment, a turn duration); parent_uuid when the agent does
--                              not say (older agents)
-- messages_session_thread_idx  the children of a message (the fork marker of a page, and the
--                              check made for every committed batch)
-- mesh_events.kind             + fork: {uuid, children} once a message gets a second child

ALTER TABLE assistant.messages ADD COLUMN thread_parent text;

CREATE INDEX messages_session_thread_idx ON assistant.messages (session_id, thread_parent)
    WHERE thread_parent IS NOT NULL AND NOT is_sidechain;

ALTER TABLE assistant.mesh_events
    DROP CONSTRAINT mesh_events_kind_check,
    ADD CONSTRAINT mesh_events_kind_check CHECK (kind IN ('status', 'permission', 'fork'));
