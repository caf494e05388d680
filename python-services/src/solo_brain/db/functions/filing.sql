-- Filing a capture and telling the user, in the order capture-process calls them:
--
--   file_capture     record what the models gave (or why they failed), plan the deliveries
--   (n8n asks classify's POST /v1/speech for the sentence, glue's /v1/speak for its audio)
--   finish_capture   keep the sentence, say who tells the user (the waiting webhook, or a
--                    notification), plan the replies and notifications
--   await_confirmation / defer_confirmation   the capture webhook's side: wait, or answer
--                    "on it" and leave the outcome to a notification
--   capture_answer   the capture API's answer (DESIGN.md); capture_stored_in its stored_in

-- Where a capture is kept: the Postgres rows, then the places its deliveries reached
-- (gcal:EVENT, onyx://DOCUMENT, cc:SESSION/PROMPT), done ones only (an event removed since is
-- no longer listed). The capture API's answer and the phone's inbox both show it.
CREATE OR REPLACE FUNCTION assistant.capture_stored_in(cap_id text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY['pg:captures/' || cap_id]
        || ARRAY(SELECT 'pg:actions/' || a.id FROM assistant.actions a
                  WHERE a.capture_id = cap_id ORDER BY a.position, a.id)
        || ARRAY(SELECT CASE d.kind WHEN 'calendar_event' THEN 'gcal:'
                                    WHEN 'onyx_document' THEN 'onyx://'
                                    ELSE 'cc:' END || d.external_ref
                   FROM assistant.deliveries d
                  WHERE d.capture_id = cap_id AND d.state = 'done'
                    AND d.kind IN ('calendar_event', 'onyx_document', 'cc_prompt')
                    AND d.external_ref IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM assistant.deliveries x
                                     WHERE x.idempotency_key = 'calendar_cancel:' || d.id
                                       AND x.state = 'done')
                  ORDER BY d.created_at, d.id)
$$;

-- The capture API answer of one capture (stored_in: capture_stored_in).
CREATE OR REPLACE FUNCTION assistant.capture_answer(cap_id text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'capture_id', c.id,
        'status', c.status,
        'transcript', COALESCE(c.transcript, c.text),
        'category', c.category,
        'project', c.project,
        'client_id', c.client_id,
        'actions', COALESCE((SELECT jsonb_agg(jsonb_build_object('text', a.text, 'due', a.due,
                                                                 'due_time',
                                                                 to_char(a.due_time, 'HH24:MI'))
                                              ORDER BY a.position, a.id)
                             FROM assistant.actions a WHERE a.capture_id = c.id), '[]'::jsonb),
        'stored_in', to_jsonb(assistant.capture_stored_in(c.id)),
        'speech', c.speech,
        'tts_url', c.tts_url)
    FROM assistant.captures c WHERE c.id = cap_id
$$;

