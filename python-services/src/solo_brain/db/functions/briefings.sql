-- Client briefings before a meeting: what the classify service reads to word one
-- (client_briefing_facts), and how n8n sends it to each destination once, retried until the meeting
-- starts (plan_client_briefings, claim_client_briefing_sends, record_client_briefing_send).

-- The facts of a briefing for client p.client_id, for a meeting on day p.day (the meeting's date
-- in the user's zone, YYYY-MM-DD). "For the client" is a capture filed with that client or with
-- one of its projects. p = {client_id, day, notes?: 3, open?: 5}. Returns
-- {due: [{text, due}]          open actions due on or before the meeting's day (promised, due),
--  open: [{text, due}], open_count   the other open actions, soonest first (open_count: all),
--  notes: [{at, summary}]}       the last notes, newest first (at: the capture time).
CREATE OR REPLACE FUNCTION assistant.client_briefing_facts(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH mine AS (
        SELECT c.id, c.created_at, COALESCE(c.summary, c.transcript, c.text) AS summary
          FROM assistant.captures c
         WHERE c.status = 'filed'
           AND (c.client_id = p->>'client_id'
                OR c.project IN (SELECT slug FROM assistant.projects
                                  WHERE client_id = p->>'client_id'))
    ), open AS (
        SELECT a.id, a.text, a.due, a.due <= (p->>'day')::date AS is_due
          FROM assistant.actions a JOIN mine ON mine.id = a.capture_id
         WHERE NOT a.done
    )
    SELECT jsonb_build_object(
        'due', COALESCE((SELECT jsonb_agg(jsonb_build_object('text', text, 'due', due)
                                          ORDER BY due, id)
                           FROM open WHERE is_due), '[]'::jsonb),
        'open', COALESCE((SELECT jsonb_agg(jsonb_build_object('text', text, 'due', due)
                                           ORDER BY due NULLS LAST, id)
                            FROM (SELECT * FROM open WHERE is_due IS NOT TRUE
                                   ORDER BY due NULLS LAST, id
                                   LIMIT COALESCE((p->>'open')::int, 5)) o), '[]'::jsonb),
        'open_count', (SELECT count(*) FROM open WHERE is_due IS NOT TRUE),
        'notes', COALESCE((SELECT jsonb_agg(jsonb_build_object('at', created_at,
                                                               'summary', summary)
                                            ORDER BY created_at DESC, id DESC)
                             FROM (SELECT * FROM mine WHERE summary IS NOT NULL
                                    ORDER BY created_at DESC, id DESC
                                    LIMIT COALESCE((p->>'notes')::int, 3)) n), '[]'::jsonb))
$$;

-- Plan the briefings of a run, so that each goes out once per event and destination: the first
-- call for an (event id, start) pair records the briefing and one pending send per destination
-- (the speech always, the others when configured); later calls (an overlapping run, the next run
-- of the schedule) plan nothing more. A moved event (another start) is briefed again.
-- p = {briefings: [{event_id, start, client_id?, title?, speech, push}],
--      configured: {push: bool, gotify: bool, whatsapp_to: text|null}}.
-- Returns {planned: [event_id, ...]} (the briefings that were new).
CREATE OR REPLACE FUNCTION assistant.plan_client_briefings(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    b jsonb;
    inserted integer;
    planned jsonb := '[]';
    conf jsonb := COALESCE(p->'configured', '{}');
BEGIN
    FOR b IN SELECT * FROM jsonb_array_elements(COALESCE(p->'briefings', '[]')) LOOP
        IF NULLIF(b->>'event_id', '') IS NULL OR NULLIF(b->>'start', '') IS NULL THEN
            RAISE EXCEPTION 'event_id and start are required' USING ERRCODE = '22023';
        END IF;
        INSERT INTO assistant.client_briefings (event_id, event_start, client_id, title, detail)
        SELECT b->>'event_id', (b->>'start')::timestamptz, k.id, left(b->>'title', 500),
               jsonb_build_object('speech', b->'speech', 'push', b->'push')
          FROM (SELECT (SELECT id FROM assistant.clients WHERE id = b->>'client_id') AS id) k
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        CONTINUE WHEN inserted = 0;
        INSERT INTO assistant.client_briefing_sends (event_id, event_start, kind, detail)
        SELECT b->>'event_id', (b->>'start')::timestamptz, k.kind, k.detail
          FROM (VALUES ('speech', '{}'::jsonb, true),
                       ('push', '{}', COALESCE((conf->>'push')::boolean, false)),
                       ('gotify', '{}', COALESCE((conf->>'gotify')::boolean, false)),
                       ('whatsapp', jsonb_build_object('to', conf->>'whatsapp_to'),
                        NULLIF(conf->>'whatsapp_to', '') IS NOT NULL))
               AS k (kind, detail, configured)
         WHERE k.configured;
        INSERT INTO assistant.audit_log (actor, action, subject, detail)
        VALUES ('n8n', 'client_briefing.claimed', b->>'client_id',
                jsonb_build_object('event_id', b->>'event_id', 'start', b->>'start'));
        planned := planned || to_jsonb(b->>'event_id');
    END LOOP;
    RETURN jsonb_build_object('planned', planned);
END $$;

-- The request one send makes (the JSON body of its destination). The messages carry the audio
-- link once the speech is done.
CREATE OR REPLACE FUNCTION assistant.client_briefing_request(s assistant.client_briefing_sends)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE s.kind
        WHEN 'speech' THEN jsonb_build_object('text', b.detail->>'speech', 'format', 'mp3')
        WHEN 'push' THEN jsonb_strip_nulls(b.detail->'push'
                                           || jsonb_build_object('audio_url', a.external_ref))
        WHEN 'gotify' THEN jsonb_build_object(
            'title', b.detail->'push'->>'title', 'priority', 6,
            'message', (b.detail->'push'->>'body') || COALESCE(E'\n🔊 ' || a.external_ref, ''))
        WHEN 'whatsapp' THEN jsonb_build_object(
            'messaging_product', 'whatsapp', 'recipient_type', 'individual',
            'to', s.detail->>'to', 'type', 'text',
            'text', jsonb_build_object('preview_url', false,
                                       'body', b.detail->'push'->>'body'))
    END
      FROM assistant.client_briefings b
      LEFT JOIN assistant.client_briefing_sends a
        ON a.event_id = b.event_id AND a.event_start = b.event_start
       AND a.kind = 'speech' AND a.state = 'done'
     WHERE b.event_id = s.event_id AND b.event_start = s.event_start
$$;

-- The due sends of a stage, each leased to the caller for p.lease_s (default 120: longer than any
-- attempt), so that overlapping runs never take one twice. Stage 'speech' first, then
-- 'messages' (push, Gotify, WhatsApp), which wait for the speech's first attempt only: a Kokoro
-- that does not answer delays nothing, the messages then go without the audio link. Pending
-- sends of a meeting that has started are given up first (audit client_briefing.given_up).
-- p = {stage: 'speech'|'messages', lease_s?, limit?}. Returns {event_id, start, kind, request}.
CREATE OR REPLACE FUNCTION assistant.claim_client_briefing_sends(p jsonb)
RETURNS TABLE (event_id text, start text, kind text, request jsonb)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF p->>'stage' IS DISTINCT FROM 'speech' AND p->>'stage' IS DISTINCT FROM 'messages' THEN
        RAISE EXCEPTION 'stage must be speech or messages' USING ERRCODE = '22023';
    END IF;
    WITH late AS (
        UPDATE assistant.client_briefing_sends s
           SET state = 'given_up', next_attempt_at = NULL, updated_at = now(),
               last_error = COALESCE(s.last_error || ' — ', '') || 'the meeting has started'
         WHERE s.state = 'pending' AND s.event_start <= now()
           AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now())
        RETURNING s.*)
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    SELECT 'n8n', 'client_briefing.given_up', b.client_id,
           jsonb_build_object('event_id', l.event_id, 'start', l.event_start, 'kind', l.kind,
                              'attempts', l.attempts, 'error', l.last_error)
      FROM late l JOIN assistant.client_briefings b USING (event_id, event_start);
    RETURN QUERY
    UPDATE assistant.client_briefing_sends s
       SET next_attempt_at = now() + make_interval(secs => COALESCE((p->>'lease_s')::numeric, 120)),
           updated_at = now()
     WHERE (s.event_id, s.event_start, s.kind) IN (
            SELECT x.event_id, x.event_start, x.kind FROM assistant.client_briefing_sends x
             WHERE x.state = 'pending'
               AND (x.next_attempt_at IS NULL OR x.next_attempt_at <= now())
               AND (x.kind = 'speech') = (p->>'stage' = 'speech')
               AND NOT EXISTS (SELECT 1 FROM assistant.client_briefing_sends y
                                WHERE y.event_id = x.event_id AND y.event_start = x.event_start
                                  AND y.kind = 'speech' AND y.state = 'pending'
                                  AND y.attempts = 0 AND x.kind <> 'speech')
             ORDER BY x.event_start, x.kind
             LIMIT COALESCE((p->>'limit')::int, 50)
             FOR UPDATE SKIP LOCKED)
    RETURNING s.event_id, s.event_start::text, s.kind, assistant.client_briefing_request(s);
END $$;

-- What the destination answered to one send. p = {event_id, start, kind, status (absent when no
-- answer came), body, error (n8n's error)}: 2xx -> done (a Web Push that reached no phone while
-- some failed is retried); no answer, 408, 429, 5xx -> pending, the next run tries again; any
-- other 4xx -> failed (assistant.answer_outcome, as deliveries). Audit client_briefing.sent /
-- client_briefing.failed.
-- Returns {event_id, kind, state, attempts, last_error}.
CREATE OR REPLACE FUNCTION assistant.record_client_briefing_send(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    s assistant.client_briefing_sends;
    body jsonb := p->'body';
    err jsonb := p->'error';
    code int;
    outcome text;
    reason text;
BEGIN
    SELECT * INTO s FROM assistant.client_briefing_sends x
     WHERE x.event_id = p->>'event_id' AND x.event_start = (p->>'start')::timestamptz
       AND x.kind = p->>'kind' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown briefing send % %', p->>'event_id', p->>'kind'
            USING ERRCODE = 'P0002';
    END IF;
    IF s.state <> 'pending' THEN
        RETURN jsonb_build_object('event_id', s.event_id, 'kind', s.kind, 'state', s.state,
                                  'attempts', s.attempts, 'last_error', s.last_error);
    END IF;
    code := COALESCE(NULLIF(p->>'status', '')::int,
                     CASE WHEN jsonb_typeof(err) = 'object'
                          THEN NULLIF(err->>'statusCode', '')::int END);
    outcome := assistant.answer_outcome(code);
    IF outcome = 'done' AND s.kind = 'push' AND jsonb_typeof(body) = 'object'
       AND COALESCE((body->>'sent')::int, 0) = 0 AND COALESCE((body->>'failed')::int, 0) > 0 THEN
        outcome := 'retry';
        err := to_jsonb('no phone received it (' || (body->>'failed') || ' failed)');
    END IF;
    IF outcome = 'done' THEN
        UPDATE assistant.client_briefing_sends x
           SET state = 'done', attempts = x.attempts + 1, last_error = NULL,
               next_attempt_at = NULL, done_at = now(), updated_at = now(),
               external_ref = CASE s.kind WHEN 'speech' THEN body->>'url'
                                          WHEN 'gotify' THEN body->>'id'
                                          WHEN 'whatsapp' THEN body->'messages'->0->>'id' END
         WHERE (x.event_id, x.event_start, x.kind) = (s.event_id, s.event_start, s.kind)
        RETURNING * INTO s;
    ELSE
        reason := assistant.answer_error(code, body, err);
        UPDATE assistant.client_briefing_sends x
           SET attempts = x.attempts + 1, last_error = reason, next_attempt_at = NULL,
               state = CASE WHEN outcome = 'failed' THEN 'failed' ELSE 'pending' END,
               updated_at = now()
         WHERE (x.event_id, x.event_start, x.kind) = (s.event_id, s.event_start, s.kind)
        RETURNING * INTO s;
    END IF;
    IF s.state IN ('done', 'failed') THEN
        INSERT INTO assistant.audit_log (actor, action, subject, detail)
        SELECT 'n8n', CASE s.state WHEN 'done' THEN 'client_briefing.sent'
                                   ELSE 'client_briefing.failed' END, b.client_id,
               jsonb_strip_nulls(jsonb_build_object(
                   'event_id', s.event_id, 'start', s.event_start, 'kind', s.kind,
                   'attempts', s.attempts, 'external_ref', s.external_ref,
                   'error', s.last_error))
          FROM assistant.client_briefings b
         WHERE (b.event_id, b.event_start) = (s.event_id, s.event_start);
    END IF;
    RETURN jsonb_build_object('event_id', s.event_id, 'kind', s.kind, 'state', s.state,
                              'attempts', s.attempts, 'last_error', s.last_error);
END $$;
