package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestContractDeclinedByTheCreator: the creator declines the contract at the sandbox's signing
// URL, giving a reason. The provider's envelope-declined webhook names them and carries the
// reason: the partnership ends declined, its contract shows who declined and why, the audit
// event says so, and the brand's e-mail tells the brand manager what the creator wrote.
func TestContractDeclinedByTheCreator(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	must(t, w.bm.do(http.MethodPatch, "/v1/brands/"+w.brandID, map[string]any{"contact_email": "partners@acme.example"}), http.StatusOK)
	pid := w.createPartnership(18000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })

	reason := "The usage rights are broader than we agreed"
	out := must(t, sandbox(t).post(w.creatorSigningURL(pid)+"/decline", map[string]any{"reason": reason}), http.StatusOK)
	require.Equal(t, "declined", out["envelope_status"])

	st := w.waitStage(pid, "declined")
	require.Equal(t, "declined", path(st, "contract", "status"))
	require.Equal(t, "creator", path(st, "contract", "declined_by"))
	require.Equal(t, reason, path(st, "contract", "decline_reason"))
	mine := must(t, w.creator.get("/v1/partnerships/"+pid), http.StatusOK)
	require.Equal(t, reason, path(mine, "contract", "decline_reason"), "the creator sees what they wrote")

	var declined map[string]any
	for _, e := range events(t, w.bm, pid) {
		if e["type"] == "contract_declined" {
			declined = e
		}
	}
	require.NotNil(t, declined, "a contract_declined event")
	require.Equal(t, "creator", path(declined, "data", "signer"))
	require.Equal(t, "creator", path(declined, "data", "role"))
	require.Equal(t, reason, path(declined, "data", "reason"))

	// Both sides are told, each in their own words.
	var texts []string
	for _, m := range waitForMessages(t, pid+"/email/ended/contract_declined/", 2) {
		texts = append(texts, m["text"].(string))
	}
	require.Len(t, texts, 2)
	require.Condition(t, func() bool {
		return strings.Contains(strings.Join(texts, "\n"), `declined at signing by the creator: "`+reason+`"`)
	}, "the brand is told what the creator wrote: %q", texts)
	require.Condition(t, func() bool {
		return strings.Contains(strings.Join(texts, "\n"), `declined at signing by you: "`+reason+`"`)
	}, "the creator is told what they declined: %q", texts)
}
