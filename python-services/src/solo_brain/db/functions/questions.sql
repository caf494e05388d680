-- Questions answered by voice, in the order the answer-question workflow calls them:
--
--   question_facts    the user's own data the question is about: open actions, recent notes,
--                     and the window of calendar events to list (n8n asks Google Calendar)
--   (n8n asks classify's POST /v1/answer for the sentence, glue's /v1/speak for its audio)
--   answer_question   keep the question in the inbox, marked as one, and tell the answer like
--                     any capture's outcome (finish_capture): nothing else is planned

-- The facts for a question. p = {capture_id, question: {start?, end?} (classify's answer),
-- project?, client_id?, tz, limit?}. A period keeps the actions due in it; a project or a client
-- keeps theirs (a project's client counts) and its five latest notes; with none of them, the
-- open actions of the coming week and those overdue. Returns {question (its text), voice_format,
-- facts: {today, period, project, client, actions, captures} (classify's Facts),
-- calendar: Google Calendar's events.list query {timeMin, timeMax, q?, singleEvents, orderBy,
-- maxResults}, or null (the period's days; else the next 30 days matching the client's or the
-- project's name; no calendar for a question about nothing in particular)}.
CREATE OR REPLACE FUNCTION assistant.question_facts(p jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    tz text := p->>'tz';
    today date := assistant.user_today(p);
    first_day date := (p->'question'->>'start')::date;
    last_day date := COALESCE((p->'question'->>'end')::date, (p->'question'->>'start')::date);
    proj assistant.projects;
    cl assistant.clients;
    lim int := LEAST(GREATEST(COALESCE((p->>'limit')::int, 20), 1), 50);
    c assistant.captures;
BEGIN
    SELECT * INTO c FROM assistant.captures WHERE id = p->>'capture_id';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', p->>'capture_id' USING ERRCODE = 'P0002';
    END IF;
    SELECT * INTO proj FROM assistant.projects WHERE slug = NULLIF(p->>'project', '');
    SELECT * INTO cl FROM assistant.clients
     WHERE id = COALESCE(NULLIF(p->>'client_id', ''), proj.client_id);
    RETURN jsonb_build_object(
        'question', COALESCE(c.transcript, c.text),
        'voice_format', CASE WHEN c.channel = 'whatsapp' AND c.mode = 'voice'
                             THEN 'opus' ELSE 'mp3' END,
        'facts', jsonb_build_object(
            'today', today,
            'period', CASE WHEN first_day IS NOT NULL
                           THEN jsonb_build_object('start', first_day, 'end', last_day) END,
            'project', CASE WHEN proj.slug IS NOT NULL
                            THEN jsonb_build_object('id', proj.slug, 'name', proj.name) END,
            'client', CASE WHEN cl.id IS NOT NULL
                           THEN jsonb_build_object('id', cl.id, 'name', cl.name) END,
            'actions', COALESCE((
                SELECT jsonb_agg(jsonb_build_object('text', x.text, 'due', x.due,
                                                    'due_time', to_char(x.due_time, 'HH24:MI'),
                                                    'project', x.project_name,
                                                    'client', x.client_name)
                                 ORDER BY x.due NULLS LAST, x.due_time NULLS FIRST, x.id)
                  FROM (SELECT a.id, a.text, a.due, a.due_time, ap.name AS project_name,
                               acl.name AS client_name
                          FROM assistant.actions a
                          JOIN assistant.captures ac ON ac.id = a.capture_id
                          LEFT JOIN assistant.projects ap ON ap.slug = ac.project
                          LEFT JOIN assistant.clients acl
                                 ON acl.id = COALESCE(ac.client_id, ap.client_id)
                         WHERE NOT a.done AND ac.id <> c.id
                           AND (first_day IS NULL OR a.due BETWEEN first_day AND last_day)
                           AND (proj.slug IS NULL OR ac.project = proj.slug)
                           AND (cl.id IS NULL OR proj.slug IS NOT NULL
                                OR COALESCE(ac.client_id, ap.client_id) = cl.id)
                           AND (first_day IS NOT NULL OR proj.slug IS NOT NULL
                                OR cl.id IS NOT NULL OR a.due <= today + 7)
                         ORDER BY a.due NULLS LAST, a.due_time NULLS FIRST, a.id
                         LIMIT lim) x), '[]'::jsonb),
            'captures', COALESCE((
                SELECT jsonb_agg(jsonb_build_object('summary', y.summary,
                                                    'created_at', y.created_at)
                                 ORDER BY y.created_at DESC)
                  FROM (SELECT k.summary, k.created_at
                          FROM assistant.captures k
                          LEFT JOIN assistant.projects kp ON kp.slug = k.project
                         WHERE (proj.slug IS NOT NULL OR cl.id IS NOT NULL)
                           AND k.id <> c.id AND k.status = 'filed' AND k.summary IS NOT NULL
                           AND k.category <> 'question'
                           AND (proj.slug IS NULL OR k.project = proj.slug)
                           AND (cl.id IS NULL OR proj.slug IS NOT NULL
                                OR COALESCE(k.client_id, kp.client_id) = cl.id)
                         ORDER BY k.created_at DESC
                         LIMIT 5) y), '[]'::jsonb)),
        'calendar', jsonb_strip_nulls(CASE
            WHEN first_day IS NOT NULL THEN jsonb_build_object(
                'timeMin', to_char(first_day::timestamp AT TIME ZONE tz AT TIME ZONE 'UTC',
                                   'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'timeMax', to_char((last_day + 1)::timestamp AT TIME ZONE tz AT TIME ZONE 'UTC',
                                   'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
            WHEN cl.id IS NOT NULL OR proj.slug IS NOT NULL THEN jsonb_build_object(
                'timeMin', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'timeMax', to_char((now() + interval '30 days') AT TIME ZONE 'UTC',
                                   'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'q', COALESCE(cl.name, proj.name))
        END || jsonb_build_object('singleEvents', true, 'orderBy', 'startTime',
                                  'maxResults', lim)));
END $$;

-- A question was answered: keep it in the inbox as one (category 'question', what it asked
-- about, no action, unless it was re-classified by hand meanwhile), then tell the answer as any
-- outcome is told (finish_capture: the waiting webhook, or a notification after a deferred
-- answer, and the WhatsApp reply). Plans no other delivery.
-- p = {classification (classify's answer, with the capture_id), speech, tts_url?, audio_ref?}.
-- Returns finish_capture's {capture_id, status, deliver}.
CREATE OR REPLACE FUNCTION assistant.answer_question(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb := COALESCE(p->'classification', '{}'::jsonb);
    cap_id text := COALESCE(p->>'capture_id', result->>'capture_id');
    c assistant.captures;
BEGIN
    SELECT * INTO c FROM assistant.captures WHERE id = cap_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown capture %', cap_id USING ERRCODE = 'P0002';
    END IF;
    IF c.classifier IS DISTINCT FROM 'manual' AND NULLIF(p->>'speech', '') IS NOT NULL THEN
        UPDATE assistant.captures SET
            category = 'question',
            question = result->'question',
            project = NULLIF(result->>'project', ''),
            client_id = NULLIF(result->>'client_id', ''),
            summary = COALESCE(result->>'summary', summary),
            classifier = COALESCE(result->>'classifier', classifier),
            needs_review = COALESCE((result->>'needs_review')::boolean, needs_review),
            next_attempt_at = NULL, last_error = NULL, updated_at = now()
        WHERE id = cap_id;
        IF c.category IS DISTINCT FROM 'question' THEN
            INSERT INTO assistant.audit_log (actor, action, subject, detail)
            VALUES (COALESCE(result->>'classifier', 'n8n'), 'capture.answered', cap_id,
                    jsonb_build_object('question', result->'question',
                                       'project', result->>'project',
                                       'client_id', result->>'client_id'));
        END IF;
    END IF;
    RETURN assistant.finish_capture(p - 'classification'
                                    || jsonb_build_object('capture_id', cap_id));
END $$;
