-- Captures due for another pass of capture-process (the retry schedule).
--
-- Taken: pending captures whose backoff has passed; and, after p.grace_s without any change,
-- captures nobody scheduled that are still pending or filed but not yet told to the user (the
-- process handling them stopped half-way). A capture on its first pass is never taken: it has
-- no next_attempt_at until a model step fails, and it changes after each model call. Each
-- capture taken is leased, so that overlapping runs never process one twice: one still to
-- transcribe for p.lease_s (as long as the longest memo's transcription may take), any other
-- for at most p.short_lease_s, so that one a stopped run held is taken again minutes later,
-- not after the longest transcription's lease.
-- p = {limit?, lease_s? (300), short_lease_s? (300), grace_s? (300)}.
-- Returns {capture_id, status, attempts} rows.
CREATE OR REPLACE FUNCTION assistant.claim_retries(p jsonb)
RETURNS TABLE (capture_id text, status text, attempts integer)
LANGUAGE sql AS $$
    UPDATE assistant.captures c
       SET next_attempt_at = now() + make_interval(secs => CASE
               WHEN c.status = 'pending_transcription' THEN COALESCE((p->>'lease_s')::numeric, 300)
               ELSE LEAST(COALESCE((p->>'lease_s')::numeric, 300),
                          COALESCE((p->>'short_lease_s')::numeric, 300)) END)
     WHERE c.id IN (
        SELECT x.id FROM assistant.captures x
         WHERE (x.status IN ('pending_transcription', 'pending_classification')
                OR (x.status = 'filed' AND x.confirmation IS DISTINCT FROM 'answered'
                    AND x.confirmation IS DISTINCT FROM 'notified'))
           AND (x.next_attempt_at <= now()
                OR (x.next_attempt_at IS NULL AND x.updated_at < now() - make_interval(
                        secs => COALESCE((p->>'grace_s')::numeric, 300))))
         ORDER BY x.created_at
         LIMIT COALESCE((p->>'limit')::int, 20)
         FOR UPDATE SKIP LOCKED)
    RETURNING c.id, c.status, c.attempts
$$;
