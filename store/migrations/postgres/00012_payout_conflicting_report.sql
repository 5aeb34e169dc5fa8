-- +goose Up
-- What the payments provider reported of a payout's transfer against the payout's status
-- while the contradiction is unresolved (paid or failed; '' for none), so finance's payout
-- queue shows the contested payouts. Written by the next read-model write of each
-- partnership; a constant default, so the table is not rewritten.
ALTER TABLE payouts ADD COLUMN conflicting_report TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payouts DROP COLUMN conflicting_report;
