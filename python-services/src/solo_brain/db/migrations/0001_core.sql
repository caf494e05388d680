-- Solo Brain core schema: captures, actions, projects, clients, audit log.
-- n8n's Postgres node calls assistant.record_capture($1::jsonb) with ONE jsonb argument.

CREATE SCHEMA IF NOT EXISTS assistant;

-- Sortable capture ids: "cap_" + a ULID (48-bit ms timestamp, 80 random bits, Crockford base32).
CREATE FUNCTION assistant.new_ulid(at timestamptz DEFAULT clock_timestamp()) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    ms bigint := floor(extract(epoch FROM at) * 1000);
    rnd bytea := decode(replace(gen_random_uuid()::text, '-', ''), 'hex');
    out text := '';
    acc numeric := 0;
    i int;
BEGIN
    FOR i IN REVERSE 9..0 LOOP
        out := out || substr(alphabet, ((ms >> (i * 5)) & 31)::int + 1, 1);
    END LOOP;
    FOR i IN 0..9 LOOP
        acc := acc * 256 + get_byte(rnd, i);
    END LOOP;
    FOR i IN REVERSE 15..0 LOOP
        out := out || substr(alphabet, (floor(acc / (32::numeric ^ i)) % 32)::int + 1, 1);
    END LOOP;
    RETURN out;
END $$;

