-- This migration only defined assistant.await_confirmation (the capture webhook's wait for a
-- capture's outcome). Functions live in db/functions/ now (filing.sql); the migration is kept,
-- empty, so that its number stays taken.
SELECT 1;
