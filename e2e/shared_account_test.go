package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSharedAccountWaitsForBrandManager is the impersonation found in review: a second creator
// registers, under another brand, the Instagram handle a first creator already registered
// (spelled in capitals with an @), with their own payout account. The first creator's vetting,
// done before, stays clean and auto-approved. The second one's clean figures no longer
// auto-approve: the report has a critical account_shared flag that names the account and not
// the first creator or their brand, and the partnership waits for the second brand's manager,
// who rejects it. Which of the two owns the account is not known, so a new partnership of the
// first creator waits for its brand manager too, who approves it.
func TestSharedAccountWaitsForBrandManager(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	first := w.createPartnership(30000)
	st := w.waitStage(first, "negotiation")
	require.Equal(t, "auto_approved", path(st, "vetting", "decision"))
	require.Equal(t, true, path(st, "vetting", "clean"))

	impostor := newWorldWithHandle(t, campaignOpts{autoApprove: true}, "@"+strings.ToUpper(w.handle))
	second := impostor.createPartnership(30000)
	st = impostor.waitFor(second, "vetting decision pending", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "decide_vetting"
	})
	require.Equal(t, "vetting", st["stage"], "not auto-approved")
	require.Equal(t, "brand_manager", path(st, "next_action", "role"))
	require.Equal(t, false, path(st, "vetting", "clean"))
	require.EqualValues(t, 12000, path(st, "vetting", "report", "followers"), "the figures are the account's as before")
	flags := path(st, "vetting", "report", "flags").([]any)
	require.Len(t, flags, 1, "%v", flags)
	flag := flags[0].(map[string]any)
	require.Equal(t, "account_shared", flag["code"])
	require.Equal(t, "critical", flag["severity"])
	require.Equal(t, "instagram", flag["platform"])
	require.Equal(t, "The instagram account @"+w.handle+
		" is also registered to another creator: make sure this creator owns it before they are paid for its posts.", flag["message"],
		"the account as the social provider spells it")
	report := string(impostor.bm.get("/v1/partnerships/" + second).Body)
	for _, other := range []string{w.creatorID, w.brandID, first} {
		require.NotContains(t, report, other, "the other creator is not identified")
	}

	require.Equal(t, true, path(w.state(first), "vetting", "clean"), "the first creator's report stays clean")
	require.Equal(t, "auto_approved", path(w.state(first), "vetting", "decision"))

	must(t, impostor.bm.post("/v1/partnerships/"+second+"/vetting/decision", map[string]any{"decision": "reject", "note": "not their account"}), http.StatusOK)
	impostor.waitStage(second, "rejected")

	again := w.createPartnership(30000)
	st = w.waitFor(again, "vetting decision pending", func(s map[string]any) bool {
		return path(s, "next_action", "action") == "decide_vetting"
	})
	require.Equal(t, false, path(st, "vetting", "clean"))
	require.Equal(t, "account_shared", path(st, "vetting", "report", "flags", 0, "code"))
	must(t, w.bm.post("/v1/partnerships/"+again+"/vetting/decision", map[string]any{"decision": "approve", "note": "checked with Maya"}), http.StatusOK)
	w.waitStage(again, "negotiation")
}