CREATE TABLE assistant.clients (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    aliases     text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assistant.projects (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    client_id   text REFERENCES assistant.clients (id) ON UPDATE CASCADE ON DELETE SET NULL,
    aliases     text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assistant.captures (
    id                  text PRIMARY KEY CHECK (id ~ '^cap_[0-9A-HJKMNP-TV-Z]{26}$'),
    channel             text NOT NULL DEFAULT 'api'
                        CHECK (channel IN ('siri', 'whatsapp', 'pwa', 'api', 'email')),
    channel_message_id  text,
    mode                text NOT NULL DEFAULT 'text' CHECK (mode IN ('voice', 'text')),
    text                text,
    transcript          text,
    language            text,
    duration_s          real,
    audio_ref           text,
    hint                text,
    public              boolean NOT NULL DEFAULT false,
    status              text NOT NULL DEFAULT 'received'
                        CHECK (status IN ('received', 'pending_transcription',
                                          'pending_classification', 'classified', 'filed',
                                          'failed')),
    category            text CHECK (category IN ('client', 'idee_rd', 'todo', 'note_tech',
                                                 'admin', 'perso')),
    project             text REFERENCES assistant.projects (slug)
                        ON UPDATE CASCADE ON DELETE SET NULL,
    client_id           text REFERENCES assistant.clients (id)
                        ON UPDATE CASCADE ON DELETE SET NULL,
    summary             text,
    classifier          text,
    needs_review        boolean NOT NULL DEFAULT false,
    cc_prompt           jsonb,
    speech              text,
    stored_in           text[] NOT NULL DEFAULT '{}',
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text,
    next_attempt_at     timestamptz,
    routed_at           timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT captures_has_input CHECK (text IS NOT NULL OR audio_ref IS NOT NULL
                                         OR transcript IS NOT NULL),
    CONSTRAINT captures_channel_message UNIQUE (channel, channel_message_id)
);

CREATE INDEX captures_status_idx ON assistant.captures (status, next_attempt_at)
    WHERE status IN ('pending_transcription', 'pending_classification', 'received');
CREATE INDEX captures_created_idx ON assistant.captures (created_at DESC);

CREATE TABLE assistant.actions (
    id                  bigserial PRIMARY KEY,
    capture_id          text NOT NULL REFERENCES assistant.captures (id) ON DELETE CASCADE,
    position            integer NOT NULL DEFAULT 0,
    text                text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    due                 date,
    due_phrase          text,
    done                boolean NOT NULL DEFAULT false,
    done_at             timestamptz,
    calendar_event_id   text,
    reminded_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX actions_capture_idx ON assistant.actions (capture_id, position);
CREATE INDEX actions_due_idx ON assistant.actions (due) WHERE NOT done;

CREATE TABLE assistant.audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    subject     text,
    detail      jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_subject_idx ON assistant.audit_log (subject, at);

-- The JSON shape of one capture with its actions, as every caller sees it.
CREATE FUNCTION assistant.capture_json(cap_id text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(c) - 'text'
           || jsonb_build_object(
                'capture_id', c.id,
                'text', c.text,
                'actions', COALESCE((
                    SELECT jsonb_agg(jsonb_build_object(
                               'id', a.id, 'text', a.text, 'due', a.due,
                               'due_phrase', a.due_phrase, 'done', a.done,
                               'calendar_event_id', a.calendar_event_id,
                               'reminded_at', a.reminded_at)
                           ORDER BY a.position, a.id)
                    FROM assistant.actions a WHERE a.capture_id = c.id), '[]'::jsonb))
    FROM assistant.captures c WHERE c.id = cap_id
$$;

-- Replace a capture's actions unless the new list is the same (text and due, in order):
-- a repeated delivery keeps the action ids and their calendar event ids.
CREATE FUNCTION assistant.replace_actions(cap_id text, new_actions jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    current jsonb;
    wanted jsonb;
BEGIN
    IF new_actions IS NULL OR jsonb_typeof(new_actions) <> 'array' THEN
        RETURN false;
    END IF;
    SELECT COALESCE(jsonb_agg(jsonb_build_array(a.text, a.due) ORDER BY a.position, a.id),
                    '[]'::jsonb)
      INTO current FROM assistant.actions a WHERE a.capture_id = cap_id;
    SELECT COALESCE(jsonb_agg(jsonb_build_array(e->>'text', (NULLIF(e->>'due', ''))::date)
                              ORDER BY ord), '[]'::jsonb)
      INTO wanted FROM jsonb_array_elements(new_actions) WITH ORDINALITY AS t(e, ord);
    IF current = wanted THEN
        RETURN false;
    END IF;
    DELETE FROM assistant.actions WHERE capture_id = cap_id;
    INSERT INTO assistant.actions (capture_id, position, text, due, due_phrase)
    SELECT cap_id, (ord - 1)::int, e->>'text', (NULLIF(e->>'due', ''))::date,
           NULLIF(e->>'due_phrase', '')
      FROM jsonb_array_elements(new_actions) WITH ORDINALITY AS t(e, ord);
    RETURN true;
END $$;

-- Idempotent upsert of a capture, keyed by capture id, or else by (channel, channel_message_id).
-- Keys present in the argument overwrite stored values; absent keys keep them. The status is
-- derived from what is known unless given. Returns capture_json(...) plus "created": true when
-- this call inserted the capture (so a flow can skip work for a repeated delivery).
CREATE FUNCTION assistant.record_capture(p jsonb) RETURNS jsonb
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
    IF cap_id IS NULL THEN
        cap_id := 'cap_' || assistant.new_ulid();
    END IF;

    INSERT INTO assistant.captures (id, channel, channel_message_id, mode, text, transcript,
                                    language, duration_s, audio_ref, hint, public)
    VALUES (cap_id, chan, chan_msg,
            COALESCE(NULLIF(p->>'mode', ''),
                     CASE WHEN p ? 'audio_ref' AND p->>'audio_ref' IS NOT NULL
                          THEN 'voice' ELSE 'text' END),
            NULLIF(p->>'text', ''), NULLIF(p->>'transcript', ''), p->>'language',
            (p->>'duration_s')::real, NULLIF(p->>'audio_ref', ''), NULLIF(p->>'hint', ''),
            COALESCE((p->>'public')::boolean, false))
    ON CONFLICT DO NOTHING;
    created := FOUND;

    IF NOT created AND chan_msg IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM assistant.captures WHERE id = cap_id) THEN
        -- The same channel message arrived under another capture id: it is that capture.
        SELECT id INTO cap_id FROM assistant.captures
         WHERE channel = chan AND channel_message_id = chan_msg;
    END IF;

    UPDATE assistant.captures c SET
        transcript   = CASE WHEN p ? 'transcript' THEN NULLIF(p->>'transcript', '') ELSE c.transcript END,
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
        speech       = CASE WHEN p ? 'speech' THEN p->>'speech' ELSE c.speech END,
        stored_in    = CASE WHEN jsonb_typeof(p->'stored_in') = 'array'
                            THEN ARRAY(SELECT DISTINCT x FROM unnest(c.stored_in || ARRAY(
                                 SELECT jsonb_array_elements_text(p->'stored_in'))) AS x ORDER BY x)
                            ELSE c.stored_in END,
        last_error   = CASE WHEN p ? 'error' THEN p->>'error' ELSE c.last_error END,
        updated_at   = now()
    WHERE c.id = cap_id;

    PERFORM assistant.replace_actions(cap_id, p->'actions');

    UPDATE assistant.captures c SET status = COALESCE(NULLIF(p->>'status', ''),
        CASE
            WHEN c.transcript IS NULL AND c.text IS NULL THEN 'pending_transcription'
            WHEN c.category IS NULL THEN 'pending_classification'
            WHEN c.status IN ('filed') THEN c.status
            ELSE 'classified'
        END)
    WHERE c.id = cap_id
    RETURNING * INTO row;

    IF created THEN
        INSERT INTO assistant.audit_log (actor, action, subject, detail)
        VALUES (COALESCE(p->>'actor', chan), 'capture.recorded', cap_id,
                jsonb_build_object('channel', chan, 'mode', row.mode, 'status', row.status));
    END IF;

    RETURN assistant.capture_json(cap_id) || jsonb_build_object('created', created);
END $$;

-- Re-classification by hand (from the PWA): replaces category, project, client and actions,
-- and writes what changed to the audit log.
CREATE FUNCTION assistant.reclassify_capture(cap_id text, p jsonb, actor text DEFAULT 'user')
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
        classifier   = 'manual',
        needs_review = false,
        status       = CASE WHEN status IN ('pending_classification', 'received')
                            AND (p ? 'category') THEN 'classified' ELSE status END,
        updated_at   = now()
    WHERE id = cap_id;
    IF p ? 'actions' THEN
        PERFORM assistant.replace_actions(cap_id, p->'actions');
    END IF;
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    VALUES (actor, 'capture.reclassified', cap_id, jsonb_build_object(
        'before', jsonb_build_object('category', before->'category', 'project', before->'project',
                                     'client_id', before->'client_id', 'actions', before->'actions'),
        'after', p));
    RETURN assistant.capture_json(cap_id);
END $$;
