-- +goose Up
-- The trail of who changed a brand or a creator (see the PostgreSQL migration). AUTOINCREMENT
-- so an id is never reused: it is the trail's order and cursor.
CREATE TABLE profile_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('brand', 'creator')),
    subject_id   TEXT NOT NULL,
    type         TEXT NOT NULL CHECK (type IN ('created', 'updated')),
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    at           DATETIME NOT NULL,
    fields       TEXT NOT NULL
);
CREATE INDEX profile_changes_subject_idx ON profile_changes (subject_kind, subject_id, id);

-- Append-only, as partnership_events.
-- +goose StatementBegin
CREATE TRIGGER profile_changes_no_update BEFORE UPDATE ON profile_changes
BEGIN
    SELECT RAISE(ABORT, 'profile_changes is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER profile_changes_no_delete BEFORE DELETE ON profile_changes
BEGIN
    SELECT RAISE(ABORT, 'profile_changes is append-only');
END;
-- +goose StatementEnd

-- When a brand last changed; the brands there are get their created_at. SQLite adds a NOT NULL
-- column only with a constant default, which the UPDATE replaces at once and the application
-- never relies on (it always writes the column).
ALTER TABLE brands ADD COLUMN updated_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
UPDATE brands SET updated_at = created_at;

-- +goose Down
ALTER TABLE brands DROP COLUMN updated_at;
DROP TRIGGER profile_changes_no_delete;
DROP TRIGGER profile_changes_no_update;
DROP TABLE profile_changes;
