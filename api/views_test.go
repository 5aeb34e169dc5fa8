package api

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/store"
)

// TestStateView: each party is served its own signing URL only, and a creator neither the
// brand's vetting note nor who decided; admins get the document as stored.
func TestStateView(t *testing.T) {
	doc := `{"id":"p1","stage":"contracting",
		"contract":{"envelope_id":"env_1","status":"sent","signing_urls":{"creator":"https://sign/c","brand":"https://sign/b"},"signed_at":null},
		"vetting":{"report":{"score":32},"clean":false,"decision":"reject","decided_by":"ann","note":"audience outside our markets"}}`
	vetting := func(decidedBy, note string) map[string]any {
		v := map[string]any{"report": map[string]any{"score": float64(32)}, "clean": false, "decision": "reject", "decided_by": decidedBy}
		if note != "" {
			v["note"] = note
		}
		return v
	}
	for role, want := range map[string]struct {
		urls    map[string]any
		vetting map[string]any
	}{
		"brand_manager": {map[string]any{"brand": "https://sign/b"}, vetting("ann", "audience outside our markets")},
		"creator":       {map[string]any{"creator": "https://sign/c"}, vetting("", "")},
		"finance":       {map[string]any{}, vetting("ann", "audience outside our markets")},
		"admin":         {map[string]any{"creator": "https://sign/c", "brand": "https://sign/b"}, vetting("ann", "audience outside our markets")},
	} {
		out, err := stateView(auth.Identity{Sub: "x", Role: role}, []byte(doc))
		require.NoError(t, err, role)
		var got map[string]any
		require.NoError(t, json.Unmarshal(out, &got), role)
		require.Equal(t, want.urls, got["contract"].(map[string]any)["signing_urls"], role)
		require.Equal(t, want.vetting, got["vetting"], role)
		require.Equal(t, "env_1", got["contract"].(map[string]any)["envelope_id"], role)
		require.Equal(t, "contracting", got["stage"], role)
	}

	// Before contracting the URLs are null, and stay so.
	out, err := stateView(auth.Identity{Role: "creator"}, []byte(`{"contract":{"signing_urls":null},"vetting":{"decision":""}}`))
	require.NoError(t, err)
	require.JSONEq(t, `{"contract":{"signing_urls":null},"vetting":{"decision":""}}`, string(out))
	// Nothing to take out: the stored document is sent as it is, byte for byte.
	for _, tc := range []struct{ role, doc string }{
		{"brand_manager", `{"contract": {"signing_urls": {"brand": "https://sign/b"}}, "vetting": {"note": "ok"}}`},
		{"creator", `{"contract": {"signing_urls": null}, "vetting": {"decision": "auto_approved", "decided_by": ""}}`},
	} {
		out, err := stateView(auth.Identity{Role: tc.role}, []byte(tc.doc))
		require.NoError(t, err)
		require.Equal(t, tc.doc, string(out), tc.role)
	}
	_, err = stateView(auth.Identity{Role: "creator"}, []byte(`not json`))
	require.Error(t, err)

	// The vetting decision's events lose their note and their actor for the creator only.
	for _, typ := range []string{"vetting_decided", "vetting_rejected"} {
		e := store.Event{Type: typ, Actor: "ann", Role: "brand_manager", Data: store.JSON(`{"decision":"reject","note":"audience outside our markets"}`)}
		require.NoError(t, eventView(auth.Identity{Role: "creator"}, &e))
		require.Empty(t, e.Actor, typ)
		require.JSONEq(t, `{"decision":"reject"}`, string(e.Data), typ)
		e = store.Event{Type: typ, Actor: "ann", Data: store.JSON(`{"note":"x"}`)}
		require.NoError(t, eventView(auth.Identity{Role: "brand_manager"}, &e))
		require.Equal(t, "ann", e.Actor)
		require.JSONEq(t, `{"note":"x"}`, string(e.Data))
	}
	e := store.Event{Type: "offer_sent", Actor: "ann", Data: store.JSON(`{"note":"x"}`)}
	require.NoError(t, eventView(auth.Identity{Role: "creator"}, &e))
	require.Equal(t, "ann", e.Actor)
	require.JSONEq(t, `{"note":"x"}`, string(e.Data))

	require.NotEqual(t, stateETag(7, "creator"), stateETag(7, "brand_manager"), "each view has its own tag")
}
