-- +goose Up
-- Which deliverable each live post counts for, across every partnership: one post is verified
-- (and its fee paid) for one deliverable of one partnership, in one cycle. The verification
-- activity claims the post when it passes every other check; a claim by another partnership,
-- deliverable or cycle fails the verification (post_used_for_another_deliverable). A claim
-- is never released: a partnership cancelled before its payout, or a post that fails a later
-- re-check, keeps it, so a post counted once is never counted again.
-- media_id is the social provider's id of the post (or "url:" and the post's URL key when the
-- provider gives it no id); post_url is the URL as submitted, for whoever reads the table.
CREATE TABLE post_claims (
    platform       TEXT NOT NULL,
    media_id       TEXT NOT NULL,
    post_url       TEXT NOT NULL DEFAULT '',
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    deliverable_id TEXT NOT NULL,
    cycle          INTEGER NOT NULL,
    claimed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, media_id)
);
CREATE INDEX post_claims_partnership_idx ON post_claims (partnership_id, cycle, deliverable_id);

-- The posts verified before this migration, read from the partnerships' states (the current
-- cycle's deliverables and the finished cycles' summaries), so that they are not free to be
-- verified again elsewhere. A post already verified for two partnerships (the fault this
-- table closes) goes to the first verification; the other partnership's re-check, if still
-- due, then fails with post_used_for_another_deliverable and holds its payout.
INSERT INTO post_claims (platform, media_id, post_url, partnership_id, deliverable_id, cycle, claimed_at)
SELECT lower(v.d->>'platform'), v.d->'publication'->'report'->>'media_id', coalesce(v.d->'publication'->>'url', ''),
       v.partnership_id, v.d->>'id', v.cycle,
       coalesce((v.d->'publication'->'report'->>'checked_at')::timestamptz, v.updated_at)
FROM (
    SELECT p.id AS partnership_id, p.updated_at, coalesce((p.state->>'cycle')::int, 1) AS cycle, d.value AS d
    FROM partnerships p, jsonb_array_elements(CASE jsonb_typeof(p.state->'deliverables') WHEN 'array' THEN p.state->'deliverables' ELSE '[]' END) d
    UNION ALL
    SELECT p.id, p.updated_at, coalesce((c.value->>'cycle')::int, 1), d.value
    FROM partnerships p,
         jsonb_array_elements(CASE jsonb_typeof(p.state->'cycles') WHEN 'array' THEN p.state->'cycles' ELSE '[]' END) c,
         jsonb_array_elements(CASE jsonb_typeof(c.value->'deliverables') WHEN 'array' THEN c.value->'deliverables' ELSE '[]' END) d
) v
WHERE v.d->>'status' = 'verified' AND coalesce(v.d->'publication'->'report'->>'media_id', '') <> ''
ORDER BY 7, v.partnership_id, v.cycle, v.d->>'id'
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE post_claims;
