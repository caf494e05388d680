-- The phone's backend (issue 9): paired devices, pairing codes, Web Push subscriptions and the
-- hub's VAPID key pair, and the indexes of a French full-text search over captures and actions
-- with accents folded (its functions are in functions/search.sql).
-- requires: functions/search.sql

-- A device is a token of scope `full` issued by pairing (`paired`); the phone shows the others of
-- scope `full` too (tokens made by the CLI, n8n's) so that every full access can be revoked.
ALTER TABLE assistant.tokens
    ADD COLUMN paired boolean NOT NULL DEFAULT false,
    ADD COLUMN user_agent text CHECK (length(user_agent) <= 300);

-- One-time pairing codes: only the SHA-256 of the code is kept; one use, a short life.
CREATE TABLE assistant.pairing_codes (
    id           text PRIMARY KEY CHECK (id ~ '^pair_[0-9A-HJKMNP-TV-Z]{26}$'),
    hash         text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    device_name  text CHECK (length(device_name) BETWEEN 1 AND 100),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    token_id     text REFERENCES assistant.tokens (id) ON DELETE SET NULL
);

-- One Web Push subscription per device (token); an endpoint belongs to one device at a time.
CREATE TABLE assistant.push_subscriptions (
    id               text PRIMARY KEY CHECK (id ~ '^psub_[0-9A-HJKMNP-TV-Z]{26}$'),
    token_id         text NOT NULL UNIQUE REFERENCES assistant.tokens (id) ON DELETE CASCADE,
    endpoint         text NOT NULL UNIQUE CHECK (length(endpoint) BETWEEN 10 AND 2048),
    p256dh           text NOT NULL CHECK (p256dh ~ '^[A-Za-z0-9_-]{86,88}={0,2}$'),
    auth             text NOT NULL CHECK (auth ~ '^[A-Za-z0-9_-]{21,24}={0,2}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    last_success_at  timestamptz,
    failures         integer NOT NULL DEFAULT 0,
    last_error       text
);

-- A prompt filed from a capture (a voice note "pour la session X, ...") remembers it, so that a
-- spoken answer goes back where the capture came from (WhatsApp).
ALTER TABLE assistant.prompts
    ADD COLUMN capture_id text REFERENCES assistant.captures (id) ON DELETE SET NULL;

-- The hub's VAPID key pair (RFC 8292), made on first start and kept: one row.
CREATE TABLE assistant.push_vapid (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    private_key  text NOT NULL,   -- PKCS#8 PEM of the P-256 key
    public_key   text NOT NULL,   -- base64url of the uncompressed point (applicationServerKey)
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The search indexes (functions/search.sql defines the expressions they compute).
CREATE INDEX captures_search_idx ON assistant.captures USING gin (
    assistant.french_search_vector(assistant.capture_search_text(transcript, text, summary)));
CREATE INDEX actions_search_idx ON assistant.actions USING gin (
    assistant.french_search_vector(text));
CREATE INDEX captures_inbox_idx ON assistant.captures (created_at DESC, id DESC);
