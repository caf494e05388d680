-- The status of a capture has one owner: capture_status(), applied by a trigger to every row
-- written, so that no function (nor n8n, nor the hub) ever sets it by hand.
--
--   filed                   classified (by a model, the rules or by hand): the capture is
--                           filed; where it goes next are its deliveries, each with its state
--   failed                  the models were given up on (failed_at, after too many attempts)
--   pending_transcription   audio that has no transcript yet
--   pending_classification  text or transcript that has no category yet
CREATE OR REPLACE FUNCTION assistant.capture_status(c assistant.captures) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN c.category IS NOT NULL THEN 'filed'
        WHEN c.failed_at IS NOT NULL THEN 'failed'
        WHEN c.transcript IS NULL AND c.text IS NULL THEN 'pending_transcription'
        ELSE 'pending_classification'
    END
$$;

CREATE OR REPLACE FUNCTION assistant.set_capture_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.status := assistant.capture_status(NEW);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS captures_status ON assistant.captures;
CREATE TRIGGER captures_status BEFORE INSERT OR UPDATE ON assistant.captures
    FOR EACH ROW EXECUTE FUNCTION assistant.set_capture_status();
