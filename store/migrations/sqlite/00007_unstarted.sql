-- +goose Up
-- The partnerships no workflow has written yet (state_version 0): the API's reconciler looks
-- for those whose workflow never started, oldest first. Only a create in flight, or one
-- whose start failed in doubt, has such a row, so the index stays near empty.
CREATE INDEX partnerships_unstarted_idx ON partnerships (updated_at, id) WHERE state_version = 0;

-- +goose Down
DROP INDEX partnerships_unstarted_idx;
