-- Client briefings before a meeting (issue 12): the e-mail domains a client's people write from,
-- so that a calendar event with an attendee at acme.com is known to be with ACME, and the claim
-- that makes each briefing go out once per event (a moved event is a new one: its start is in
-- the key).

ALTER TABLE assistant.clients
    ADD COLUMN domains text[] NOT NULL DEFAULT '{}'
    CHECK (array_position(domains, NULL) IS NULL);

CREATE TABLE assistant.client_briefings (
    event_id     text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 1024),
    event_start  timestamptz NOT NULL,
    client_id    text REFERENCES assistant.clients (id) ON UPDATE CASCADE ON DELETE SET NULL,
    title        text,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, event_start)
);
