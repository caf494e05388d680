-- Deliveries: everything that goes somewhere else once a capture is filed (calendar event,
-- Onyx document, Claude Code prompt, WhatsApp reply, notification), each with its own state.
--
--   plan_*                 add pending deliveries, idempotently (the key is unique)
--   claim_deliveries       the due ones of a capture, leased to one caller, each with the
--                          request to send; those whose destination is not configured: skipped
--   record_delivery        the destination's answer: done, retried with backoff, or failed for
--                          good (4xx other than 408/429), which plans one notification
--   captures_with_due_deliveries, retry_deliveries   for the retry schedule and the user
--
-- n8n's sub-workflow sbDeliverCapture sends the requests (one HTTP node per kind).

-- A Google Calendar event id for a calendar delivery: Google lets the client choose it
-- (base32hex, [a-v0-9], 5 to 1024 characters) and refuses a second event with the same id
-- (409), so every retry of the delivery lands on the same event. It is the delivery's ULID
-- written in base32hex, after "sb".
CREATE OR REPLACE FUNCTION assistant.google_event_id(delivery_id text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'sb' || translate(lower(substr(delivery_id, 5)), '0123456789abcdefghjkmnpqrstvwxyz',
                             '0123456789abcdefghijklmnopqrstuv')
$$;

-- The key of an action's calendar event: a new event when the action's date, time or text
-- changes (an action of the whole day keeps the key it had before times existed).
CREATE OR REPLACE FUNCTION assistant.calendar_key(a assistant.actions) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'calendar_event:' || a.id || ':' || to_char(a.due, 'YYYY-MM-DD')
           || COALESCE('T' || to_char(a.due_time, 'HH24:MI'), '') || ':'
           || left(md5(a.text), 12)
$$;

-- The calendar event of an action: what its latest done calendar_event delivery made, unless
-- that event was removed since. NULL: none (yet).
CREATE OR REPLACE FUNCTION assistant.action_event_id(act_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT d.external_ref FROM assistant.deliveries d
     WHERE d.action_id = act_id AND d.kind = 'calendar_event' AND d.state = 'done'
       AND NOT EXISTS (SELECT 1 FROM assistant.deliveries x
                        WHERE x.idempotency_key = 'calendar_cancel:' || d.id AND x.state = 'done')
     ORDER BY d.done_at DESC, d.id DESC LIMIT 1
$$;

-- Add one pending delivery unless one with the same key exists.
CREATE OR REPLACE FUNCTION assistant.plan_delivery(cap_id text, kind text, key text,
                                                   detail jsonb, action_id bigint DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO assistant.deliveries (id, capture_id, action_id, kind, idempotency_key, detail)
    VALUES ('dlv_' || assistant.new_ulid(), cap_id, action_id, kind, key, detail)
    ON CONFLICT (idempotency_key) DO NOTHING;
END $$;

-- What a filed capture implies: one calendar event per open dated action (and the removal of
-- events whose action changed or went away), the Onyx document of a note at least
-- long_note_chars long (NULL: no opinion, as when re-classified by hand), the Claude Code prompt.
CREATE OR REPLACE FUNCTION assistant.plan_deliveries(cap_id text, long_note_chars int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c assistant.captures;
    a assistant.actions;
    stale assistant.deliveries;
BEGIN
    SELECT * INTO c FROM assistant.captures WHERE id = cap_id;
    FOR a IN SELECT * FROM assistant.actions
              WHERE capture_id = cap_id AND due IS NOT NULL AND NOT done ORDER BY position, id LOOP
        PERFORM assistant.plan_delivery(cap_id, 'calendar_event', assistant.calendar_key(a),
                                        jsonb_strip_nulls(jsonb_build_object(
                                            'text', a.text, 'due', a.due,
                                            'due_time', to_char(a.due_time, 'HH24:MI'))),
                                        a.id);
    END LOOP;
    FOR stale IN SELECT d.* FROM assistant.deliveries d
                  WHERE d.capture_id = cap_id AND d.kind = 'calendar_event'
                    AND d.state IN ('pending', 'done')
                    AND NOT EXISTS (SELECT 1 FROM assistant.actions x
                                     WHERE x.id = d.action_id AND x.due IS NOT NULL
                                       AND assistant.calendar_key(x) = d.idempotency_key) LOOP
        IF stale.state = 'pending' THEN
            UPDATE assistant.deliveries SET state = 'skipped', updated_at = now(),
                   last_error = 'the action changed or was removed before its event was made'
             WHERE id = stale.id;
        ELSE
            PERFORM assistant.plan_delivery(cap_id, 'calendar_cancel',
                                            'calendar_cancel:' || stale.id,
                                            jsonb_build_object('event_id', stale.external_ref,
                                                               'event_delivery', stale.id));
        END IF;
    END LOOP;
    IF long_note_chars IS NOT NULL
       AND length(COALESCE(c.transcript, c.text, '')) >= long_note_chars THEN
        PERFORM assistant.plan_delivery(cap_id, 'onyx_document', 'onyx_document:' || cap_id,
            jsonb_build_object('document_id', 'solo-brain-' || cap_id));
    END IF;
    IF c.cc_prompt IS NOT NULL THEN
        PERFORM assistant.plan_delivery(cap_id, 'cc_prompt', 'cc_prompt:' || cap_id,
            jsonb_build_object('session_hint', c.cc_prompt->>'session_hint',
                               'prompt', c.cc_prompt->>'prompt'));
    END IF;
END $$;

-- The WhatsApp reply telling a capture's outcome, once per outcome (the inbox, then filed):
-- the sentence as text and, for a filed voice note, its OGG/Opus audio as a voice message.
CREATE OR REPLACE FUNCTION assistant.plan_whatsapp_reply(c assistant.captures, audio_ref text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF c.reply_to IS NULL OR c.speech IS NULL THEN
        RETURN;
    END IF;
    PERFORM assistant.plan_delivery(c.id, 'whatsapp_text',
                                    'whatsapp_text:' || c.id || ':' || c.status,
                                    jsonb_build_object('to', c.reply_to, 'text', c.speech));
    IF c.status = 'filed' AND c.mode = 'voice' AND audio_ref IS NOT NULL
       AND c.tts_url LIKE '%.ogg' THEN
        PERFORM assistant.plan_delivery(c.id, 'whatsapp_voice',
                                        'whatsapp_voice:' || c.id || ':' || c.status,
                                        jsonb_build_object('to', c.reply_to,
                                                           'audio_ref', audio_ref));
    END IF;
END $$;

-- The channels a notification goes out on (each skipped when not configured): Gotify, and Web
-- Push to the paired phones through the hub's POST /api/notify.
CREATE OR REPLACE FUNCTION assistant.notification_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['gotify', 'push']
$$;

-- One notification about a capture, once per `about` ('confirmation', 'failed:<delivery>').
CREATE OR REPLACE FUNCTION assistant.plan_notification(cap_id text, about text, title text,
                                                       message text, url text,
                                                       priority int DEFAULT 5)
RETURNS void LANGUAGE sql AS $$
    SELECT assistant.plan_delivery(cap_id, kind, kind || ':' || about || ':' || cap_id,
                                   jsonb_strip_nulls(jsonb_build_object(
                                       'title', title, 'message', message, 'url', url,
                                       'priority', priority)))
      FROM unnest(assistant.notification_kinds()) AS kind
$$;

-- Is a delivery's destination configured? configured = {calendar, onyx, hub, gotify, whatsapp,
-- push}: booleans n8n computes from its settings.
CREATE OR REPLACE FUNCTION assistant.delivery_configured(kind text, configured jsonb)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE((configured->>(CASE kind
        WHEN 'calendar_event' THEN 'calendar' WHEN 'calendar_cancel' THEN 'calendar'
        WHEN 'onyx_document' THEN 'onyx' WHEN 'cc_prompt' THEN 'hub'
        WHEN 'whatsapp_text' THEN 'whatsapp' WHEN 'whatsapp_voice' THEN 'whatsapp'
        ELSE kind END))::boolean, false)
$$;

-- The setting that configures a kind of destination, for the message of a skipped delivery.
CREATE OR REPLACE FUNCTION assistant.delivery_setting(kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE kind
        WHEN 'calendar_event' THEN 'GOOGLE_CLIENT_ID' WHEN 'calendar_cancel' THEN 'GOOGLE_CLIENT_ID'
        WHEN 'onyx_document' THEN 'ONYX_URL' WHEN 'cc_prompt' THEN 'HUB_URL'
        WHEN 'gotify' THEN 'GOTIFY_URL' WHEN 'push' THEN 'HUB_URL'
        ELSE 'WHATSAPP_PHONE_NUMBER_ID' END
$$;

-- When a calendar delivery's event starts and ends: the whole due day, or, for a timed action,
-- 30 minutes from its time in the user's zone tz (Google wants the zone with a dateTime, and
-- the same kind, date or dateTime, at both ends).
CREATE OR REPLACE FUNCTION assistant.calendar_span(detail jsonb, tz text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN NULLIF(detail->>'due_time', '') IS NULL THEN jsonb_build_object(
                'start', jsonb_build_object('date', detail->>'due'),
                'end', jsonb_build_object('date', to_char((detail->>'due')::date + 1,
                                                          'YYYY-MM-DD')))
           ELSE jsonb_build_object(
                'start', jsonb_build_object('dateTime', to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS'),
                                            'timeZone', tz),
                'end', jsonb_build_object('dateTime', to_char(at + interval '30 minutes',
                                                              'YYYY-MM-DD"T"HH24:MI:SS'),
                                          'timeZone', tz)) END
      FROM (SELECT (detail->>'due')::date + NULLIF(detail->>'due_time', '')::time AS at) x
$$;

-- The request a delivery sends (the JSON body, or what its n8n branch needs); tz: the user's
-- zone, for a timed calendar event.
CREATE OR REPLACE FUNCTION assistant.delivery_request(d assistant.deliveries, tz text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    c assistant.captures;
    body text;
    message text := d.detail->>'message'
                    || COALESCE(E'\n' || (d.detail->>'url'), '');
BEGIN
    SELECT * INTO c FROM assistant.captures WHERE id = d.capture_id;
    body := COALESCE(c.transcript, c.text, '');
    RETURN CASE d.kind
        WHEN 'calendar_event' THEN assistant.calendar_span(d.detail, tz) || jsonb_build_object(
            'id', assistant.google_event_id(d.id),
            'summary', d.detail->>'text',
            'description', 'Solo Brain — ' || c.id || E'\n\n' || body,
            'reminders', jsonb_build_object('useDefault', true),
            'extendedProperties', jsonb_build_object('private', jsonb_build_object(
                'capture_id', c.id, 'action_id', d.action_id::text, 'delivery_id', d.id)))
        WHEN 'calendar_cancel' THEN jsonb_build_object('event_id', d.detail->>'event_id')
        WHEN 'onyx_document' THEN jsonb_build_object('document', jsonb_build_object(
            'id', d.detail->>'document_id',
            'sections', jsonb_build_array(jsonb_build_object('text', body, 'link', NULL)),
            'semantic_identifier', COALESCE(NULLIF(c.summary, ''), left(body, 80)),
            'source', 'ingestion_api',
            'from_ingestion_api', true,
            'metadata', jsonb_strip_nulls(jsonb_build_object(
                'capture_id', c.id, 'category', c.category, 'channel', c.channel,
                'project', c.project, 'client', c.client_id))))
        -- A dictated prompt is answered aloud, back where the capture came from (capture_id).
        WHEN 'cc_prompt' THEN jsonb_build_object(
            'hint', d.detail->>'session_hint',
            'prompt', jsonb_build_object('text', d.detail->>'prompt',
                                         'voice_reply', c.mode = 'voice', 'capture_id', c.id,
                                         'idempotency_key', d.idempotency_key))
        WHEN 'whatsapp_text' THEN jsonb_build_object(
            'messaging_product', 'whatsapp', 'recipient_type', 'individual',
            'to', d.detail->>'to', 'type', 'text',
            'text', jsonb_build_object('preview_url', false, 'body', d.detail->>'text'))
        WHEN 'whatsapp_voice' THEN jsonb_build_object(
            'audio_ref', d.detail->>'audio_ref',
            'message', jsonb_build_object('messaging_product', 'whatsapp',
                                          'recipient_type', 'individual',
                                          'to', d.detail->>'to', 'type', 'audio'))
        WHEN 'gotify' THEN jsonb_strip_nulls(jsonb_build_object(
            'title', d.detail->>'title', 'message', message,
            'priority', COALESCE((d.detail->>'priority')::int, 5),
            'extras', CASE WHEN d.detail ? 'url' THEN jsonb_build_object(
                'client::notification', jsonb_build_object('click', jsonb_build_object(
                    'url', d.detail->>'url'))) END))
        -- The hub's POST /api/notify: a tap opens the capture in the PWA; a confirmation's link is
        -- its spoken version. The hub takes at most 120 and 1000 characters.
        WHEN 'push' THEN jsonb_strip_nulls(jsonb_build_object(
            'title', left(d.detail->>'title', 120),
            'body', left(COALESCE(d.detail->>'message', ''), 1000),
            'url', '/captures/' || c.id, 'audio_url', d.detail->>'url', 'tag', c.id))
    END;
END $$;

-- The due pending deliveries of a capture, each leased to the caller for p.lease_s (default
-- 120: longer than any attempt's requests), so that overlapping callers never take one twice.
-- Pending deliveries whose destination is not configured are marked skipped first.
-- p = {capture_id, configured (see delivery_configured), tz? (the user's zone, for timed
-- calendar events: SOLO_BRAIN_TZ, Europe/Paris when left out), lease_s?, limit?}.
-- Returns one row per delivery to attempt: {id, kind, request}.
CREATE OR REPLACE FUNCTION assistant.claim_deliveries(p jsonb)
RETURNS TABLE (id text, kind text, request jsonb) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    cap_id text := p->>'capture_id';
BEGIN
    IF jsonb_typeof(p->'configured') IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'claim_deliveries needs configured: which destinations are set up'
            USING ERRCODE = '22023';
    END IF;
    WITH skipped AS (
        UPDATE assistant.deliveries d
           SET state = 'skipped', updated_at = now(), next_attempt_at = NULL,
               last_error = 'not configured (set ' || assistant.delivery_setting(d.kind) || ')'
         WHERE d.capture_id = cap_id AND d.state = 'pending'
           AND NOT assistant.delivery_configured(d.kind, p->'configured')
        RETURNING d.id, d.capture_id, d.kind, d.last_error)
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    SELECT 'n8n', 'delivery.skipped', s.capture_id,
           jsonb_build_object('delivery_id', s.id, 'kind', s.kind, 'reason', s.last_error)
      FROM skipped s;
    RETURN QUERY
    UPDATE assistant.deliveries d
       SET next_attempt_at = now() + make_interval(secs => COALESCE((p->>'lease_s')::numeric, 120)),
           updated_at = now()
     WHERE d.id IN (SELECT x.id FROM assistant.deliveries x
                     WHERE x.capture_id = cap_id AND x.state = 'pending'
                       AND (x.next_attempt_at IS NULL OR x.next_attempt_at <= now())
                     ORDER BY x.created_at, x.id
                     LIMIT COALESCE((p->>'limit')::int, 50)
                     FOR UPDATE SKIP LOCKED)
    RETURNING d.id, d.kind,
              assistant.delivery_request(d, COALESCE(NULLIF(p->>'tz', ''), 'Europe/Paris'));
END $$;

-- How a kind of delivery is named in a notification.
CREATE OR REPLACE FUNCTION assistant.delivery_label(kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE kind
        WHEN 'calendar_event' THEN 'L''événement d''agenda'
        WHEN 'calendar_cancel' THEN 'La suppression de l''événement d''agenda'
        WHEN 'onyx_document' THEN 'Le document Onyx'
        WHEN 'cc_prompt' THEN 'Le prompt Claude Code'
        WHEN 'whatsapp_text' THEN 'La réponse WhatsApp'
        WHEN 'whatsapp_voice' THEN 'La réponse vocale WhatsApp'
        ELSE 'La notification' END
$$;

-- What an HTTP answer means for a delivery (client briefings' sends too): 2xx -> 'done'; no
-- answer (code NULL), 408, 429, 5xx -> 'retry'; any other -> 'failed' for good.
CREATE OR REPLACE FUNCTION assistant.answer_outcome(code int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN code BETWEEN 200 AND 299 THEN 'done'
                WHEN code IS NULL OR code IN (408, 429) OR code >= 500 THEN 'retry'
                ELSE 'failed' END
$$;

-- Why an answer is not a success, for last_error: "HTTP <code>: " and n8n's error, the body's
-- error message or the start of the body ("no answer" when nothing came), 2000 characters at most.
CREATE OR REPLACE FUNCTION assistant.answer_error(code int, body jsonb, err jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT left(CASE WHEN code IS NOT NULL THEN 'HTTP ' || code || COALESCE(': ' || r.reason, '')
                     ELSE COALESCE(r.reason, 'no answer') END, 2000)
      FROM (SELECT COALESCE(
                CASE jsonb_typeof(err) WHEN 'object' THEN err->>'message'
                                       WHEN 'string' THEN err #>> '{}' END,
                CASE WHEN jsonb_typeof(body) = 'object' THEN COALESCE(
                    body->'error'->>'message', body->>'errorDescription',
                    CASE jsonb_typeof(body->'detail') WHEN 'string' THEN body->>'detail'
                                                      ELSE body->'detail'->0->>'msg' END) END,
                left(body #>> '{}', 300)) AS reason) r
$$;

-- What the destination answered to one attempt. p = {delivery_id, status (HTTP status, absent
-- when no answer came), body, error (n8n's error when the request failed), backoff_s?
-- (default 60), max_attempts? (default 20)}.
--   2xx, a calendar event's 409 (that id exists: ours), a cancelled event's 404/410 -> done
--   no answer, 408, 429, 5xx -> retried after backoff_s * 2^(attempts - 1), 6 h at most, and
--                               failed after max_attempts
--   any other 4xx -> failed for good
-- A delivery that fails plans one notification (unless it is a notification itself).
-- Returns {delivery_id, kind, state, attempts, last_error}.
CREATE OR REPLACE FUNCTION assistant.record_delivery(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    d assistant.deliveries;
    body jsonb := p->'body';
    err jsonb := p->'error';
    code int;
    reason text;
    outcome text;
    ref text;
    backoff numeric := GREATEST(COALESCE((p->>'backoff_s')::numeric, 60), 0.1);
    max_attempts int := GREATEST(COALESCE((p->>'max_attempts')::int, 20), 1);
    about text;
BEGIN
    SELECT * INTO d FROM assistant.deliveries WHERE id = p->>'delivery_id' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown delivery %', p->>'delivery_id' USING ERRCODE = 'P0002';
    END IF;
    IF d.state <> 'pending' THEN
        RETURN jsonb_build_object('delivery_id', d.id, 'kind', d.kind, 'state', d.state,
                                  'attempts', d.attempts, 'last_error', d.last_error);
    END IF;
    code := COALESCE(NULLIF(p->>'status', '')::int,
                     CASE WHEN jsonb_typeof(err) = 'object'
                          THEN NULLIF(err->>'statusCode', '')::int END);
    outcome := CASE
        WHEN d.kind = 'calendar_event' AND code = 409 THEN 'done'
        WHEN d.kind = 'calendar_cancel' AND code IN (404, 410) THEN 'done'
        ELSE assistant.answer_outcome(code) END;
    IF outcome = 'retry' AND d.attempts + 1 >= max_attempts THEN
        outcome := 'failed';
    END IF;
    IF outcome = 'done' THEN
        ref := CASE d.kind
            WHEN 'calendar_event' THEN COALESCE(body->>'id', assistant.google_event_id(d.id))
            WHEN 'calendar_cancel' THEN d.detail->>'event_id'
            WHEN 'onyx_document' THEN COALESCE(body->>'document_id', d.detail->>'document_id')
            WHEN 'cc_prompt' THEN (SELECT pr.session_id || '/' || pr.id FROM assistant.prompts pr
                                    WHERE pr.id = body->>'prompt_id')
            WHEN 'whatsapp_text' THEN body->'messages'->0->>'id'
            WHEN 'whatsapp_voice' THEN body->'messages'->0->>'id'
            WHEN 'gotify' THEN body->>'id'
        END;
        UPDATE assistant.deliveries SET state = 'done', attempts = attempts + 1,
               external_ref = ref, last_error = NULL, next_attempt_at = NULL,
               done_at = now(), updated_at = now()
         WHERE id = d.id RETURNING * INTO d;
    ELSE
        reason := assistant.answer_error(code, body, err);
        UPDATE assistant.deliveries SET
            attempts = attempts + 1,
            last_error = reason,
            state = CASE WHEN outcome = 'failed' THEN 'failed' ELSE 'pending' END,
            next_attempt_at = CASE WHEN outcome = 'failed' THEN NULL
                                   ELSE now() + make_interval(
                                       secs => LEAST(backoff * 2 ^ attempts, 21600)) END,
            updated_at = now()
        WHERE id = d.id RETURNING * INTO d;
    END IF;
    IF d.state IN ('done', 'failed') THEN
        INSERT INTO assistant.audit_log (actor, action, subject, detail)
        VALUES ('n8n', 'delivery.' || d.state, d.capture_id, jsonb_strip_nulls(jsonb_build_object(
            'delivery_id', d.id, 'kind', d.kind, 'attempts', d.attempts,
            'external_ref', d.external_ref, 'error', d.last_error)));
    END IF;
    IF d.state = 'failed' AND d.kind NOT IN ('gotify', 'push') THEN
        SELECT left(COALESCE(NULLIF(c.summary, ''), c.transcript, c.text, c.id), 80) INTO about
          FROM assistant.captures c WHERE c.id = d.capture_id;
        PERFORM assistant.plan_notification(
            d.capture_id, 'failed:' || d.id, 'Solo Brain : envoi impossible',
            assistant.delivery_label(d.kind) || ' de la capture « ' || about
                || ' » n''a pas pu être envoyé : ' || d.last_error
                || E'\n(solo-brain deliveries --capture ' || d.capture_id || ')',
            NULL, 8);
    END IF;
    RETURN jsonb_build_object('delivery_id', d.id, 'kind', d.kind, 'state', d.state,
                              'attempts', d.attempts, 'last_error', d.last_error);
END $$;

-- Captures that have deliveries due now (the retry schedule delivers each of them).
-- p = {limit?}. Returns one row per capture: {capture_id}.
CREATE OR REPLACE FUNCTION assistant.captures_with_due_deliveries(p jsonb)
RETURNS TABLE (capture_id text) LANGUAGE sql STABLE AS $$
    SELECT d.capture_id FROM assistant.deliveries d
     WHERE d.state = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())
     GROUP BY d.capture_id
     ORDER BY min(d.created_at)
     LIMIT COALESCE((p->>'limit')::int, 20)
$$;

-- Try failed or skipped deliveries again (all of a capture's, or one). p = {capture_id,
-- delivery_id?, actor?}. Returns how many were put back to pending.
CREATE OR REPLACE FUNCTION assistant.retry_deliveries(p jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH retried AS (
        UPDATE assistant.deliveries SET state = 'pending', attempts = 0, last_error = NULL,
               next_attempt_at = NULL, updated_at = now()
         WHERE capture_id = p->>'capture_id' AND state IN ('failed', 'skipped')
           AND (NULLIF(p->>'delivery_id', '') IS NULL OR id = p->>'delivery_id')
        RETURNING id, capture_id, kind)
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    SELECT COALESCE(p->>'actor', 'user'), 'delivery.retried', r.capture_id,
           jsonb_build_object('delivery_id', r.id, 'kind', r.kind)
      FROM retried r;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
