-- +goose Up
-- The trail of who changed a brand or a creator: one row per create ('created'), and per
-- edit that changed something ('updated': a PATCH of a brand or creator, a PUT of a payout
-- profile), written in the transaction of the change. It names the members that changed (for
-- a create, those the subject was created with), never their values: a new payments account
-- is what a payout thief would set, and is not to be copied around. The id orders a subject's
-- trail (an edit takes the subject's row lock before it inserts) and is the cursor of
-- GET /v1/brands/{id}/changes and /v1/creators/{id}/changes. Brands and creators there were
-- before have no rows: nobody recorded who made or changed them.
CREATE TABLE profile_changes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('brand', 'creator')),
    subject_id   TEXT NOT NULL,
    type         TEXT NOT NULL CHECK (type IN ('created', 'updated')),
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    fields       JSONB NOT NULL
);
CREATE INDEX profile_changes_subject_idx ON profile_changes (subject_kind, subject_id, id);

-- Append-only, as partnership_events: the database itself refuses to change or remove a row.
-- +goose StatementBegin
CREATE FUNCTION profile_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'profile_changes is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER profile_changes_append_only BEFORE UPDATE OR DELETE ON profile_changes
    FOR EACH ROW EXECUTE FUNCTION profile_changes_append_only();

-- When a brand last changed, set by every edit that changes something. The brands there are
-- were last changed, as far as anyone can tell, when they were created.
ALTER TABLE brands ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE brands SET updated_at = created_at;
ALTER TABLE brands ALTER COLUMN updated_at SET NOT NULL;

-- +goose Down
ALTER TABLE brands DROP COLUMN updated_at;
DROP TRIGGER profile_changes_append_only ON profile_changes;
DROP FUNCTION profile_changes_append_only();
DROP TABLE profile_changes;
