-- An action's time of day (« Rappelle-moi demain à 10h… »), in the user's zone, on its due day:
-- NULL for an action of the whole day (or without a day). A time never stands without its day.
-- Functions whose result or arguments change are dropped here and made again by their files:
-- claim_reminders returns the time (reminders.sql), delivery_request takes the user's zone for
-- a timed calendar event (deliveries.sql).

ALTER TABLE assistant.actions
    ADD COLUMN due_time time(0),
    ADD CONSTRAINT actions_due_time_needs_due CHECK (due_time IS NULL OR due IS NOT NULL);

DROP FUNCTION IF EXISTS assistant.claim_reminders(jsonb);
DROP FUNCTION IF EXISTS assistant.delivery_request(assistant.deliveries);
