-- +goose NO TRANSACTION
-- +goose Up
-- Work queues: the partnerships waiting on a role, soonest deadline first
-- (GET /v1/partnerships?next_role=…&order=due_at), across all brands and within one, and the
-- overdue ones (due_at before now). Only rows with a deadline are in these lists. Built
-- CONCURRENTLY (outside a transaction), so the read-model writes of running partnerships are
-- not blocked while a large table is indexed; IF NOT EXISTS lets a build that was interrupted
-- be run again (drop an index left INVALID first).
CREATE INDEX CONCURRENTLY IF NOT EXISTS partnerships_due_idx ON partnerships (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS partnerships_role_due_idx ON partnerships (next_action_role, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS partnerships_brand_role_due_idx ON partnerships (brand_id, next_action_role, due_at, id) WHERE due_at IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS partnerships_brand_role_due_idx;
DROP INDEX CONCURRENTLY IF EXISTS partnerships_role_due_idx;
DROP INDEX CONCURRENTLY IF EXISTS partnerships_due_idx;
