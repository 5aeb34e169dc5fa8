package partnership

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// API.md: "Partnership state has at least: id, brand_id, campaign_id, creator_id, stage,
// outcome (for ended ones), terms, vetting{report, decision}, negotiation{round, turn,
// history}, contract{envelope_id, status, signing_urls{creator, brand}}, tracking{discount_code,
// link, conversions, revenue}, deliverables[{id, platform, format, status, due_at,
// drafts[{version, caption, disclosure, review}], publication{url, status, report}}],
// payouts[{id, kind, amount, status, triggered_by, approved_by}], next_action{role, action,
// due_at}, created_at, updated_at". A key with no value yet is there, empty or null.
var promisedKeys = []string{
	"id", "brand_id", "campaign_id", "creator_id", "stage", "terms",
	"vetting.report", "vetting.decision",
	"negotiation.round", "negotiation.turn", "negotiation.history",
	"contract.envelope_id", "contract.status", "contract.signing_urls",
	"tracking.discount_code", "tracking.link", "tracking.conversions", "tracking.revenue",
	"deliverables.id", "deliverables.platform", "deliverables.format", "deliverables.status", "deliverables.due_at",
	"deliverables.drafts.version", "deliverables.drafts.caption", "deliverables.drafts.disclosure", "deliverables.drafts.review",
	"deliverables.publication",
	"payouts.id", "payouts.kind", "payouts.amount", "payouts.status", "payouts.triggered_by", "payouts.approved_by",
	"next_action.role", "next_action.action", "next_action.due_at",
	"created_at", "updated_at",
	// Added since, and always present like the rest: who has signed the contract so far.
	"contract.signers.creator.signed_at", "contract.signers.brand.signed_at",
}

func TestStateHasEveryPromisedKeyBeforeItHasAValue(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// A partnership early in content: no contract values, no review, no publication, an
	// unapproved payout and a next action without a deadline.
	st := State{ID: "p", BrandID: "b", CampaignID: "c", CreatorID: "cr", Stage: StageContent,
		Deliverables: []Deliverable{{ID: "d1", Platform: "instagram", Format: "post", Status: "in_review",
			Drafts: []Draft{{Version: 1, Caption: "x", SubmittedAt: now}}}},
		Payouts:    []Payout{{ID: "fee", Kind: "fee", Status: "awaiting_approval", TriggeredBy: "fin"}},
		NextAction: &NextAction{Role: RoleBrandManager, Action: "review_draft"},
		CreatedAt:  now, UpdatedAt: now}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range promisedKeys {
		if !hasKey(doc, strings.Split(path, ".")) {
			t.Errorf("state has no %q: %s", path, raw)
		}
	}
	// Beyond API.md, provider_hold is always there too: null while nothing is held.
	if v, ok := doc["provider_hold"]; !ok || v != nil {
		t.Errorf("state has no null provider_hold: %s", raw)
	}
}

// hasKey follows path through objects and into the first element of arrays.
func hasKey(v any, path []string) bool {
	if arr, ok := v.([]any); ok {
		return len(arr) > 0 && hasKey(arr[0], path)
	}
	if len(path) == 0 {
		return true
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return false
	}
	next, ok := obj[path[0]]
	return ok && hasKey(next, path[1:])
}

// TestReadModelShowsOnlyAwaitedDues: a deliverable's due_at is shown while a draft is awaited
// (first or after changes were requested) and null once it came or the partnership ended, in
// the current cycle and in the finished cycles' summaries; the workflow's own state keeps its
// deadlines.
func TestReadModelShowsOnlyAwaitedDues(t *testing.T) {
	due := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ds := []Deliverable{
		{ID: "d1", Status: DeliverableAwaitingDraft, DueAt: &due},
		{ID: "d2", Status: DeliverableChangesRequested, DueAt: &due},
		{ID: "d3", Status: DeliverableInReview, DueAt: &due},
		{ID: "d4", Status: DeliverableVerified, DueAt: &due},
	}
	st := State{Deliverables: ds, Cycles: []CycleSummary{{Cycle: 1, Deliverables: ds[3:]}}}
	got := st.ForReadModel()
	require.NotNil(t, got.Deliverables[0].DueAt)
	require.NotNil(t, got.Deliverables[1].DueAt)
	require.Nil(t, got.Deliverables[2].DueAt, "in review: no draft awaited")
	require.Nil(t, got.Deliverables[3].DueAt)
	require.Nil(t, got.Cycles[0].Deliverables[0].DueAt, "a finished cycle's")
	require.NotNil(t, ds[2].DueAt, "the workflow's state is not changed")
	require.NotNil(t, st.Cycles[0].Deliverables[0].DueAt)
	same := ds[:2]
	require.Same(t, &same[0], &awaitedDues(same, false)[0], "nothing to clear: no copy")
	st.Stage = StageCancelled
	require.Nil(t, st.ForReadModel().Deliverables[0].DueAt, "an ended partnership awaits no draft")
}
