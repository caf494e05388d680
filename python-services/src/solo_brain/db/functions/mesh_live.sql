-- A live batch of transcript lines (part "next", issue 11), committed in one round trip: the
-- hub's `store_messages` calls this one function in autocommit, so a line waits for Postgres
-- once (the statements and the COMMIT), and its plans stay cached in the session.
--
-- Arguments: the agent, the session, the file, the batch's byte range [p_start, p_end), its
-- messages as a JSON array (mesh_protocol.Message) and the newest message timestamp.
-- Raises SQLSTATE 'MGGAP' (DETAIL: the stored offset) when p_start is past the file's stored
-- offset: bytes would be missing, nothing is written. Otherwise stores the messages it did not
-- have (idempotent on (session_id, uuid)), sets the file's offset to p_end, advances the
-- session's last_msg_at, and appends a fork event for each message that a new message made the
-- parent of a second user message. Returns the new messages (kind 'message', seq order), then
-- the fork events (kind 'fork', their data in `data`).
--
-- The COMMIT does not wait for the WAL flush (synchronous_commit off for this transaction):
-- the hub acks the batch only after a later ordinary commit flushed the WAL past it.

CREATE OR REPLACE FUNCTION assistant.mesh_store_live(
    p_agent text, p_session text, p_file text, p_start bigint, p_end bigint, p_rows jsonb,
    p_latest timestamptz
) RETURNS TABLE (
    kind text, seq bigint, pos bigint, session_id text, uuid text, parent_uuid text, role text,
    text text, tool_uses jsonb, tool_results jsonb, "timestamp" timestamptz,
    is_sidechain boolean, data jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    stored bigint;
    added assistant.messages[];
    fork record;
    event_seq bigint;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO assistant.sessions (id, agent_id) VALUES (p_session, p_agent)
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM assistant.sessions s WHERE s.id = p_session FOR UPDATE;
    SELECT o."offset" INTO stored FROM assistant.mesh_offsets o
        WHERE o.agent_id = p_agent AND o.session_id = p_session AND o.file = p_file;
    stored := COALESCE(stored, 0);
    IF p_start > stored THEN
        RAISE EXCEPTION 'offset gap: the hub has % bytes, the batch starts at %', stored, p_start
            USING ERRCODE = 'MGGAP', DETAIL = stored::text;
    END IF;
    IF p_rows IS NOT NULL THEN
        WITH ins AS (
            INSERT INTO assistant.messages AS t (session_id, uuid, parent_uuid, role, text,
                    tool_uses, tool_results, "timestamp", is_sidechain, file, thread_parent)
                SELECT p_session, m.uuid, m.parent_uuid, m.role, m.text,
                       COALESCE(m.tool_uses, '[]'), COALESCE(m.tool_results, '[]'),
                       m."timestamp", COALESCE(m.is_sidechain, false), p_file,
                       COALESCE(m.thread_parent_uuid, m.parent_uuid)
                FROM ROWS FROM (jsonb_to_recordset(p_rows) AS (
                    uuid text, parent_uuid text, role text, text text, tool_uses jsonb,
                    tool_results jsonb, "timestamp" timestamptz, is_sidechain boolean,
                    thread_parent_uuid text)) WITH ORDINALITY AS m(
                    uuid, parent_uuid, role, text, tool_uses, tool_results, "timestamp",
                    is_sidechain, thread_parent_uuid, ord)
                ORDER BY m.ord
                ON CONFLICT (session_id, uuid) DO NOTHING
                RETURNING t
        )
        SELECT array_agg(ins.t ORDER BY (ins.t).seq) INTO added FROM ins;
    END IF;
    INSERT INTO assistant.mesh_offsets AS o (agent_id, session_id, file, "offset")
        VALUES (p_agent, p_session, p_file, p_end)
        ON CONFLICT (agent_id, session_id, file)
        DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now();
    IF p_latest IS NOT NULL THEN
        UPDATE assistant.sessions s SET last_msg_at = GREATEST(s.last_msg_at, p_latest)
            WHERE s.id = p_session;
    END IF;
    IF added IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT 'message'::text, a.seq, a.pos, a.session_id, a.uuid, a.parent_uuid,
            a.role, a.text, a.tool_uses, a.tool_results, a."timestamp", a.is_sidechain,
            NULL::jsonb
        FROM unnest(added) a ORDER BY a.seq;
    -- A new user message of the main conversation whose parent now has two or more: a fork.
    FOR fork IN
        SELECT c.thread_parent, array_agg(c.uuid ORDER BY c.seq) AS children
        FROM assistant.messages c
        WHERE c.session_id = p_session AND NOT c.is_sidechain AND c.role = 'user'
            AND c.thread_parent IN (
                SELECT a.thread_parent FROM unnest(added) a
                WHERE a.role = 'user' AND NOT a.is_sidechain AND a.thread_parent IS NOT NULL)
        GROUP BY c.thread_parent HAVING count(*) > 1 ORDER BY min(c.seq)
    LOOP
        INSERT INTO assistant.mesh_events AS e (session_id, kind, data)
            VALUES (p_session, 'fork',
                    jsonb_build_object('uuid', fork.thread_parent, 'children', fork.children))
            RETURNING e.seq INTO event_seq;
        RETURN QUERY SELECT 'fork'::text, event_seq, NULL::bigint, NULL::text, NULL::text,
            NULL::text, NULL::text, NULL::text, NULL::jsonb, NULL::jsonb, NULL::timestamptz,
            NULL::boolean,
            jsonb_build_object('uuid', fork.thread_parent, 'children', fork.children);
    END LOOP;
END $$;
