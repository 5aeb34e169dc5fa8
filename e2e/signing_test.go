package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSigningOneSignerAtATime: the creator signs at the sandbox's signing URL first. The
// provider's recipient-completed webhook reaches the partnership: it shows the creator's
// signature and that the brand manager must now sign, by the same deadline. Then the brand
// signs, the envelope completes, and the lifecycle goes on to the payout and completion.
func TestSigningOneSignerAtATime(t *testing.T) {
	w := newWorld(t, campaignOpts{autoApprove: true})
	pid := w.createPartnership(18000)
	w.waitStage(pid, "negotiation")
	must(t, w.creator.post("/v1/partnerships/"+pid+"/negotiation", map[string]any{"action": "accept"}), http.StatusOK)
	st := w.waitFor(pid, "signing URLs", func(s map[string]any) bool { return path(s, "contract", "signing_urls", "brand") != nil })
	require.Equal(t, "contracting", st["stage"])
	require.Equal(t, "creator", path(st, "next_action", "role"))
	require.Equal(t, "sign_contract", path(st, "next_action", "action"))
	due := path(st, "next_action", "due_at")
	require.NotNil(t, due)
	require.Nil(t, path(st, "contract", "signers", "creator", "signed_at"), "nobody has signed yet")
	require.Nil(t, path(st, "contract", "signers", "brand", "signed_at"))
	// A signing URL signs as its signer, so each party is shown only its own: the creator
	// cannot sign for the brand, nor the brand for the creator.
	urls := map[string]any{}
	for who, c := range map[string]*client{"brand_manager": w.bm, "creator": w.creator, "finance": w.finance, "admin": w.admin} {
		urls[who] = path(must(t, c.get("/v1/partnerships/"+pid), http.StatusOK), "contract", "signing_urls")
	}
	brandURL, creatorURL := path(st, "contract", "signing_urls", "brand"), w.creatorSigningURL(pid)
	require.Equal(t, map[string]any{
		"brand_manager": map[string]any{"brand": brandURL},
		"creator":       map[string]any{"creator": creatorURL},
		"finance":       map[string]any{},
		"admin":         map[string]any{"brand": brandURL, "creator": creatorURL},
	}, urls)
	require.NotEqual(t, brandURL, creatorURL)

	sb := sandbox(t)
	signed := must(t, sb.post(w.creatorSigningURL(pid), map[string]any{}), http.StatusOK)
	require.Equal(t, "sent", signed["envelope_status"], "the envelope still waits for the brand")

	st = w.waitFor(pid, "the creator's signature", func(s map[string]any) bool {
		return path(s, "contract", "signers", "creator", "signed_at") != nil
	})
	creatorSignedAt := path(st, "contract", "signers", "creator", "signed_at")
	require.Equal(t, "contracting", st["stage"])
	require.Equal(t, "sent", path(st, "contract", "status"))
	require.Nil(t, path(st, "contract", "signers", "brand", "signed_at"))
	require.Nil(t, path(st, "contract", "signed_at"))
	require.Equal(t, "brand_manager", path(st, "next_action", "role"), "next_action: %v", st["next_action"])
	require.Equal(t, "sign_contract", path(st, "next_action", "action"))
	require.Equal(t, due, path(st, "next_action", "due_at"), "the signing deadline does not move")
	// The creator sees the same: their part is done, the brand's is not.
	mine := must(t, w.creator.get("/v1/partnerships/"+pid), http.StatusOK)
	require.Equal(t, "brand_manager", path(mine, "next_action", "role"))
	require.Equal(t, creatorSignedAt, path(mine, "contract", "signers", "creator", "signed_at"))

	var by []map[string]any
	for _, e := range events(t, w.bm, pid) {
		if e["type"] == "contract_signed_by" {
			by = append(by, e)
		}
	}
	require.Len(t, by, 1)
	require.Equal(t, "creator", path(by[0], "data", "signer"))
	require.Equal(t, "creator", path(by[0], "data", "role"))

	// Having signed, the creator can no longer withdraw; the contract waits on the brand,
	// whose work queue now holds it.
	r := w.creator.post("/v1/partnerships/"+pid+"/cancel", map[string]any{"reason": "changed my mind"})
	require.Equal(t, http.StatusConflict, r.Status, r.Body)
	require.Contains(t, string(r.Body), "you signed the contract")
	var queue struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	queued := w.bm.get("/v1/partnerships?next_role=brand_manager&order=due_at")
	require.Equal(t, http.StatusOK, queued.Status, queued.Body)
	queued.Decode(t, &queue)
	require.Len(t, queue.Items, 1)
	require.Equal(t, pid, queue.Items[0].ID)

	must(t, sb.post(path(st, "contract", "signing_urls", "brand").(string), map[string]any{}), http.StatusOK)
	st = w.waitStage(pid, "content")
	require.Equal(t, "completed", path(st, "contract", "status"))
	require.NotNil(t, path(st, "contract", "signed_at"))
	require.Equal(t, creatorSignedAt, path(st, "contract", "signers", "creator", "signed_at"), "the creator's signature is kept")
	require.NotNil(t, path(st, "contract", "signers", "brand", "signed_at"))
	require.Equal(t, "creator", path(st, "next_action", "role"))
	require.Equal(t, "submit_draft", path(st, "next_action", "action"))
	code := path(st, "tracking", "discount_code").(string)
	require.NotEmpty(t, code)

	seen := requireAuditIntact(t, pid, events(t, w.bm, pid), onceOnly...)
	require.Equal(t, 2, seen["contract_signed_by"], "one per signer")
	require.Equal(t, 1, seen["contract_signed"])

	w.publish(pid, "#ad My new @acme running shoes, code "+code)
	w.waitStage(pid, "payout")
	must(t, w.finance.post("/v1/partnerships/"+pid+"/payouts", map[string]any{"kind": "fee"}), http.StatusAccepted)
	st = w.waitStage(pid, "completed")
	require.Equal(t, "paid", path(st, "payouts", 0, "status"))
	require.Len(t, sandboxItems(t, "/sandbox/payments/transfers", pid), 1)
	saveHistory(t, pid, "signed_creator_first_then_brand")
}
