-- CC Mesh hub: tokens, agents, Claude Code sessions and their messages, prompts, permissions.
--
-- Every event a session's SSE stream shows (a new message, a status change, a permission change)
-- takes its id from ONE sequence, assistant.mesh_event_seq, so that a client resuming with
-- Last-Event-ID asks "everything of this session after N" across both tables. The hub assigns
-- the ids of one session under a lock on its row, so they commit in increasing order.

CREATE SEQUENCE assistant.mesh_event_seq;

CREATE TABLE assistant.tokens (
    id            text PRIMARY KEY CHECK (id ~ '^tok_[0-9A-HJKMNP-TV-Z]{26}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scope         text NOT NULL CHECK (scope IN ('agent', 'full', 'capture')),
    hash          text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),  -- SHA-256 of the token
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE assistant.agents (
    id          text PRIMARY KEY CHECK (id ~ '^agt_[0-9A-HJKMNP-TV-Z]{26}$'),
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    hostname    text,
    version     text,
    token_id    text REFERENCES assistant.tokens (id) ON DELETE SET NULL,
    online      boolean NOT NULL DEFAULT false,
    last_seen   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assistant.sessions (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9-]{1,64}$'),
    agent_id     text NOT NULL REFERENCES assistant.agents (id) ON DELETE CASCADE,
    cwd          text,
    project      text,
    title        text,
    git_branch   text,
    status       text NOT NULL DEFAULT 'idle'
                 CHECK (status IN ('idle', 'running', 'waiting_permission', 'live_terminal')),
    live         boolean NOT NULL DEFAULT false,
    last_msg_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sessions_recent_idx ON assistant.sessions (last_msg_at DESC NULLS LAST, id);
CREATE INDEX sessions_agent_idx ON assistant.sessions (agent_id);

CREATE TABLE assistant.messages (
    seq           bigint PRIMARY KEY DEFAULT nextval('assistant.mesh_event_seq'),
    session_id    text NOT NULL REFERENCES assistant.sessions (id) ON DELETE CASCADE,
    uuid          text NOT NULL CHECK (length(uuid) BETWEEN 1 AND 128),
    parent_uuid   text,
    role          text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    text          text NOT NULL DEFAULT '',
    tool_uses     jsonb NOT NULL DEFAULT '[]',
    tool_results  jsonb NOT NULL DEFAULT '[]',
    "timestamp"   timestamptz,
    is_sidechain  boolean NOT NULL DEFAULT false,
    file          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_session_uuid UNIQUE (session_id, uuid)
);

CREATE INDEX messages_session_seq_idx ON assistant.messages (session_id, seq);

-- Status and permission events of a session (messages carry their own seq).
CREATE TABLE assistant.mesh_events (
    seq         bigint PRIMARY KEY DEFAULT nextval('assistant.mesh_event_seq'),
    session_id  text NOT NULL REFERENCES assistant.sessions (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('status', 'permission')),
    data        jsonb NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX mesh_events_session_seq_idx ON assistant.mesh_events (session_id, seq);

-- Byte offsets of transcript files the hub has durably stored, per agent: the agent resumes
-- reading each file there after a reconnect or a restart of either side.
CREATE TABLE assistant.mesh_offsets (
    agent_id    text NOT NULL REFERENCES assistant.agents (id) ON DELETE CASCADE,
    session_id  text NOT NULL,
    file        text NOT NULL,
    "offset"    bigint NOT NULL CHECK ("offset" >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, session_id, file)
);

CREATE TABLE assistant.prompts (
    id            text PRIMARY KEY CHECK (id ~ '^prm_[0-9A-HJKMNP-TV-Z]{26}$'),
    session_id    text NOT NULL REFERENCES assistant.sessions (id) ON DELETE CASCADE,
    text          text NOT NULL CHECK (length(text) BETWEEN 1 AND 100000),
    voice_reply   boolean NOT NULL DEFAULT false,
    force         boolean NOT NULL DEFAULT false,
    state         text NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'running', 'done', 'failed')),
    error         text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    started_at    timestamptz,
    finished_at   timestamptz
);

CREATE INDEX prompts_undelivered_idx ON assistant.prompts (session_id, created_at)
    WHERE delivered_at IS NULL AND state = 'queued';

CREATE TABLE assistant.permissions (
    id            text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    session_id    text NOT NULL REFERENCES assistant.sessions (id) ON DELETE CASCADE,
    prompt_id     text,
    tool_name     text NOT NULL,
    input         jsonb NOT NULL DEFAULT '{}',
    source        text NOT NULL CHECK (source IN ('sdk', 'hook')),
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'approved', 'denied', 'expired')),
    message       text,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz,
    decided_by    text
);

CREATE INDEX permissions_pending_idx ON assistant.permissions (session_id, requested_at)
    WHERE state = 'pending';
