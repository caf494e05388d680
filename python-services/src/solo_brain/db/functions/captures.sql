-- Captures and their actions: recording what comes in, by hand or from a channel.
-- n8n's Postgres node splits its query parameters on commas, so every function n8n calls takes
-- ONE jsonb argument: `SELECT assistant.fn($1::jsonb)` with `JSON.stringify({...})`.

-- The JSON shape of one capture with its actions, as every caller sees it.
CREATE OR REPLACE FUNCTION assistant.capture_json(cap_id text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(c) - 'text'
           || jsonb_build_object(
                'capture_id', c.id,
                'text', c.text,
                'actions', COALESCE((
                    SELECT jsonb_agg(jsonb_build_object(
                               'id', a.id, 'text', a.text, 'due', a.due,
                               'due_time', to_char(a.due_time, 'HH24:MI'),
                               'due_phrase', a.due_phrase, 'done', a.done,
                               'reminded_at', a.reminded_at)
                           ORDER BY a.position, a.id)
                    FROM assistant.actions a WHERE a.capture_id = c.id), '[]'::jsonb))
    FROM assistant.captures c WHERE c.id = cap_id
$$;

-- Make a capture's actions the list given, keeping the identity (id, done, reminded) of those
-- that stay: an item with an "id" is that action (it must belong to the capture), updated in
-- place; an item without one is the first action not claimed by an id with the same text and
-- due date (a classifier's answer has no ids), or else a new action. An item without a
-- "due_time" key keeps the time of the action it names (an older client knows no times), unless
-- it has no day left; a time given without a day is refused. Actions not in the list are
-- deleted (plan_deliveries then removes their calendar events). Returns true when anything
-- changed.
CREATE OR REPLACE FUNCTION assistant.replace_actions(cap_id text, new_actions jsonb)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    item jsonb;
    ord bigint;
    wanted_due date;
    wanted_time time;
    claimed bigint[];
    kept bigint[] := '{}';
    match bigint;
    changed boolean := false;
BEGIN
    IF new_actions IS NULL OR jsonb_typeof(new_actions) <> 'array' THEN
        RETURN false;
    END IF;
    -- Ids first, wherever they are in the list: an item without id never takes an action
    -- another item names.
    claimed := ARRAY(SELECT (value->>'id')::bigint FROM jsonb_array_elements(new_actions)
                      WHERE NULLIF(value->>'id', '') IS NOT NULL);
    FOR item, ord IN SELECT value, ordinality - 1 FROM jsonb_array_elements(new_actions)
                     WITH ORDINALITY LOOP
        IF NULLIF(btrim(item->>'text'), '') IS NULL THEN
            RAISE EXCEPTION 'an action needs a text' USING ERRCODE = '22023';
        END IF;
        wanted_due := NULLIF(item->>'due', '')::date;
        wanted_time := NULLIF(item->>'due_time', '')::time;
        IF wanted_time IS NOT NULL AND wanted_due IS NULL THEN
            RAISE EXCEPTION 'an action''s time needs its due day: % has a time but no day',
                item->>'text' USING ERRCODE = '22023';
        END IF;
        match := NULL;
        IF NULLIF(item->>'id', '') IS NOT NULL THEN
            SELECT a.id INTO match FROM assistant.actions a
             WHERE a.id = (item->>'id')::bigint AND a.capture_id = cap_id
               AND NOT a.id = ANY (kept);
            IF match IS NULL THEN
                RAISE EXCEPTION 'action % is not an action of capture % (or is named twice)',
                    item->>'id', cap_id USING ERRCODE = '22023';
            END IF;
        ELSE
            SELECT a.id INTO match FROM assistant.actions a
             WHERE a.capture_id = cap_id AND NOT a.id = ANY (kept) AND NOT a.id = ANY (claimed)
               AND a.text = item->>'text' AND a.due IS NOT DISTINCT FROM wanted_due
             ORDER BY a.position, a.id LIMIT 1;
        END IF;
        IF match IS NULL THEN
            INSERT INTO assistant.actions (capture_id, position, text, due, due_time, due_phrase)
            VALUES (cap_id, ord, item->>'text', wanted_due, wanted_time,
                    NULLIF(item->>'due_phrase', ''))
            RETURNING id INTO match;
            changed := true;
        ELSE
            IF NOT item ? 'due_time' AND wanted_due IS NOT NULL THEN
                SELECT a.due_time INTO wanted_time FROM assistant.actions a WHERE a.id = match;
            END IF;
            UPDATE assistant.actions a SET
                position = ord,
                text = item->>'text',
                due = wanted_due,
                due_time = wanted_time,
                due_phrase = CASE WHEN item ? 'due_phrase' THEN NULLIF(item->>'due_phrase', '')
                                  ELSE a.due_phrase END,
                reminded_at = CASE WHEN (a.due, a.due_time) IS DISTINCT FROM (wanted_due, wanted_time)
                                   THEN NULL ELSE a.reminded_at END
             WHERE a.id = match
               AND (a.position, a.text, a.due, a.due_time)
                   IS DISTINCT FROM (ord::int, item->>'text', wanted_due, wanted_time);
            changed := changed OR FOUND;
        END IF;
        kept := kept || match;
    END LOOP;
    DELETE FROM assistant.actions WHERE capture_id = cap_id AND NOT id = ANY (kept);
    RETURN changed OR FOUND;
END $$;

-- Idempotent upsert of a capture, keyed by capture id, or else by (channel, channel_message_id).
-- Keys present in the argument overwrite stored values; absent keys keep them. The status
-- follows from what is known (status.sql). Returns capture_json(...) plus "created": true when
-- this call inserted the capture (so a flow can skip work for a repeated delivery).
CREATE OR REPLACE FUNCTION assistant.record_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := NULLIF(COALESCE(p->>'capture_id', p->>'id'), '');
    chan text := COALESCE(NULLIF(p->>'channel', ''), 'api');
    chan_msg text := NULLIF(p->>'channel_message_id', '');
    created boolean := false;
    row assistant.captures;
BEGIN
    IF p IS NULL OR jsonb_typeof(p) <> 'object' THEN
        RAISE EXCEPTION 'record_capture expects a JSON object' USING ERRCODE = '22023';
    END IF;
    IF cap_id IS NULL AND chan_msg IS NOT NULL THEN
        SELECT id INTO cap_id FROM assistant.captures
         WHERE channel = chan AND channel_message_id = chan_msg;
    END IF;
    IF cap_id IS NULL OR NOT EXISTS (SELECT 1 FROM assistant.captures WHERE id = cap_id) THEN
        cap_id := COALESCE(cap_id, 'cap_' || assistant.new_ulid());
        IF NULLIF(p->>'text', '') IS NULL AND NULLIF(p->>'transcript', '') IS NULL
           AND NULLIF(p->>'audio_ref', '') IS NULL THEN
            RAISE EXCEPTION 'a new capture needs text, transcript or audio_ref'
                USING ERRCODE = '22023';
        END IF;
        INSERT INTO assistant.captures (id, channel, channel_message_id, mode, text, transcript,
                                        language, duration_s, audio_ref, hint, public)
        VALUES (cap_id, chan, chan_msg,
                COALESCE(NULLIF(p->>'mode', ''),
                         CASE WHEN NULLIF(p->>'audio_ref', '') IS NOT NULL
                              THEN 'voice' ELSE 'text' END),
                NULLIF(p->>'text', ''), NULLIF(p->>'transcript', ''), p->>'language',
                (p->>'duration_s')::real, NULLIF(p->>'audio_ref', ''), NULLIF(p->>'hint', ''),
                COALESCE((p->>'public')::boolean, false))
        ON CONFLICT DO NOTHING;
        created := FOUND;
        IF NOT created AND chan_msg IS NOT NULL THEN
            -- The same channel message arrived at the same time under another id: it is that one.
            SELECT id INTO cap_id FROM assistant.captures
             WHERE channel = chan AND channel_message_id = chan_msg;
        END IF;
    END IF;

    UPDATE assistant.captures c SET
        -- A kept voice note's transcript without words is kept as '': Whisper heard nothing
        -- (nothing_heard, filing.sql), which is not the same as not transcribed yet.
        transcript   = CASE WHEN NOT p ? 'transcript' THEN c.transcript
                            WHEN NOT created AND c.audio_ref IS NOT NULL AND c.text IS NULL
                            THEN COALESCE(p->>'transcript', c.transcript)
                            ELSE NULLIF(p->>'transcript', '') END,
        language     = CASE WHEN p ? 'language' THEN p->>'language' ELSE c.language END,
        duration_s   = CASE WHEN p ? 'duration_s' THEN (p->>'duration_s')::real ELSE c.duration_s END,
        audio_ref    = COALESCE(NULLIF(p->>'audio_ref', ''), c.audio_ref),
        text         = COALESCE(NULLIF(p->>'text', ''), c.text),
        hint         = COALESCE(NULLIF(p->>'hint', ''), c.hint),
        category     = CASE WHEN p ? 'category' THEN NULLIF(p->>'category', '') ELSE c.category END,
        project      = CASE WHEN p ? 'project' THEN NULLIF(p->>'project', '') ELSE c.project END,
        client_id    = CASE WHEN p ? 'client_id' THEN NULLIF(p->>'client_id', '') ELSE c.client_id END,
        summary      = CASE WHEN p ? 'summary' THEN p->>'summary' ELSE c.summary END,
        classifier   = CASE WHEN p ? 'classifier' THEN p->>'classifier' ELSE c.classifier END,
        needs_review = COALESCE((p->>'needs_review')::boolean, c.needs_review),
        cc_prompt    = CASE WHEN p ? 'cc_prompt' THEN NULLIF(p->'cc_prompt', 'null'::jsonb) ELSE c.cc_prompt END,
        last_error   = CASE WHEN p ? 'error' THEN p->>'error' ELSE c.last_error END,
        updated_at   = now()
    WHERE c.id = cap_id
    RETURNING * INTO row;

    PERFORM assistant.replace_actions(cap_id, p->'actions');

    IF created THEN
        INSERT INTO assistant.audit_log (actor, action, subject, detail)
        VALUES (COALESCE(p->>'actor', chan), 'capture.recorded', cap_id,
                jsonb_build_object('channel', chan, 'mode', row.mode, 'status', row.status));
    END IF;

    RETURN assistant.capture_json(cap_id) || jsonb_build_object('created', created);
END $$;

-- Record an incoming capture (record_capture) and where its reply goes.
-- Returns capture_json + created, like record_capture.
CREATE OR REPLACE FUNCTION assistant.receive_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    recorded jsonb := assistant.record_capture(p - 'reply_to');
BEGIN
    IF NULLIF(p->>'reply_to', '') IS NOT NULL THEN
        UPDATE assistant.captures SET reply_to = p->>'reply_to'
         WHERE id = recorded->>'capture_id' AND reply_to IS DISTINCT FROM p->>'reply_to';
        IF FOUND THEN
            RETURN assistant.capture_json(recorded->>'capture_id')
                   || jsonb_build_object('created', recorded->'created');
        END IF;
    END IF;
    RETURN recorded;
END $$;

-- The capture webhook's request (its form fields, already checked by the workflow) as a
-- capture: p = {webhook: {body: {text, hint, mode, channel, public, capture_id}, headers},
-- audio_ref?, budget_s} (or the form fields as p.request). A request with audio is a voice
-- capture (its text field is ignored). Returns {capture, answer_by}: when the webhook must
-- answer, budget_s minus 0.6 s (the answer itself takes some time to reach the phone) from the
-- moment the request arrived: the X-Request-Start header that nginx and the hub set
-- ("t=<epoch seconds>", and " d=<seconds since its first byte>" from nginx; kept within the
-- last budget_s seconds), else now. Without a capture_id field, the X-Capture-Id header is the
-- id (the hub gives one to a capture it may answer itself: mesh/capture_answer.py). Only the
-- form fields and those two headers are read.
CREATE OR REPLACE FUNCTION assistant.receive_webhook_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    request jsonb := COALESCE(p->'webhook'->'body', p->'request', '{}'::jsonb);
    start_header text[] := regexp_match(p->'webhook'->'headers'->>'x-request-start',
                                        '^t=([0-9]{9,10}(?:\.[0-9]{1,6})?)'
                                        '(?: d=([0-9]{1,5}(?:\.[0-9]{1,6})?))?$');
    arrived timestamptz := clock_timestamp();
    chan text := COALESCE(NULLIF(request->>'channel', ''), 'api');
    voice boolean := NULLIF(p->>'audio_ref', '') IS NOT NULL;
    budget numeric := LEAST(GREATEST(COALESCE((p->>'budget_s')::numeric, 8), 1), 60);
    recorded jsonb;
BEGIN
    recorded := assistant.receive_capture(jsonb_strip_nulls(jsonb_build_object(
        'capture_id', COALESCE(NULLIF(request->>'capture_id', ''), substring(
            p->'webhook'->'headers'->>'x-capture-id' FROM '^cap_[0-9A-HJKMNP-TV-Z]{26}$')),
        'channel', chan,
        'mode', CASE WHEN voice OR request->>'mode' = 'voice' THEN 'voice' ELSE 'text' END,
        'text', CASE WHEN voice THEN NULL ELSE NULLIF(request->>'text', '') END,
        'audio_ref', NULLIF(p->>'audio_ref', ''),
        'hint', NULLIF(request->>'hint', ''),
        'public', lower(COALESCE(request->>'public', '')) IN ('true', '1', 'on'),
        'actor', chan)));
    IF start_header IS NOT NULL THEN
        arrived := LEAST(GREATEST(to_timestamp(start_header[1]::numeric
                                               - COALESCE(start_header[2]::numeric, 0)),
                                  arrived - make_interval(secs => budget)), arrived);
    END IF;
    RETURN jsonb_build_object(
        'capture', recorded - 'created',
        'answer_by', arrived + make_interval(secs => budget - 0.6));
END $$;

-- A WhatsApp message (as the glue normalised it: {message_id, type, text, from}) as a capture,
-- keyed by its message id so that Meta's repeated deliveries file it once.
-- p = {message, audio_ref?}. Returns capture_json + created.
CREATE OR REPLACE FUNCTION assistant.receive_whatsapp_capture(p jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT assistant.receive_capture(jsonb_strip_nulls(jsonb_build_object(
        'channel', 'whatsapp',
        'channel_message_id', p->'message'->>'message_id',
        'mode', CASE WHEN p->'message'->>'type' = 'audio' THEN 'voice' ELSE 'text' END,
        'text', NULLIF(p->'message'->>'text', ''),
        'audio_ref', CASE WHEN p->'message'->>'type' = 'audio'
                          THEN NULLIF(p->>'audio_ref', '') END,
        'reply_to', p->'message'->>'from',
        'actor', 'whatsapp')))
$$;

-- Re-classification by hand (from the PWA): replaces category, project, client and actions,
-- plans what that implies (a calendar event for a new dated action, the removal of the event
-- of an action that went away), and writes what changed to the audit log. The user filed it
-- himself: there is no outcome left to tell him, and a model answering late is ignored.
CREATE OR REPLACE FUNCTION assistant.reclassify_capture(cap_id text, p jsonb,
                                                        actor text DEFAULT 'user')
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    before jsonb := assistant.capture_json(cap_id);
BEGIN
    IF before IS NULL THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    UPDATE assistant.captures SET
        category     = CASE WHEN p ? 'category' THEN NULLIF(p->>'category', '') ELSE category END,
        project      = CASE WHEN p ? 'project' THEN NULLIF(p->>'project', '') ELSE project END,
        client_id    = CASE WHEN p ? 'client_id' THEN NULLIF(p->>'client_id', '') ELSE client_id END,
        summary      = CASE WHEN p ? 'summary' THEN p->>'summary' ELSE summary END,
        -- A question filed by hand as a note is no longer a question.
        question     = CASE WHEN p ? 'category' AND p->>'category' IS DISTINCT FROM 'question'
                            THEN NULL ELSE question END,
        classifier   = 'manual',
        needs_review = false,
        next_attempt_at = NULL,
        confirmation = CASE WHEN confirmation IS NULL OR confirmation = 'deferred'
                            THEN 'notified' ELSE confirmation END,
        updated_at   = now()
    WHERE id = cap_id;
    IF p ? 'actions' THEN
        PERFORM assistant.replace_actions(cap_id, p->'actions');
    END IF;
    PERFORM assistant.plan_deliveries(cap_id, NULL);
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    VALUES (actor, 'capture.reclassified', cap_id, jsonb_build_object(
        'before', jsonb_build_object('category', before->'category', 'project', before->'project',
                                     'client_id', before->'client_id', 'actions', before->'actions'),
        'after', p));
    RETURN assistant.capture_json(cap_id);
END $$;

-- Take a pending or failed capture again now (the retry schedule picks it up), and its failed
-- or skipped deliveries with it. p = {capture_id, actor?, lease_s?}: lease_s keeps the schedule
-- off it that long (the caller files it at once itself). Returns capture_json.
CREATE OR REPLACE FUNCTION assistant.retry_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    lease interval := make_interval(secs => GREATEST(COALESCE((p->>'lease_s')::numeric, 0), 0));
BEGIN
    UPDATE assistant.captures SET failed_at = NULL, attempts = 0, updated_at = now(),
           next_attempt_at = CASE WHEN status = 'filed' THEN next_attempt_at
                                  ELSE now() + lease END
     WHERE id = cap_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    PERFORM assistant.retry_deliveries(jsonb_build_object('capture_id', cap_id,
                                                          'actor', p->>'actor'));
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    VALUES (COALESCE(p->>'actor', 'user'), 'capture.retried', cap_id, '{}');
    RETURN assistant.capture_json(cap_id);
END $$;

-- A capture whose pass is still at work (classify's filing waiting on Whisper over a long memo):
-- its updated_at moves, so that claim_retries' grace never takes it as left half-done.
-- p = {capture_id}. Returns {capture_id}, or NULL for an unknown capture.
CREATE OR REPLACE FUNCTION assistant.touch_capture(p jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    UPDATE assistant.captures SET updated_at = now() WHERE id = p->>'capture_id'
    RETURNING jsonb_build_object('capture_id', id)
$$;
