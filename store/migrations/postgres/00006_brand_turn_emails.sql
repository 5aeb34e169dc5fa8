-- +goose Up
-- Whether a brand's contact address is e-mailed each move that waits on the brand (a vetting
-- to decide, a counter-offer to answer, a draft to review: the turn e-mails). Reminders,
-- overdue notices and failures are sent either way. True for the brands there are, which keep
-- today's e-mails; a constant default, so the table is not rewritten.
ALTER TABLE brands ADD COLUMN turn_emails BOOLEAN NOT NULL DEFAULT TRUE;

-- +goose Down
ALTER TABLE brands DROP COLUMN turn_emails;
