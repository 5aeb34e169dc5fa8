-- +goose NO TRANSACTION
-- +goose Up
-- The partnerships no workflow has written yet (state_version 0): the API's reconciler looks
-- for those whose workflow never started, oldest first, every minute on every replica. Only
-- a create in flight, or one whose start failed in doubt, has such a row, so the index stays
-- near empty however large the table. Built CONCURRENTLY, as 00004's.
CREATE INDEX CONCURRENTLY IF NOT EXISTS partnerships_unstarted_idx ON partnerships (updated_at, id) WHERE state_version = 0;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS partnerships_unstarted_idx;
