-- Questions answered by voice ("qu'est-ce que j'ai demain ?"): the capture is kept in the inbox
-- with the category 'question' (capture_status() counts it as filed: nothing is pending) and
-- what it asked about (question: {period_phrase, start, end}); it never has actions.
ALTER TABLE assistant.captures DROP CONSTRAINT IF EXISTS captures_category_check;
ALTER TABLE assistant.captures ADD CONSTRAINT captures_category_check
    CHECK (category IN ('client', 'idee_rd', 'todo', 'note_tech', 'admin', 'perso', 'question'));
ALTER TABLE assistant.captures ADD COLUMN IF NOT EXISTS question jsonb;
