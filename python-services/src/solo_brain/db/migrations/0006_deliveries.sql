-- Filing and delivering are two things: a capture is filed once its transcript and
-- classification are recorded, and everything that goes somewhere else (calendar event, Onyx
-- document, Claude Code prompt, WhatsApp reply, notification) is a delivery with its own state,
-- attempts and idempotency key. This migration adds the deliveries, moves the routing state
-- kept so far (actions.calendar_event_id, captures.stored_in and routed_at) into them, and drops
-- every SQL function the earlier migrations defined: db/functions/ defines them from now on.

-- Monotonic ids: the counter part of assistant.new_ulid() (db/functions/ids.sql).
CREATE SEQUENCE assistant.ulid_seq;

CREATE TABLE assistant.deliveries (
    id               text PRIMARY KEY CHECK (id ~ '^dlv_[0-9A-HJKMNP-TV-Z]{26}$'),
    capture_id       text NOT NULL REFERENCES assistant.captures (id) ON DELETE CASCADE,
    action_id        bigint REFERENCES assistant.actions (id) ON DELETE SET NULL,
    kind             text NOT NULL CHECK (kind IN ('calendar_event', 'calendar_cancel',
                                                   'onyx_document', 'cc_prompt', 'whatsapp_text',
                                                   'whatsapp_voice', 'push', 'gotify')),
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    -- What makes a second attempt land on the same thing at the destination (and a second
    -- planning of the same delivery impossible): one calendar event per action and date, one
    -- Onyx document and one prompt per capture, one reply per capture and outcome.
    idempotency_key  text NOT NULL UNIQUE,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    -- When a retry may take it; NULL: now. While an attempt runs it holds the lease.
    next_attempt_at  timestamptz,
    -- What the destination calls it: event id, Onyx document id, session/prompt id, message id.
    external_ref     text,
    -- What the request is made of (the action's text and date, the reply's text, ...).
    detail           jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    done_at          timestamptz
);

CREATE INDEX deliveries_capture_idx ON assistant.deliveries (capture_id, created_at);
CREATE INDEX deliveries_due_idx ON assistant.deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_failed_idx ON assistant.deliveries (updated_at DESC)
    WHERE state = 'failed';
CREATE INDEX deliveries_action_idx ON assistant.deliveries (action_id)
    WHERE action_id IS NOT NULL;

-- A retried POST of the same prompt (same key) is the same prompt.
ALTER TABLE assistant.prompts ADD COLUMN idempotency_key text UNIQUE;

-- When the models were given up on (status 'failed' until a retry by hand).
ALTER TABLE assistant.captures ADD COLUMN failed_at timestamptz;

-- What was delivered before deliveries existed becomes done deliveries, with the keys the
-- planner uses now, so that nothing is delivered a second time. (Ids: a digest of what each
-- row is, in the ULID alphabet; they only need to be unique.)
INSERT INTO assistant.deliveries (id, capture_id, action_id, kind, state, idempotency_key,
                                  attempts, external_ref, detail, created_at, done_at)
SELECT 'dlv_' || upper(left(md5('calendar_event:' || a.id), 26)), a.capture_id, a.id,
       'calendar_event', 'done',
       'calendar_event:' || a.id || ':' || to_char(a.due, 'YYYY-MM-DD') || ':'
       || left(md5(a.text), 12), 1,
       a.calendar_event_id, jsonb_build_object('text', a.text, 'due', a.due),
       a.created_at, a.created_at
  FROM assistant.actions a
 WHERE a.calendar_event_id IS NOT NULL AND a.due IS NOT NULL;

INSERT INTO assistant.deliveries (id, capture_id, kind, state, idempotency_key, attempts,
                                  external_ref, detail, created_at, done_at)
SELECT 'dlv_' || upper(left(md5(place || ':' || c.id), 26)), c.id,
       CASE WHEN place LIKE 'onyx://%' THEN 'onyx_document' ELSE 'cc_prompt' END, 'done',
       CASE WHEN place LIKE 'onyx://%' THEN 'onyx_document:' ELSE 'cc_prompt:' END || c.id, 1,
       regexp_replace(place, '^(onyx://|cc:)', ''), '{}'::jsonb, c.created_at, c.updated_at
  FROM assistant.captures c, unnest(c.stored_in) AS place
 WHERE place LIKE 'onyx://%' OR place LIKE 'cc:%';

