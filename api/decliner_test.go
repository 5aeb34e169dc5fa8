package api

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestDecliner: an envelope-declined event names the signer who declined and their reason;
// a role the contract does not have, another status or no recipient names nobody, and a
// reason is kept to its bound in characters, not bytes.
func TestDecliner(t *testing.T) {
	event := func(status, role, reason string) esignWebhook {
		var ev esignWebhook
		ev.Data.Status = status
		if role != "" {
			ev.Data.Recipient = &esignRecipient{Role: role, Status: "declined", DeclinedReason: reason}
		}
		return ev
	}
	for _, tc := range []struct {
		name               string
		ev                 esignWebhook
		wantBy, wantReason string
	}{
		{"the creator, with a reason", event("declined", "creator", "  Fee too low "), "creator", "Fee too low"},
		{"the brand, without one", event("declined", "brand", ""), "brand", ""},
		{"a role the contract does not have", event("declined", "witness", "no"), "", ""},
		{"no recipient", event("declined", "", ""), "", ""},
		{"not a decline", event("completed", "creator", "x"), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			by, reason := decliner(tc.ev)
			require.Equal(t, tc.wantBy, by)
			require.Equal(t, tc.wantReason, reason)
		})
	}
	_, reason := decliner(event("declined", "creator", strings.Repeat("é", declineReasonRunes+5)))
	require.Equal(t, declineReasonRunes, utf8.RuneCountInString(reason))
	require.True(t, utf8.ValidString(reason))
}
