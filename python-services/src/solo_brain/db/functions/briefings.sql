-- Client briefings before a meeting: what the classify service reads to word one
-- (client_briefing_facts), and the claim n8n makes before sending it (claim_client_briefing).

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

-- Claim the briefing of one calendar event, so that it goes out once: the first call for an
-- (event id, start) pair answers claimed = true, every later one (an overlapping run, the next
-- run of the schedule) false. A moved event (another start) is briefed again.
-- p = the briefing {event_id, start, client_id?, title?, ...}; returns p with `claimed`.
CREATE OR REPLACE FUNCTION assistant.claim_client_briefing(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    inserted integer;
BEGIN
    IF NULLIF(p->>'event_id', '') IS NULL OR NULLIF(p->>'start', '') IS NULL THEN
        RAISE EXCEPTION 'event_id and start are required' USING ERRCODE = '22023';
    END IF;
    INSERT INTO assistant.client_briefings (event_id, event_start, client_id, title)
    SELECT p->>'event_id', (p->>'start')::timestamptz, k.id, left(p->>'title', 500)
      FROM (SELECT (SELECT id FROM assistant.clients WHERE id = p->>'client_id') AS id) k
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted > 0 THEN
        INSERT INTO assistant.audit_log (actor, action, subject, detail)
        VALUES ('n8n', 'client_briefing.claimed', p->>'client_id',
                jsonb_build_object('event_id', p->>'event_id', 'start', p->>'start'));
    END IF;
    RETURN p || jsonb_build_object('claimed', inserted > 0);
END $$;
