-- The capture webhook answers within its time budget while capture-process files the capture in
-- an execution of its own, with no deadline: the model calls are never cut (a slow answer is not
-- thrown away and asked again), the budget only decides when the webhook answers.

-- Wait, at most p.wait_s seconds, until the processing of a capture has told the user its
-- outcome itself (finish_capture: 'answered'; keep_pending: 'deferred' with an inbox answer),
-- polling every p.poll_s seconds (default 0.01) without holding any lock. When the wait ends
-- first, take the confirmation away from the processing (defer_confirmation: it will notify)
-- and answer p.speech, the "captured, I'm on it" sentence, with the capture as stored so far.
-- p = {capture_id, wait_s, poll_s?, speech}. Returns {answer: capture_answer, deferred}.
CREATE OR REPLACE FUNCTION assistant.await_confirmation(p jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cap_id text := p->>'capture_id';
    wait_until timestamptz := clock_timestamp()
        + make_interval(secs => LEAST(GREATEST(COALESCE((p->>'wait_s')::numeric, 0), 0), 600));
    poll double precision := LEAST(GREATEST(COALESCE((p->>'poll_s')::double precision, 0.01),
                                            0.001), 1);
    told text;
    outcome jsonb;
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
    outcome := assistant.defer_confirmation(jsonb_build_object('capture_id', cap_id));
    IF (outcome->>'deferred')::boolean AND NULLIF(p->>'speech', '') IS NOT NULL THEN
        outcome := jsonb_set(outcome, '{answer,speech}', to_jsonb(p->>'speech'));
    END IF;
    RETURN outcome;
END $$;
