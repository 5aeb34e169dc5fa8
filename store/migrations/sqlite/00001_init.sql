-- +goose Up
CREATE TABLE brands (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    contact_email TEXT NOT NULL DEFAULT '',
    handles    TEXT NOT NULL DEFAULT '[]',
    created_at DATETIME NOT NULL
);

CREATE TABLE creators (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    country             TEXT NOT NULL,
    accounts            TEXT NOT NULL,
    payments_account_id TEXT NOT NULL DEFAULT '',
    tax_form            TEXT NOT NULL DEFAULT '',
    created_by_brand_id TEXT NOT NULL DEFAULT '',
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);

CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL REFERENCES brands (id),
    name       TEXT NOT NULL,
    brief      TEXT NOT NULL DEFAULT '',
    settings   TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX campaigns_brand_idx ON campaigns (brand_id, created_at DESC, id DESC);

CREATE TABLE partnerships (
    id               TEXT PRIMARY KEY,
    brand_id         TEXT NOT NULL REFERENCES brands (id),
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    creator_id       TEXT NOT NULL REFERENCES creators (id),
    stage            TEXT NOT NULL,
    outcome          TEXT NOT NULL DEFAULT '',
    next_action_role TEXT NOT NULL DEFAULT '',
    next_action      TEXT NOT NULL DEFAULT '',
    due_at           DATETIME,
    envelope_id      TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    state_version    BIGINT NOT NULL DEFAULT 0,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);
-- Keyset pagination runs newest first within each list filter.
CREATE INDEX partnerships_created_idx ON partnerships (created_at DESC, id DESC);
CREATE INDEX partnerships_brand_idx ON partnerships (brand_id, created_at DESC, id DESC);
CREATE INDEX partnerships_creator_idx ON partnerships (creator_id, created_at DESC, id DESC);
CREATE INDEX partnerships_campaign_idx ON partnerships (campaign_id, created_at DESC, id DESC);
CREATE INDEX partnerships_stage_idx ON partnerships (stage, created_at DESC, id DESC);
CREATE INDEX partnerships_envelope_idx ON partnerships (envelope_id) WHERE envelope_id <> '';

-- Append-only audit trail: one row per transition, numbered by the workflow.
CREATE TABLE partnership_events (
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    seq            BIGINT NOT NULL,
    type           TEXT NOT NULL,
    actor          TEXT NOT NULL,
    role           TEXT NOT NULL,
    at             DATETIME NOT NULL,
    data           TEXT NOT NULL,
    PRIMARY KEY (partnership_id, seq)
);

CREATE TABLE webhook_events (
    provider       TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    partnership_id TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL,
    received_at    DATETIME NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE idempotency_keys (
    subject      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    response     BLOB,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    PRIMARY KEY (subject, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE webhook_events;
DROP TABLE partnership_events;
DROP TABLE partnerships;
DROP TABLE campaigns;
DROP TABLE creators;
DROP TABLE brands;
