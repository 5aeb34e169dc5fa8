package partnership

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
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
