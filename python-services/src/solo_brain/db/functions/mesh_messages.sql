-- A mesh message's order in its session (migration 0157): inserts that say nothing of pos
-- (messages sent in file order, older agents) are ordered by arrival, seq * 2^21.

CREATE OR REPLACE FUNCTION assistant.message_pos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.pos IS NULL THEN
        NEW.pos := NEW.seq * 2097152;
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS messages_pos ON assistant.messages;
-- Only rows without a pos run the function (history rows come with theirs).
CREATE TRIGGER messages_pos BEFORE INSERT ON assistant.messages
    FOR EACH ROW WHEN (NEW.pos IS NULL) EXECUTE FUNCTION assistant.message_pos();
