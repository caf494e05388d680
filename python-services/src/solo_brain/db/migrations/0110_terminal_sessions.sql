-- Terminal sessions as the terminal shows them (issue 11).
--
-- sessions.permission_mode   the session's permission mode as Claude Code names it (default =
--                            "manual", acceptEdits, plan, auto, dontAsk, bypassPermissions),
--                            from its transcript and hooks; NULL until known.
-- sessions.terminal_waiting  the terminal shows a dialog no hook can answer (auto mode's own
--                            checks): only a person at the keyboard can go on.
-- permissions.state          + answered_in_terminal: the transcript shows that the terminal
--                            answered the dialog first; terminal_decision says how (NULL when
--                            the terminal moved on without answering).

ALTER TABLE assistant.sessions
    ADD COLUMN permission_mode text CHECK (permission_mode ~ '^[A-Za-z]{1,32}$'),
    ADD COLUMN terminal_waiting boolean NOT NULL DEFAULT false;

ALTER TABLE assistant.permissions
    DROP CONSTRAINT permissions_state_check,
    ADD CONSTRAINT permissions_state_check
        CHECK (state IN ('pending', 'approved', 'denied', 'expired', 'answered_in_terminal')),
    ADD COLUMN terminal_decision text CHECK (terminal_decision IN ('allow', 'deny'));
