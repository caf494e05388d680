-- This migration only redefined assistant.record_capture (an existing capture takes a partial
-- update without being checked as a new one). Functions live in db/functions/ now
-- (captures.sql); the migration is kept, empty, so that its number stays taken.
SELECT 1;