-- A prompt that waited in the inbox (its session was not found) is now a pending delivery.
INSERT INTO assistant.deliveries (id, capture_id, kind, idempotency_key, detail)
SELECT 'dlv_' || upper(left(md5('cc_prompt:' || c.id), 26)), c.id, 'cc_prompt',
       'cc_prompt:' || c.id,
       jsonb_build_object('session_hint', c.cc_prompt->>'session_hint',
                          'prompt', c.cc_prompt->>'prompt')
  FROM assistant.captures c
 WHERE c.status = 'classified' AND c.routed_at IS NOT NULL AND c.cc_prompt IS NOT NULL
ON CONFLICT (idempotency_key) DO NOTHING;

-- Statuses: a capture is filed once classified; 'received' and 'classified' are gone.
UPDATE assistant.captures SET failed_at = updated_at WHERE status = 'failed';
UPDATE assistant.captures SET status = 'filed' WHERE status = 'classified';
UPDATE assistant.captures SET status = CASE WHEN transcript IS NULL AND text IS NULL
                                            THEN 'pending_transcription'
                                            ELSE 'pending_classification' END
 WHERE status = 'received';
-- Filed before the confirmation was tracked: it was answered then.
UPDATE assistant.captures SET confirmation = 'answered'
 WHERE status = 'filed' AND confirmation IS NULL AND routed_at IS NOT NULL;
ALTER TABLE assistant.captures DROP CONSTRAINT captures_status_check;
ALTER TABLE assistant.captures ADD CONSTRAINT captures_status_check
    CHECK (status IN ('pending_transcription', 'pending_classification', 'filed', 'failed'));
ALTER TABLE assistant.captures ALTER COLUMN status SET DEFAULT 'pending_classification';

-- The functions of 0001-0005 (db/functions/ defines the current ones right after).
DROP FUNCTION IF EXISTS assistant.new_ulid(timestamptz);
DROP FUNCTION IF EXISTS assistant.capture_json(text);
DROP FUNCTION IF EXISTS assistant.replace_actions(text, jsonb);
DROP FUNCTION IF EXISTS assistant.record_capture(jsonb);
DROP FUNCTION IF EXISTS assistant.reclassify_capture(text, jsonb, text);
DROP FUNCTION IF EXISTS assistant.capture_answer(text);
DROP FUNCTION IF EXISTS assistant.capture_outcome(text);
DROP FUNCTION IF EXISTS assistant.receive_capture(jsonb);
DROP FUNCTION IF EXISTS assistant.keep_pending(jsonb);
DROP FUNCTION IF EXISTS assistant.claim_routing(jsonb);
DROP FUNCTION IF EXISTS assistant.add_stored_in(jsonb);
DROP FUNCTION IF EXISTS assistant.record_calendar_event(jsonb);
DROP FUNCTION IF EXISTS assistant.finish_capture(jsonb);
DROP FUNCTION IF EXISTS assistant.defer_confirmation(jsonb);
DROP FUNCTION IF EXISTS assistant.await_confirmation(jsonb);
DROP FUNCTION IF EXISTS assistant.claim_retries(jsonb);
DROP FUNCTION IF EXISTS assistant.claim_reminders(jsonb);
DROP FUNCTION IF EXISTS assistant.briefing(jsonb);
DROP FUNCTION IF EXISTS assistant.record_workflow_failure(jsonb);

ALTER TABLE assistant.captures DROP COLUMN stored_in, DROP COLUMN routed_at;
ALTER TABLE assistant.actions DROP COLUMN calendar_event_id;

DROP INDEX IF EXISTS assistant.captures_status_idx;
CREATE INDEX captures_pending_idx ON assistant.captures (status, next_attempt_at)
    WHERE status IN ('pending_transcription', 'pending_classification');
