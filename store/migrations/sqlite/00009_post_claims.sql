-- +goose Up
-- Which deliverable each live post counts for, across every partnership (see the PostgreSQL
-- migration): claimed by the verification activity, never released.
CREATE TABLE post_claims (
    platform       TEXT NOT NULL,
    media_id       TEXT NOT NULL,
    post_url       TEXT NOT NULL DEFAULT '',
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    deliverable_id TEXT NOT NULL,
    cycle          INTEGER NOT NULL,
    claimed_at     DATETIME NOT NULL,
    PRIMARY KEY (platform, media_id)
);
CREATE INDEX post_claims_partnership_idx ON post_claims (partnership_id, cycle, deliverable_id);

-- The posts verified before this migration, from the partnerships' states; the first
-- verification of a post verified twice keeps it (see the PostgreSQL migration).
INSERT OR IGNORE INTO post_claims (platform, media_id, post_url, partnership_id, deliverable_id, cycle, claimed_at)
SELECT lower(json_extract(v.d, '$.platform')), json_extract(v.d, '$.publication.report.media_id'),
       coalesce(json_extract(v.d, '$.publication.url'), ''), v.partnership_id, json_extract(v.d, '$.id'), v.cycle,
       coalesce(strftime('%Y-%m-%d %H:%M:%f', json_extract(v.d, '$.publication.report.checked_at')), v.updated_at) AS claimed_at
FROM (
    SELECT p.id AS partnership_id, p.updated_at, coalesce(json_extract(p.state, '$.cycle'), 1) AS cycle, d.value AS d
    FROM partnerships p, json_each(CASE json_type(p.state, '$.deliverables') WHEN 'array' THEN json_extract(p.state, '$.deliverables') ELSE '[]' END) d
    UNION ALL
    SELECT p.id, p.updated_at, coalesce(json_extract(c.value, '$.cycle'), 1), d.value
    FROM partnerships p,
         json_each(CASE json_type(p.state, '$.cycles') WHEN 'array' THEN json_extract(p.state, '$.cycles') ELSE '[]' END) c,
         json_each(CASE json_type(c.value, '$.deliverables') WHEN 'array' THEN json_extract(c.value, '$.deliverables') ELSE '[]' END) d
) v
WHERE json_extract(v.d, '$.status') = 'verified' AND coalesce(json_extract(v.d, '$.publication.report.media_id'), '') <> ''
ORDER BY claimed_at, v.partnership_id, v.cycle, json_extract(v.d, '$.id');

-- +goose Down
DROP TABLE post_claims;
