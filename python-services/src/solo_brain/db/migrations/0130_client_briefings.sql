-- Client briefings before a meeting (issue 12): the e-mail domains a client's people write from,
-- so that a calendar event with an attendee at acme.com is known to be with ACME, and the claim
-- that makes each briefing go out once per event (a moved event is a new one: its start is in
-- the key), and the sending of each briefing to each of its destinations (the speech, Web Push,
-- Gotify, WhatsApp): recorded, retried by the next runs until done or until the meeting starts.

ALTER TABLE assistant.clients
    ADD COLUMN domains text[] NOT NULL DEFAULT '{}'
    CHECK (array_position(domains, NULL) IS NULL);

CREATE TABLE assistant.client_briefings (
    event_id     text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 1024),
    event_start  timestamptz NOT NULL,
    client_id    text REFERENCES assistant.clients (id) ON UPDATE CASCADE ON DELETE SET NULL,
    title        text,
    -- The briefing as the classify service worded it ({speech, push: {title, body, url, tag}}):
    -- what the retries send again once the calendar no longer lists the event.
    detail       jsonb NOT NULL DEFAULT '{}',
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, event_start)
);

CREATE TABLE assistant.client_briefing_sends (
    event_id         text NOT NULL,
    event_start      timestamptz NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('speech', 'push', 'gotify', 'whatsapp')),
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'done', 'failed', 'given_up')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    -- While an attempt runs it holds the lease; NULL: the next run may take it.
    next_attempt_at  timestamptz,
    -- What the destination calls it: the audio's URL, the Gotify or WhatsApp message id.
    external_ref     text,
    detail           jsonb NOT NULL DEFAULT '{}',
    updated_at       timestamptz NOT NULL DEFAULT now(),
    done_at          timestamptz,
    PRIMARY KEY (event_id, event_start, kind),
    FOREIGN KEY (event_id, event_start) REFERENCES assistant.client_briefings
        ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE INDEX client_briefing_sends_pending_idx ON assistant.client_briefing_sends (event_start)
    WHERE state = 'pending';
