package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sandbox.json")
	cfg := Config{StatePath: path, PublicURL: "http://sandbox.test"}
	first := newEnv(t, cfg)

	first.doJSON("POST", "/sandbox/social/accounts", map[string]any{
		"platform": "instagram", "handle": "@Jane", "followers": 12000, "following": 300,
		"posts": []map[string]any{{"caption": "seeded", "likes": 10, "comments": 2}},
	}, http.StatusCreated, nil)
	var published postView
	first.doJSON("POST", "/sandbox/social/posts", map[string]any{"platform": "instagram", "handle": "jane", "caption": "#ad live"}, http.StatusCreated, &published)

	var env envelopeCreated
	first.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(map[string]string{"partnership_id": "p1"}), http.StatusCreated, &env, withKey("env-1"))
	first.doJSON("PUT", "/esign/v2.1/envelopes/"+env.EnvelopeID, map[string]string{"status": "voided", "voided_reason": "cancelled"}, http.StatusOK, nil)

	transferReq := map[string]any{"amount": 50000, "currency": "USD", "destination": "acct_1", "metadata": map[string]string{"payout_id": "po1"}}
	_, firstTransfer := first.do("POST", "/payments/v1/transfers", transferReq, withKey("tr-1"))
	first.doJSON("POST", "/commerce/v1/discount_codes", map[string]any{"code": "JANE10", "percent": 10}, http.StatusCreated, nil, withKey("dc-1"))
	first.doJSON("POST", "/sandbox/commerce/orders", map[string]any{"code": "jane10", "amount_minor": 2500, "currency": "usd"}, http.StatusCreated, nil)
	first.doJSON("POST", "/email/v1/messages", map[string]string{"to": "jane@example.com", "subject": "Offer", "text": "Hi"}, http.StatusAccepted, nil, withKey("m-1"))

	// A second sandbox on the same file stands in for the process after kill -9: nothing of
	// the first one survives except what it wrote to disk.
	second := newEnv(t, cfg)

	var acct accountJSON
	second.doJSON("GET", "/social/v1/accounts/instagram/jane", nil, http.StatusOK, &acct)
	require.Equal(t, accountJSON{Platform: "instagram", Username: "jane", FollowersCount: 12000, FollowsCount: 300, MediaCount: 2}, acct)
	var media mediaJSON
	second.doJSON("GET", "/social/v1/media?permalink="+url.QueryEscape(published.URL), nil, http.StatusOK, &media)
	require.Equal(t, "#ad live", media.Caption)

	var ev envelopeView
	second.doJSON("GET", "/esign/v2.1/envelopes/"+env.EnvelopeID, nil, http.StatusOK, &ev)
	require.Equal(t, envelopeVoided, ev.Status)
	require.Equal(t, env.SigningURLs, ev.SigningURLs, "signing tokens must survive")

	status, replay := second.do("POST", "/payments/v1/transfers", transferReq, withKey("tr-1"))
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, string(firstTransfer), string(replay), "idempotency records must survive")
	var transfers listResponse[transferItem]
	second.doJSON("GET", "/sandbox/payments/transfers", nil, http.StatusOK, &transfers)
	require.Len(t, transfers.Items, 1)
	require.Equal(t, "tr-1", transfers.Items[0].IdempotencyKey)

	status, body := second.do("POST", "/commerce/v1/discount_codes", map[string]any{"code": "JANE10", "percent": 10}, withKey("dc-other"))
	require.Equal(t, http.StatusConflict, status, "discount codes must survive: %s", body)
	var orders struct{ Orders []orderJSON }
	second.doJSON("GET", "/commerce/v1/orders?discount_code=JANE10", nil, http.StatusOK, &orders)
	require.Len(t, orders.Orders, 1)
	require.Equal(t, int64(2500), orders.Orders[0].AmountMinor)

	var messages listResponse[messageItem]
	second.doJSON("GET", "/sandbox/messages", nil, http.StatusOK, &messages)
	require.Len(t, messages.Items, 1)
	require.Equal(t, "m-1", messages.Items[0].IdempotencyKey)

	var hooks listResponse[webhookView]
	second.doJSON("GET", "/sandbox/webhooks", nil, http.StatusOK, &hooks)
	require.Len(t, hooks.Items, 1)
	require.Equal(t, "envelope-voided", hooks.Items[0].Event)
	require.False(t, hooks.Items[0].Delivered)

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "temporary files must not be left behind")
}

func TestCorruptStateFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"version":1,"accounts":`), 0o600))
	_, err := New(Config{StatePath: path})
	require.Error(t, err)

	require.NoError(t, os.WriteFile(path, []byte(`{"version":99}`), 0o600))
	_, err = New(Config{StatePath: path})
	require.ErrorContains(t, err, "version 99")
}

func TestFailedSaveRollsBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	e := newEnv(t, Config{StatePath: filepath.Join(dir, "sandbox.json")})
	e.doJSON("POST", "/sandbox/social/accounts", map[string]any{"platform": "x", "handle": "kept", "followers": 1}, http.StatusCreated, nil)

	// Removing the directory makes the next write fail; the mutation must not stay visible.
	require.NoError(t, os.RemoveAll(dir))
	status, body := e.do("POST", "/sandbox/social/accounts", map[string]any{"platform": "x", "handle": "lost", "followers": 1})
	require.Equal(t, http.StatusInternalServerError, status, "%s", body)

	status, _ = e.do("GET", "/social/v1/accounts/x/lost", nil)
	require.Equal(t, http.StatusNotFound, status)
	status, _ = e.do("GET", "/social/v1/accounts/x/kept", nil)
	require.Equal(t, http.StatusOK, status)
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"relative public URL", Config{PublicURL: "sandbox.local"}},
		{"webhook URL without secret", Config{ESignWebhookURL: "http://127.0.0.1:8080/v1/webhooks/esign"}},
		{"bad webhook URL", Config{PaymentsWebhookURL: "ftp://x", PaymentsWebhookSecret: []byte("s")}},
		{"negative settle delay", Config{SettleDelay: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			require.Error(t, err)
		})
	}
	sb, err := New(Config{PublicURL: "http://127.0.0.1:8090/"})
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8090", sb.cfg.PublicURL)
	require.Equal(t, DefaultSettleDelay, sb.cfg.SettleDelay)
}

func TestStateFileIsJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	e := newEnv(t, Config{StatePath: path})
	e.doJSON("POST", "/email/v1/messages", map[string]string{"to": "a@b.example", "subject": "s", "text": "t"}, http.StatusAccepted, nil)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var st state
	require.NoError(t, json.Unmarshal(data, &st))
	require.Len(t, st.Messages, 1)
}
