-- The audit log's writers that the workflows call (captures and deliveries write their own
-- lines where they change).

-- An n8n execution failed: keep it in the audit log and word the notification.
-- p = {workflow: {id, name}, execution: {id, url, mode, lastNodeExecuted, error: {message}},
-- trigger: {error: {message}}}, as n8n's Error Trigger gives them.
-- Returns {audit_id, title, message}.
CREATE OR REPLACE FUNCTION assistant.record_workflow_failure(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    workflow text := COALESCE(NULLIF(p->'workflow'->>'name', ''), 'unknown');
    node text := p->'execution'->>'lastNodeExecuted';
    message text := COALESCE(p->'execution'->'error'->>'message',
                             p->'trigger'->'error'->>'message');
    url text := p->'execution'->>'url';
    audit_id bigint;
BEGIN
    INSERT INTO assistant.audit_log (actor, action, subject, detail)
    VALUES ('n8n', 'workflow.failed', workflow, jsonb_strip_nulls(jsonb_build_object(
        'workflow', workflow, 'workflow_id', p->'workflow'->>'id',
        'execution_id', p->'execution'->>'id', 'url', url,
        'mode', p->'execution'->>'mode', 'node', node, 'message', message)))
    RETURNING id INTO audit_id;
    RETURN jsonb_build_object(
        'audit_id', audit_id,
        'title', 'Solo Brain : échec du workflow ' || workflow,
        'message', 'Étape « ' || COALESCE(node, '?') || ' » : '
                   || COALESCE(message, 'erreur inconnue') || COALESCE(E'\n' || url, ''));
END $$;