-- A voice note in which Whisper heard no words: its transcript is recorded and has none (what
-- classify's filing calls NothingHeard). Nothing to classify, however often it is asked.
CREATE OR REPLACE FUNCTION assistant.nothing_heard(c assistant.captures) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT c.transcript IS NOT NULL AND COALESCE(NULLIF(c.transcript, ''), c.text, '') !~ '\S'
$$;

-- The body of classify's POST /v1/speech for a capture: what it became and how far each of its
-- deliveries got, so that the sentence promises only what was done. deferred: the caller is
-- being answered before the outcome is known ("on it").
CREATE OR REPLACE FUNCTION assistant.speech_request(cap_id text, deferred boolean DEFAULT false)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'capture', jsonb_build_object(
            'status', c.status,
            'category', c.category,
            'project_name', p.name,
            'client_name', cl.name,
            'actions', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'text', a.text,
                                                                     'due', a.due,
                                                                     'due_time',
                                                                     to_char(a.due_time, 'HH24:MI'))
                                                  ORDER BY a.position, a.id)
                                 FROM assistant.actions a WHERE a.capture_id = c.id), '[]'),
            'session_hint', c.cc_prompt->>'session_hint',
            'needs_review', c.needs_review,
            'created_at', c.created_at,
            'text_chars', length(COALESCE(c.transcript, c.text, '')),
            'refused', CASE WHEN c.last_error LIKE 'refused: %'
                            THEN CASE WHEN assistant.nothing_heard(c) THEN 'nothing_heard'
                                      ELSE 'content' END END),
        'deliveries', COALESCE((SELECT jsonb_agg(jsonb_build_object('kind', d.kind,
                                                                    'state', d.state,
                                                                    'action_id', d.action_id)
                                                 ORDER BY d.created_at, d.id)
                                FROM assistant.deliveries d
                                WHERE d.capture_id = c.id
                                  AND d.kind IN ('calendar_event', 'onyx_document', 'cc_prompt')),
                               '[]'),
        'deferred', deferred)
    FROM assistant.captures c
    LEFT JOIN assistant.projects p ON p.slug = c.project
    LEFT JOIN assistant.clients cl ON cl.id = c.client_id
    WHERE c.id = cap_id
$$;

