-- What the n8n workflows need beyond the capture itself: who answers the user (the webhook in
-- time, or a notification later), where a channel reply goes, the spoken confirmation.
-- (The SQL functions this migration first defined live in db/functions/ now.)

ALTER TABLE assistant.captures
    -- NULL until someone takes charge of telling the user the outcome: 'answered' (the webhook
    -- that is still waiting carried it), 'deferred' (the caller got a pending answer, so a
    -- notification must follow), 'notified' (that notification was sent).
    ADD COLUMN confirmation text CHECK (confirmation IN ('answered', 'deferred', 'notified')),
    -- Where a channel reply goes (the WhatsApp sender's number).
    ADD COLUMN reply_to text,
    -- The spoken confirmation, once Kokoro has made it.
    ADD COLUMN tts_url text;

CREATE INDEX captures_unrouted_idx ON assistant.captures (updated_at)
    WHERE routed_at IS NULL AND status = 'classified';
CREATE INDEX actions_unreminded_idx ON assistant.actions (due)
    WHERE NOT done AND reminded_at IS NULL AND due IS NOT NULL;
