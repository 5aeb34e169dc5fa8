-- +goose Up
-- Deliverables, drafts and payouts as rows of their own, projected from every snapshot in the
-- same transaction as the snapshot, so finance and reporting query them directly (payouts
-- awaiting approval, drafts waiting for review) instead of reading every state document.
-- An ambassador partnership repeats its deliverables each cycle, hence the cycle in the keys.
CREATE TABLE deliverables (
    partnership_id     TEXT NOT NULL REFERENCES partnerships (id),
    cycle              INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    platform           TEXT NOT NULL,
    format             TEXT NOT NULL,
    status             TEXT NOT NULL,
    due_at             TIMESTAMPTZ,
    post_url           TEXT NOT NULL DEFAULT '',
    publication_status TEXT NOT NULL DEFAULT '',
    updated_at         TIMESTAMPTZ NOT NULL,
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
    submitted_at    TIMESTAMPTZ NOT NULL,
    review_decision TEXT NOT NULL DEFAULT '',
    reviewed_by     TEXT NOT NULL DEFAULT '',
    reviewed_at     TIMESTAMPTZ,
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
    amount_minor   BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL,
    triggered_by   TEXT NOT NULL DEFAULT '',
    approved_by    TEXT NOT NULL DEFAULT '',
    transfer_id    TEXT NOT NULL DEFAULT '',
    failure_code   TEXT NOT NULL DEFAULT '',
    paid_at        TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (partnership_id, id)
);
-- The finance queue, oldest first within a status, optionally per brand or creator.
CREATE INDEX payouts_queue_idx ON payouts (status, created_at, partnership_id, id);
CREATE INDEX payouts_brand_idx ON payouts (brand_id, status, created_at);
CREATE INDEX payouts_creator_idx ON payouts (creator_id, status, created_at);

-- The audit trail is append-only: the database itself refuses to change or remove an event.
-- +goose StatementBegin
CREATE FUNCTION partnership_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'partnership_events is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER partnership_events_append_only BEFORE UPDATE OR DELETE ON partnership_events
    FOR EACH ROW EXECUTE FUNCTION partnership_events_append_only();

-- +goose Down
DROP TRIGGER partnership_events_append_only ON partnership_events;
DROP FUNCTION partnership_events_append_only();
DROP TABLE payouts;
DROP TABLE drafts;
DROP TABLE deliverables;
