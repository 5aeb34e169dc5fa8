-- +goose Up
-- Work queues: the partnerships waiting on a role, soonest deadline first
-- (GET /v1/partnerships?next_role=…&order=due_at), across all brands and within one, and the
-- overdue ones (due_at before now). Only rows with a deadline are in these lists.
CREATE INDEX partnerships_due_idx ON partnerships (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX partnerships_role_due_idx ON partnerships (next_action_role, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX partnerships_brand_role_due_idx ON partnerships (brand_id, next_action_role, due_at, id) WHERE due_at IS NOT NULL;

-- +goose Down
DROP INDEX partnerships_brand_role_due_idx;
DROP INDEX partnerships_role_due_idx;
DROP INDEX partnerships_due_idx;
