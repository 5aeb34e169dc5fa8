-- +goose Up
-- Deliverables, drafts and payouts as rows of their own (see the PostgreSQL migration).
CREATE TABLE deliverables (
    partnership_id     TEXT NOT NULL REFERENCES partnerships (id),
    cycle              INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    platform           TEXT NOT NULL,
    format             TEXT NOT NULL,
    status             TEXT NOT NULL,
    due_at             DATETIME,
    post_url           TEXT NOT NULL DEFAULT '',
    publication_status TEXT NOT NULL DEFAULT '',
    updated_at         DATETIME NOT NULL,
    PRIMARY KEY (partnership_id, cycle, id)
);
CREATE INDEX deliverables_status_idx ON deliverables (status, due_at);

CREATE TABLE drafts (
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    cycle           INTEGER NOT NULL,
    deliverable_id  TEXT NOT NULL,
    version         INTEGER NOT NULL,
    caption         TEXT NOT NULL,
    compliant       BOOLEAN NOT NULL,
    submitted_at    DATETIME NOT NULL,
    review_decision TEXT NOT NULL DEFAULT '',
    reviewed_by     TEXT NOT NULL DEFAULT '',
    reviewed_at     DATETIME,
    PRIMARY KEY (partnership_id, cycle, deliverable_id, version)
);

CREATE TABLE payouts (
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    id             TEXT NOT NULL,
    brand_id       TEXT NOT NULL,
    campaign_id    TEXT NOT NULL,
    creator_id     TEXT NOT NULL,
    cycle          INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL,
    triggered_by   TEXT NOT NULL DEFAULT '',
    approved_by    TEXT NOT NULL DEFAULT '',
    transfer_id    TEXT NOT NULL DEFAULT '',
    failure_code   TEXT NOT NULL DEFAULT '',
    paid_at        DATETIME,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (partnership_id, id)
);
CREATE INDEX payouts_queue_idx ON payouts (status, created_at, partnership_id, id);
CREATE INDEX payouts_brand_idx ON payouts (brand_id, status, created_at);
CREATE INDEX payouts_creator_idx ON payouts (creator_id, status, created_at);

-- The audit trail is append-only: the database itself refuses to change or remove an event.
-- +goose StatementBegin
CREATE TRIGGER partnership_events_no_update BEFORE UPDATE ON partnership_events
BEGIN
    SELECT RAISE(ABORT, 'partnership_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER partnership_events_no_delete BEFORE DELETE ON partnership_events
BEGIN
    SELECT RAISE(ABORT, 'partnership_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER partnership_events_no_delete;
DROP TRIGGER partnership_events_no_update;
DROP TABLE payouts;
DROP TABLE drafts;
DROP TABLE deliverables;
