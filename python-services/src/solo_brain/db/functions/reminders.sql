-- Reminders and the morning briefing. "Today" is the day in the user's time zone p.tz
-- (SOLO_BRAIN_TZ, which the workflows pass); there is no default zone here.

-- Today's date in the zone p.tz; an error naming the setting when it is missing or unknown.
CREATE OR REPLACE FUNCTION assistant.user_today(p jsonb) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NULLIF(p->>'tz', '') IS NULL THEN
        RAISE EXCEPTION 'tz is required: pass the user''s time zone (SOLO_BRAIN_TZ)'
            USING ERRCODE = '22023';
    END IF;
    RETURN (now() AT TIME ZONE (p->>'tz'))::date;
END $$;

-- A day as the reminders say it, in French whatever the server's locale: "lundi 1 juin".
CREATE OR REPLACE FUNCTION assistant.french_day(d date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi',
                  'dimanche'])[extract(isodow FROM d)::int]
           || ' ' || extract(day FROM d)::int || ' '
           || (ARRAY['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
                     'septembre', 'octobre', 'novembre', 'décembre'])[extract(month FROM d)::int]
$$;

-- A time of day as said in French: "10h", "10h30", "9h05", "midi", "minuit" (classify's
-- speech.spoken_time says it the same way).
CREATE OR REPLACE FUNCTION assistant.french_time(t time) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN t = '12:00' THEN 'midi' WHEN t = '00:00' THEN 'minuit'
                ELSE extract(hour FROM t)::int || 'h'
                     || CASE WHEN extract(minute FROM t) = 0 THEN ''
                             ELSE to_char(t, 'MI') END END
$$;

-- Open actions to remind now, not yet reminded: each is marked reminded in the same statement,
-- so no action is ever reminded twice. An action of the whole day is taken once due within
-- p.lead_days (0: today or overdue); a timed one once its time, in the zone p.tz, is within
-- p.lead_min minutes (default 15) of now, never before (overdue ones at once).
-- p = {tz, lead_days?, lead_min?, limit?}. Returns one row per action:
-- {action_id, capture_id, text, due (YYYY-MM-DD), due_time (HH:MM or NULL), overdue, today,
--  due_said ("lundi 1 juin"), at_said (" à 10h", or '' for a whole day)}: the words of the
-- reminder, so that its n8n expression stays short.
CREATE OR REPLACE FUNCTION assistant.claim_reminders(p jsonb)
RETURNS TABLE (action_id bigint, capture_id text, text text, due text, due_time text,
               overdue boolean, today boolean, due_said text, at_said text)
LANGUAGE sql AS $$
    WITH today AS (SELECT assistant.user_today(p) AS d)
    UPDATE assistant.actions a SET reminded_at = now()
      FROM today
     WHERE a.id IN (
        SELECT x.id FROM assistant.actions x, today
         WHERE NOT x.done AND x.reminded_at IS NULL AND x.due IS NOT NULL
           AND CASE WHEN x.due_time IS NULL
                    THEN x.due <= today.d + COALESCE((p->>'lead_days')::int, 0)
                    ELSE (x.due + x.due_time) AT TIME ZONE (p->>'tz')
                         <= now() + make_interval(mins => COALESCE((p->>'lead_min')::int, 15))
                    END
         ORDER BY x.due, x.due_time NULLS FIRST, x.id
         LIMIT COALESCE((p->>'limit')::int, 50)
         FOR UPDATE SKIP LOCKED)
    RETURNING a.id, a.capture_id, a.text, to_char(a.due, 'YYYY-MM-DD'),
              to_char(a.due_time, 'HH24:MI'), a.due < today.d, a.due = today.d,
              assistant.french_day(a.due), COALESCE(' à ' || assistant.french_time(a.due_time), '')
$$;

-- The morning briefing's material: open actions due today and overdue ones.
-- p = {tz}. Returns {date, today: [{text, due}], overdue: [{text, due}]}.
CREATE OR REPLACE FUNCTION assistant.briefing(p jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH today AS (SELECT assistant.user_today(p) AS d)
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