-- Record what the model steps of capture-process gave for a capture, then plan its deliveries
-- once it is filed. p = {capture_id, result, backoff_s?, max_attempts?, long_note_chars?} where
-- result is what arrived at the node:
--   {error: ...}        for a voice note without words (nothing_heard): refused at once
--                       (refuse_capture), never retried; otherwise
--                       Whisper or the classifier failed: the capture stays pending, attempts
--                       + 1, next try after backoff_s * 2^(attempts - 1) (6 h at most), given up
--                       ('failed') after max_attempts (default 12);
--   a classification    (classify's answer) recorded, unless the capture was classified by
--                       hand meanwhile;
--   anything else       nothing new (a retry of a capture already classified).
-- long_note_chars: notes at least this long also go to Onyx.
-- Returns {capture_id, status, voice_format (opus for WhatsApp voice notes, else mp3),
-- speech_request} (speech_request: the body for classify's /v1/speech).
CREATE OR REPLACE FUNCTION assistant.file_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    result jsonb := COALESCE(p->'result', '{}'::jsonb);
    backoff numeric := GREATEST(COALESCE((p->>'backoff_s')::numeric, 60), 0.1);
    max_attempts int := GREATEST(COALESCE((p->>'max_attempts')::int, 12), 1);
    c assistant.captures;
    was text;
BEGIN
    SELECT * INTO c FROM assistant.captures WHERE id = cap_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    was := c.status;
    IF result ? 'error' AND c.status <> 'filed' AND assistant.nothing_heard(c) THEN
        -- The classifier refused a voice note without words (the retry path's /v1/classify):
        -- given up at once, as classify's own filing does, never retried.
        PERFORM assistant.refuse_capture(jsonb_build_object('capture_id', cap_id,
            'reason', 'no words to classify: Whisper heard none in the voice note'));
        SELECT * INTO c FROM assistant.captures WHERE id = cap_id;
    ELSIF result ? 'error' AND c.status <> 'filed' THEN
        UPDATE assistant.captures SET
            attempts = attempts + 1,
            last_error = left(COALESCE(result->'error'->>'message', result->>'error'), 2000),
            next_attempt_at = now() + make_interval(secs => LEAST(backoff * 2 ^ attempts, 21600)),
            failed_at = CASE WHEN attempts + 1 >= max_attempts THEN now() END,
            updated_at = now()
        WHERE id = cap_id RETURNING * INTO c;
    ELSIF result ? 'category' AND c.classifier IS DISTINCT FROM 'manual' THEN
        PERFORM assistant.record_capture(jsonb_build_object('capture_id', cap_id)
            || (result - 'speech' - 'capture_id' - 'text' - 'transcript' - 'audio_ref'));
        UPDATE assistant.captures SET next_attempt_at = NULL, last_error = NULL
         WHERE id = cap_id RETURNING * INTO c;
    END IF;
    IF c.status = 'filed' THEN
        PERFORM assistant.plan_deliveries(cap_id, (p->>'long_note_chars')::int);
        IF was <> 'filed' THEN
            INSERT INTO assistant.audit_log (actor, action, subject, detail)
            VALUES (COALESCE(c.classifier, 'n8n'), 'capture.filed', cap_id,
                    jsonb_build_object('category', c.category, 'project', c.project,
                                       'client_id', c.client_id));
        END IF;
    END IF;
    RETURN jsonb_build_object(
        'capture_id', cap_id,
        'status', c.status,
        'voice_format', CASE WHEN c.channel = 'whatsapp' AND c.mode = 'voice'
                             THEN 'opus' ELSE 'mp3' END,
        'speech_request', assistant.speech_request(cap_id));
END $$;

-- The outcome is known and put into words: keep the sentence and its audio, and say who tells
-- the user. A final outcome (filed, or failed for good) is 'answered' by the webhook still
-- waiting, or 'notified' when the caller already got a pending answer; a pending outcome (kept
-- in the inbox) is told by the waiting webhook, and the final one will follow by notification
-- ('deferred'). Plans the deliveries that tell it: the WhatsApp reply (text, and voice for a
-- voice note) once per outcome, the notification of a deferred outcome. Without a sentence
-- nothing is told (the capture is taken again by retry-pending).
-- p = {capture_id, speech?, tts_url?, audio_ref?}. Returns {capture_id, status, deliver}:
-- deliver is true when deliveries are waiting to be attempted.
CREATE OR REPLACE FUNCTION assistant.finish_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    c assistant.captures;
    final boolean;
    told text;
BEGIN
    SELECT * INTO c FROM assistant.captures WHERE id = cap_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    final := c.status IN ('filed', 'failed');
    IF NULLIF(p->>'speech', '') IS NULL THEN
        -- Nothing to tell it with (the speech service failed): the capture stays untold, the
        -- webhook answers "on it" at its deadline and retry-pending tells it later.
        RETURN jsonb_build_object('capture_id', cap_id, 'status', c.status, 'deliver', false);
    END IF;
    told := CASE WHEN c.confirmation IS NULL THEN CASE WHEN final THEN 'answered' ELSE 'deferred' END
                 WHEN c.confirmation = 'deferred' AND final THEN 'notified'
                 ELSE c.confirmation END;
    UPDATE assistant.captures SET
        speech = p->>'speech',
        tts_url = NULLIF(p->>'tts_url', ''),
        confirmation = told,
        updated_at = now()
    WHERE id = cap_id RETURNING * INTO c;
    IF c.channel = 'whatsapp' THEN
        PERFORM assistant.plan_whatsapp_reply(c, NULLIF(p->>'audio_ref', ''));
    ELSIF told = 'notified' THEN
        PERFORM assistant.plan_notification(cap_id, 'confirmation', 'Solo Brain', c.speech,
                                            c.tts_url);
    END IF;
    RETURN jsonb_build_object(
        'capture_id', cap_id,
        'status', c.status,
        'deliver', EXISTS (SELECT 1 FROM assistant.deliveries d
                            WHERE d.capture_id = cap_id AND d.state = 'pending'
                              AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())));
END $$;

-- The webhook is answering before the processing ended: from now on the outcome goes by
-- notification. p = {capture_id}. Returns {answer: capture_answer, deferred, speech_request};
-- deferred is false when the processing finished just before (its answer is then the capture as
-- stored, to give now). A deferred answer is a pending one, whatever the processing reached:
-- its status is the capture's while a model step is pending, and 'pending_confirmation' when the
-- capture was filed (or given up) but its sentence is not made yet, so that the answer never
-- says "filed" with the "on it" sentence; the outcome follows by notification.
CREATE OR REPLACE FUNCTION assistant.defer_confirmation(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    deferred boolean;
    answer jsonb;
BEGIN
    UPDATE assistant.captures SET confirmation = 'deferred', updated_at = now()
     WHERE id = cap_id AND confirmation IS NULL;
    deferred := FOUND;
    answer := assistant.capture_answer(cap_id);
    IF deferred AND answer->>'status' NOT LIKE 'pending\_%' THEN
        answer := answer || jsonb_build_object('status', 'pending_confirmation',
                                               'speech', NULL, 'tts_url', NULL);
    END IF;
    RETURN jsonb_build_object('answer', answer, 'deferred', deferred,
                              'speech_request', assistant.speech_request(cap_id, deferred));
END $$;

-- Wait until the processing of a capture has told the user its outcome itself (finish_capture
-- set the confirmation), or until p.until (a timestamp; or p.wait_s seconds from now, 600 at
-- most), polling every p.poll_s seconds (default 0.01) without holding any lock. When the wait
-- ends first, take the confirmation away from the processing (defer_confirmation: it will
-- notify). p = {capture_id, until | wait_s, poll_s?}. Returns {answer, deferred, speech_request};
-- when deferred, the answer's speech is for the caller to ask for ("on it").
CREATE OR REPLACE FUNCTION assistant.await_confirmation(p jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cap_id text := p->>'capture_id';
    wait_until timestamptz := LEAST(
        COALESCE((p->>'until')::timestamptz,
                 clock_timestamp() + make_interval(secs => GREATEST(
                     COALESCE((p->>'wait_s')::numeric, 0), 0))),
        clock_timestamp() + interval '600 seconds');
    poll double precision := LEAST(GREATEST(COALESCE((p->>'poll_s')::double precision, 0.01),
                                            0.001), 1);
    told text;
BEGIN
    LOOP
        -- Each statement of a VOLATILE function sees what other sessions committed before it.
        SELECT confirmation INTO told FROM assistant.captures WHERE id = cap_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
        END IF;
        IF told IS NOT NULL THEN
            RETURN jsonb_build_object('answer', assistant.capture_answer(cap_id),
                                      'deferred', false);
        END IF;
        EXIT WHEN clock_timestamp() >= wait_until;
        PERFORM pg_sleep(LEAST(poll, EXTRACT(epoch FROM wait_until - clock_timestamp())));
    END LOOP;
    RETURN assistant.defer_confirmation(jsonb_build_object('capture_id', cap_id));
END $$;

-- The capture's own data cannot be stored (the database refused it as data: a NUL character, an
-- unpaired surrogate, an action longer than its column allows): filing it again would fail the
-- same way, so it is given up at once, never retried. The failed step wrote nothing (its
-- transaction was rolled back); this records why (last_error 'refused: <reason>', which is what
-- tells a refusal from models given up on) and makes the capture 'failed'. The sentence is told
-- by finish_capture as any outcome. p = {capture_id, reason}. Returns {capture_id, status,
-- voice_format}.
CREATE OR REPLACE FUNCTION assistant.refuse_capture(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cap_id text := p->>'capture_id';
    c assistant.captures;
BEGIN
    UPDATE assistant.captures SET
        failed_at = COALESCE(failed_at, now()),
        next_attempt_at = NULL,
        last_error = left('refused: ' || COALESCE(p->>'reason', 'the data cannot be stored'), 2000),
        updated_at = now()
    WHERE id = cap_id RETURNING * INTO c;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    VALUES ('classify', 'capture.refused', cap_id, jsonb_build_object('reason', c.last_error));
    RETURN jsonb_build_object(
        'capture_id', cap_id,
        'status', c.status,
        'voice_format', CASE WHEN c.channel = 'whatsapp' AND c.mode = 'voice'
                             THEN 'opus' ELSE 'mp3' END);
END $$;
