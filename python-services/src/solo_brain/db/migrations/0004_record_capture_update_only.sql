-- record_capture on an existing capture id with only new fields (a category, a status) failed:
-- Postgres checks captures_has_input on the INSERT before ON CONFLICT sees the existing row.
-- Insert only when the capture does not exist yet, and say clearly what a new one needs.

-- Idempotent upsert of a capture, keyed by capture id, or else by (channel, channel_message_id).
-- Keys present in the argument overwrite stored values; absent keys keep them. The status is
-- derived from what is known unless given. Returns capture_json(...) plus "created": true when
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
    IF cap_id IS NOT NULL AND EXISTS (SELECT 1 FROM assistant.captures WHERE id = cap_id) THEN
        created := false;
    ELSE
        IF cap_id IS NULL THEN
            cap_id := 'cap_' || assistant.new_ulid();
        END IF;
        IF NULLIF(p->>'text', '') IS NULL AND NULLIF(p->>'transcript', '') IS NULL
           AND NULLIF(p->>'audio_ref', '') IS NULL THEN
            RAISE EXCEPTION 'a new capture needs text, transcript or audio_ref'
                USING ERRCODE = '22023';
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

