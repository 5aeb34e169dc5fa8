-- +goose Up
-- The finished cycles of ambassador partnerships, each as the summary the workflow closed it
-- with: its deliverables (drafts, reviews, publications and their reports), payouts and
-- tracking. The workflow writes it with the hand-over to the next cycle's run and from then on
-- carries only the summary's payouts and tracking (partnership.CycleSummary.Compact), so what
-- a run carries stays small however many cycles a partnership lasts; the state document's
-- compact summaries are completed from here when it is read (Store.GetPartnership). A row is
-- written once and never changes: a closed cycle is final.
CREATE TABLE partnership_cycles (
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    cycle          INTEGER NOT NULL,
    summary        JSONB NOT NULL,
    PRIMARY KEY (partnership_id, cycle)
);

-- +goose Down
DROP TABLE partnership_cycles;
