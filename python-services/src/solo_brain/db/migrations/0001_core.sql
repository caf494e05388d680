-- Solo Brain core schema: captures, actions, projects, clients, audit log.
-- (The SQL functions this migration first defined live in db/functions/ now.)

CREATE SCHEMA IF NOT EXISTS assistant;

CREATE TABLE assistant.clients (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    aliases     text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assistant.projects (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    client_id   text REFERENCES assistant.clients (id) ON UPDATE CASCADE ON DELETE SET NULL,
    aliases     text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assistant.captures (
    id                  text PRIMARY KEY CHECK (id ~ '^cap_[0-9A-HJKMNP-TV-Z]{26}$'),
    channel             text NOT NULL DEFAULT 'api'
                        CHECK (channel IN ('siri', 'whatsapp', 'pwa', 'api', 'email')),
    channel_message_id  text,
    mode                text NOT NULL DEFAULT 'text' CHECK (mode IN ('voice', 'text')),
    text                text,
    transcript          text,
    language            text,
    duration_s          real,
    audio_ref           text,
    hint                text,
    public              boolean NOT NULL DEFAULT false,
    status              text NOT NULL DEFAULT 'received'
                        CHECK (status IN ('received', 'pending_transcription',
                                          'pending_classification', 'classified', 'filed',
                                          'failed')),
    category            text CHECK (category IN ('client', 'idee_rd', 'todo', 'note_tech',
                                                 'admin', 'perso')),
    project             text REFERENCES assistant.projects (slug)
                        ON UPDATE CASCADE ON DELETE SET NULL,
    client_id           text REFERENCES assistant.clients (id)
                        ON UPDATE CASCADE ON DELETE SET NULL,
    summary             text,
    classifier          text,
    needs_review        boolean NOT NULL DEFAULT false,
    cc_prompt           jsonb,
    speech              text,
    stored_in           text[] NOT NULL DEFAULT '{}',
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text,
    next_attempt_at     timestamptz,
    routed_at           timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT captures_has_input CHECK (text IS NOT NULL OR audio_ref IS NOT NULL
                                         OR transcript IS NOT NULL),
    CONSTRAINT captures_channel_message UNIQUE (channel, channel_message_id)
);

CREATE INDEX captures_status_idx ON assistant.captures (status, next_attempt_at)
    WHERE status IN ('pending_transcription', 'pending_classification', 'received');
CREATE INDEX captures_created_idx ON assistant.captures (created_at DESC);

CREATE TABLE assistant.actions (
    id                  bigserial PRIMARY KEY,
    capture_id          text NOT NULL REFERENCES assistant.captures (id) ON DELETE CASCADE,
    position            integer NOT NULL DEFAULT 0,
    text                text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    due                 date,
    due_phrase          text,
    done                boolean NOT NULL DEFAULT false,
    done_at             timestamptz,
    calendar_event_id   text,
    reminded_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX actions_capture_idx ON assistant.actions (capture_id, position);
CREATE INDEX actions_due_idx ON assistant.actions (due) WHERE NOT done;

CREATE TABLE assistant.audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    subject     text,
    detail      jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_subject_idx ON assistant.audit_log (subject, at);
