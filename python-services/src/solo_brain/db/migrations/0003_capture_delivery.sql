-- What the n8n workflows need beyond record_capture: who answers the user (the webhook in time,
-- or a notification later), exactly-once routing, retries with backoff, reminders, briefings.
-- Each function takes ONE jsonb argument because n8n's Postgres node splits its query
-- parameters on commas: `SELECT assistant.fn($1::jsonb)` with `JSON.stringify({...})`.

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

-- The capture API answer (DESIGN.md) of one capture. stored_in lists the Postgres rows first,
-- then the external places the workflows recorded (onyx://, gcal:, cc:).
CREATE FUNCTION assistant.capture_answer(cap_id text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'capture_id', c.id,
        'status', c.status,
        'transcript', COALESCE(c.transcript, c.text),
        'category', c.category,
        'project', c.project,
        'client_id', c.client_id,
        'actions', COALESCE((SELECT jsonb_agg(jsonb_build_object('text', a.text, 'due', a.due)
                                              ORDER BY a.position, a.id)
                             FROM assistant.actions a WHERE a.capture_id = c.id), '[]'::jsonb),
        'stored_in', to_jsonb(ARRAY['pg:captures/' || c.id]
                              || ARRAY(SELECT 'pg:actions/' || a.id FROM assistant.actions a
                                        WHERE a.capture_id = c.id ORDER BY a.position, a.id)
                              || c.stored_in),
        'speech', c.speech,
        'tts_url', c.tts_url)
    FROM assistant.captures c WHERE c.id = cap_id
$$;

-- What a workflow needs to hand a capture's outcome back: the answer, and how to reach the user.
CREATE FUNCTION assistant.capture_outcome(cap_id text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('answer', assistant.capture_answer(c.id), 'channel', c.channel,
                              'mode', c.mode, 'reply_to', c.reply_to)
    FROM assistant.captures c WHERE c.id = cap_id
$$;

-- Record an incoming capture (record_capture) and where its reply goes.
-- Returns capture_json + created, like record_capture.
CREATE FUNCTION assistant.receive_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    recorded jsonb := assistant.record_capture(p - 'reply_to');
BEGIN
    IF NULLIF(p->>'reply_to', '') IS NOT NULL THEN
        UPDATE assistant.captures SET reply_to = p->>'reply_to'
         WHERE id = recorded->>'capture_id' AND reply_to IS DISTINCT FROM p->>'reply_to';
    END IF;
    RETURN recorded;
END $$;

-- A model step failed: keep the capture pending with what went wrong, schedule the next try
-- with exponential backoff (p.backoff_s * 2^(attempts-1), at most 6 h), give up after
-- p.max_attempts ('failed'), and remember that the caller only got a pending answer.
-- p = {capture_id, status, error, speech, backoff_s, max_attempts}.
-- Returns {answer: capture_answer, channel, mode, reply_to}.
CREATE FUNCTION assistant.keep_pending(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    wanted text := COALESCE(NULLIF(p->>'status', ''), 'pending_classification');
    backoff numeric := GREATEST(COALESCE((p->>'backoff_s')::numeric, 60), 0.1);
    max_attempts int := GREATEST(COALESCE((p->>'max_attempts')::int, 12), 1);
BEGIN
    IF wanted NOT IN ('pending_transcription', 'pending_classification') THEN
        RAISE EXCEPTION 'keep_pending: % is not a pending status', wanted USING ERRCODE = '22023';
    END IF;
    UPDATE assistant.captures c SET
        attempts = c.attempts + 1,
        status = CASE WHEN c.attempts + 1 >= max_attempts THEN 'failed' ELSE wanted END,
        last_error = left(p->>'error', 2000),
        speech = COALESCE(NULLIF(p->>'speech', ''), c.speech),
        next_attempt_at = now() + make_interval(secs => LEAST(backoff * 2 ^ c.attempts, 21600)),
        confirmation = COALESCE(c.confirmation, 'deferred'),
        updated_at = now()
    WHERE c.id = cap_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    RETURN assistant.capture_outcome(cap_id);
END $$;

-- Claim the routing of a classified capture exactly once (calendar, Onyx, Claude Code).
-- p = {capture_id, long_note_chars}. Returns {claimed, ...what the routing needs}; claimed is
-- true for exactly one caller, ever.
CREATE FUNCTION assistant.claim_routing(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    long_chars int := COALESCE((p->>'long_note_chars')::int, 600);
    claimed boolean;
    body text;
    c assistant.captures;
BEGIN
    UPDATE assistant.captures SET routed_at = now(), updated_at = now()
     WHERE id = cap_id AND routed_at IS NULL AND category IS NOT NULL
    RETURNING * INTO c;
    claimed := FOUND;
    IF NOT claimed THEN
        SELECT * INTO c FROM assistant.captures WHERE id = cap_id;
    END IF;
    body := COALESCE(c.transcript, c.text, '');
    RETURN jsonb_build_object(
        'claimed', claimed,
        'capture_id', cap_id,
        'channel', c.channel,
        'text', body,
        'summary', c.summary,
        'category', c.category,
        'project', c.project,
        'client_id', c.client_id,
        'created_at', c.created_at,
        'cc_prompt', c.cc_prompt,
        'long_note', claimed AND length(body) >= long_chars,
        'due_actions', CASE WHEN claimed THEN COALESCE((
            SELECT jsonb_agg(jsonb_build_object('action_id', a.id, 'text', a.text, 'due', a.due)
                             ORDER BY a.position, a.id)
              FROM assistant.actions a
             WHERE a.capture_id = cap_id AND a.due IS NOT NULL AND a.calendar_event_id IS NULL
            ), '[]'::jsonb) ELSE '[]'::jsonb END);
END $$;

-- Remember one more place where a capture went (onyx://..., gcal:..., cc:...), once.
-- (record_capture cannot be used for this alone: its INSERT checks captures_has_input before
-- ON CONFLICT, so it needs an input field even for an existing capture.)
-- p = {capture_id, place}. Returns the capture's stored_in.
CREATE FUNCTION assistant.add_stored_in(p jsonb) RETURNS text[]
LANGUAGE sql AS $$
    UPDATE assistant.captures
       SET stored_in = ARRAY(SELECT DISTINCT x FROM unnest(stored_in || ARRAY[p->>'place']) AS x
                             ORDER BY x),
           updated_at = now()
     WHERE id = p->>'capture_id' AND NULLIF(p->>'place', '') IS NOT NULL
    RETURNING stored_in
$$;

-- A calendar event was created for an action: keep its id on the action and in stored_in.
-- p = {action_id, event_id}. Returns {capture_id, action_id, event_id}.
CREATE FUNCTION assistant.record_calendar_event(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text;
BEGIN
    UPDATE assistant.actions SET calendar_event_id = p->>'event_id'
     WHERE id = (p->>'action_id')::bigint
    RETURNING capture_id INTO cap_id;
    IF cap_id IS NULL THEN
        RAISE EXCEPTION 'unknown action %', p->>'action_id' USING ERRCODE = 'P0002';
    END IF;
    PERFORM assistant.add_stored_in(jsonb_build_object(
        'capture_id', cap_id, 'place', 'gcal:' || (p->>'event_id')));
    RETURN jsonb_build_object('capture_id', cap_id, 'action_id', (p->>'action_id')::bigint,
                              'event_id', p->>'event_id');
END $$;

-- The processing is over: keep the spoken confirmation's URL, mark the capture filed (unless
-- p.file is false: something it asked for is still waiting, so it stays in the inbox), and say
-- whether a notification must carry the outcome (the caller got a pending answer earlier).
-- p = {capture_id, tts_url?, speech?, file?}. Returns capture_outcome + {deliver}.
CREATE FUNCTION assistant.finish_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    before text;
BEGIN
    SELECT confirmation INTO before FROM assistant.captures WHERE id = cap_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    UPDATE assistant.captures SET
        tts_url = COALESCE(NULLIF(p->>'tts_url', ''), tts_url),
        speech = COALESCE(NULLIF(p->>'speech', ''), speech),
        status = CASE WHEN status = 'classified' AND routed_at IS NOT NULL
                       AND COALESCE((p->>'file')::boolean, true) THEN 'filed'
                      ELSE status END,
        confirmation = CASE WHEN before IS NULL THEN 'answered'
                            WHEN before = 'deferred' THEN 'notified' ELSE before END,
        updated_at = now()
    WHERE id = cap_id;
    RETURN assistant.capture_outcome(cap_id)
           || jsonb_build_object('deliver', before IS NOT DISTINCT FROM 'deferred');
END $$;

-- The webhook is answering before the processing ended: from now on the outcome goes by
-- notification. Returns {answer: capture_answer, deferred}; deferred is false when the
-- processing finished just before (its answer is then the capture as stored, to give now).
CREATE FUNCTION assistant.defer_confirmation(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    deferred boolean;
BEGIN
    UPDATE assistant.captures SET confirmation = 'deferred', updated_at = now()
     WHERE id = cap_id AND confirmation IS NULL;
    deferred := FOUND;
    RETURN jsonb_build_object('answer', assistant.capture_answer(cap_id), 'deferred', deferred);
END $$;

-- Captures due for another try: pending ones whose backoff has passed, and, after p.grace_s
-- without any change, pending or classified-but-unrouted ones that nobody scheduled (the process
-- handling them stopped half-way). A capture being handled for the first time is never taken.
-- Each is leased for p.lease_s so that overlapping runs never process one capture twice.
-- p = {limit, lease_s, grace_s}. Returns one row per capture: {capture_id, status, attempts}.
CREATE FUNCTION assistant.claim_retries(p jsonb)
RETURNS TABLE (capture_id text, status text, attempts integer)
LANGUAGE sql AS $$
    UPDATE assistant.captures c
       SET next_attempt_at = now() + make_interval(secs => COALESCE((p->>'lease_s')::numeric, 300))
     WHERE c.id IN (
        SELECT id FROM assistant.captures
         WHERE (status IN ('pending_transcription', 'pending_classification')
                AND next_attempt_at <= now())
            OR (status IN ('pending_transcription', 'pending_classification', 'classified')
                AND routed_at IS NULL AND next_attempt_at IS NULL
                AND updated_at < now() - make_interval(secs => COALESCE((p->>'grace_s')::numeric, 300)))
         ORDER BY created_at
         LIMIT COALESCE((p->>'limit')::int, 20)
         FOR UPDATE SKIP LOCKED)
    RETURNING c.id, c.status, c.attempts
$$;

-- Open actions due within p.lead_days (0: today or overdue) in the user's zone p.tz, not yet
-- reminded: each is marked reminded in the same statement, so no action is ever reminded twice.
-- Returns one row per action: {action_id, capture_id, text, due (YYYY-MM-DD), overdue}.
CREATE FUNCTION assistant.claim_reminders(p jsonb)
RETURNS TABLE (action_id bigint, capture_id text, text text, due text, overdue boolean)
LANGUAGE sql AS $$
    WITH today AS (
        SELECT (now() AT TIME ZONE COALESCE(NULLIF(p->>'tz', ''), 'Europe/Paris'))::date AS d)
    UPDATE assistant.actions a SET reminded_at = now()
      FROM today
     WHERE a.id IN (
        SELECT x.id FROM assistant.actions x, today
         WHERE NOT x.done AND x.reminded_at IS NULL AND x.due IS NOT NULL
           AND x.due <= today.d + COALESCE((p->>'lead_days')::int, 0)
         ORDER BY x.due, x.id
         LIMIT COALESCE((p->>'limit')::int, 50)
         FOR UPDATE SKIP LOCKED)
    RETURNING a.id, a.capture_id, a.text, to_char(a.due, 'YYYY-MM-DD'), a.due < today.d
$$;

-- The morning briefing's material: open actions due today and overdue ones, in zone p.tz.
-- Returns {date, today: [{text, due}], overdue: [{text, due}]}.
CREATE FUNCTION assistant.briefing(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH today AS (
        SELECT (now() AT TIME ZONE COALESCE(NULLIF(p->>'tz', ''), 'Europe/Paris'))::date AS d)
    SELECT jsonb_build_object(
        'date', today.d,
        'today', COALESCE((SELECT jsonb_agg(jsonb_build_object('text', a.text, 'due', a.due)
                                            ORDER BY a.id)
                             FROM assistant.actions a
                            WHERE NOT a.done AND a.due = today.d), '[]'::jsonb),
        'overdue', COALESCE((SELECT jsonb_agg(jsonb_build_object('text', a.text, 'due', a.due)
                                              ORDER BY a.due, a.id)
                               FROM assistant.actions a
                              WHERE NOT a.done AND a.due < today.d), '[]'::jsonb))
    FROM today
$$;

-- An n8n execution failed: keep it in the audit log. p = {workflow, execution_id, node,
-- message, url, ...}. Returns the audit row id.
CREATE FUNCTION assistant.record_workflow_failure(p jsonb) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    VALUES ('n8n', 'workflow.failed', COALESCE(NULLIF(p->>'workflow', ''), 'unknown'), p)
    RETURNING id
$$;
