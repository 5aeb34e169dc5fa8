package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/webhooksig"
)

var esignSecret = []byte("whsec_esign_test")

// signingPath turns a signing URL into a path on the test server.
func signingPath(t *testing.T, signingURL string) string {
	t.Helper()
	u, err := url.Parse(signingURL)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u.Path, signingPathPrefix), "unexpected signing URL %q", signingURL)
	return u.Path
}

func TestSigningCompletesEnvelopeAndSendsSignedWebhook(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, Config{PublicURL: "http://127.0.0.1:8090", ESignWebhookURL: rc.srv.URL, ESignWebhookSecret: esignSecret})
	e.run()

	fields := map[string]string{"partnership_id": "p-42", "workflow": "partnership/p-42"}
	var env envelopeCreated
	e.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(fields), http.StatusCreated, &env, withKey("k"))
	require.Equal(t, envelopeSent, env.Status)
	require.Len(t, env.SigningURLs, 2)
	require.True(t, strings.HasPrefix(env.SigningURLs["creator"], "http://127.0.0.1:8090/sandbox/esign/sign/"))
	require.NotEqual(t, env.SigningURLs["creator"], env.SigningURLs["brand"])

	var out signOutcome
	e.doJSON("POST", signingPath(t, env.SigningURLs["creator"]), "{}", http.StatusOK, &out)
	require.Equal(t, signOutcome{EnvelopeID: env.EnvelopeID, EnvelopeStatus: envelopeSent, Role: "creator", SignerStatus: signerSigned}, out)
	// Signing twice changes nothing.
	e.doJSON("POST", signingPath(t, env.SigningURLs["creator"]), "", http.StatusOK, &out)
	require.Equal(t, envelopeSent, out.EnvelopeStatus)

	e.doJSON("POST", signingPath(t, env.SigningURLs["brand"]), "{}", http.StatusOK, &out)
	require.Equal(t, envelopeCompleted, out.EnvelopeStatus)

	// The creator's signature raised recipient-completed (TestSigningOneSignerSendsRecipientWebhook);
	// the brand's, the last, completes the envelope.
	got := rc.waitFor(t, 2)[1]
	require.Equal(t, "application/json", got.header.Get("Content-Type"))
	sig := got.header.Get(webhooksig.Header)
	require.NoError(t, webhooksig.Verify(sig, got.body, esignSecret, time.Now(), webhooksig.DefaultTolerance))
	require.ErrorIs(t, webhooksig.Verify(sig, got.body, []byte("wrong"), time.Now(), webhooksig.DefaultTolerance), webhooksig.ErrMismatch)

	var ev struct {
		EventID     string `json:"event_id"`
		Event       string `json:"event"`
		GeneratedAt string `json:"generated_at"`
		Data        struct {
			EnvelopeID   string            `json:"envelope_id"`
			Status       string            `json:"status"`
			CustomFields map[string]string `json:"custom_fields"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(got.body, &ev))
	require.True(t, strings.HasPrefix(ev.EventID, "evt_"), ev.EventID)
	require.Equal(t, "envelope-completed", ev.Event)
	_, err := time.Parse(time.RFC3339, ev.GeneratedAt)
	require.NoError(t, err)
	require.Equal(t, env.EnvelopeID, ev.Data.EnvelopeID)
	require.Equal(t, envelopeCompleted, ev.Data.Status)
	require.Equal(t, fields, ev.Data.CustomFields)

	// Re-signing a completed envelope is still a no-op, and voiding it is refused.
	e.doJSON("POST", signingPath(t, env.SigningURLs["brand"]), "{}", http.StatusOK, nil)
	status, body := e.do("PUT", "/esign/v2.1/envelopes/"+env.EnvelopeID, `{"status":"voided","voided_reason":"x"}`)
	require.Equal(t, http.StatusConflict, status, "%s", body)
	status, _ = e.do("POST", signingPath(t, env.SigningURLs["brand"])+"/decline", "{}")
	require.Equal(t, http.StatusConflict, status)

	var hooks listResponse[webhookView]
	eventually(t, "delivery recorded", func() bool {
		e.doJSON("GET", "/sandbox/webhooks", nil, http.StatusOK, &hooks)
		return len(hooks.Items) == 2 && hooks.Items[0].Delivered && hooks.Items[1].Delivered
	})
	require.Equal(t, "recipient-completed", hooks.Items[0].Event)
	require.Equal(t, "envelope-completed", hooks.Items[1].Event)
	require.Equal(t, 1, hooks.Items[1].Attempts)
	require.Len(t, rc.deliveries(), 2, "no further event for a repeated signature")
}

// TestSigningOneSignerSendsRecipientWebhook: a signature that leaves the envelope waiting for
// another signer raises a signed recipient-completed webhook naming the envelope, the signer's
// role and when they signed; signing again raises nothing more.
func TestSigningOneSignerSendsRecipientWebhook(t *testing.T) {
	for _, first := range []string{"creator", "brand"} {
		t.Run(first, func(t *testing.T) {
			rc := newReceiver(t)
			e := newEnv(t, Config{PublicURL: "http://127.0.0.1:8090", ESignWebhookURL: rc.srv.URL, ESignWebhookSecret: esignSecret})
			e.run()
			fields := map[string]string{"partnership_id": "p-7"}
			var env envelopeCreated
			e.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(fields), http.StatusCreated, &env, withKey("k"))

			before := time.Now().UTC()
			var out signOutcome
			e.doJSON("POST", signingPath(t, env.SigningURLs[first]), "{}", http.StatusOK, &out)
			require.Equal(t, envelopeSent, out.EnvelopeStatus)
			e.doJSON("POST", signingPath(t, env.SigningURLs[first]), "{}", http.StatusOK, &out) // again: no new event

			got := rc.waitFor(t, 1)[0]
			require.NoError(t, webhooksig.Verify(got.header.Get(webhooksig.Header), got.body, esignSecret, time.Now(), webhooksig.DefaultTolerance))
			var ev struct {
				EventID     string `json:"event_id"`
				Event       string `json:"event"`
				GeneratedAt string `json:"generated_at"`
				Data        struct {
					EnvelopeID   string            `json:"envelope_id"`
					Status       string            `json:"status"`
					CustomFields map[string]string `json:"custom_fields"`
					Recipient    struct {
						Role     string    `json:"role"`
						Status   string    `json:"status"`
						SignedAt time.Time `json:"signed_at"`
					} `json:"recipient"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(got.body, &ev))
			require.True(t, strings.HasPrefix(ev.EventID, "evt_"), ev.EventID)
			require.Equal(t, "recipient-completed", ev.Event)
			require.Equal(t, env.EnvelopeID, ev.Data.EnvelopeID)
			require.Equal(t, envelopeSent, ev.Data.Status, "the envelope still waits for the other signer")
			require.Equal(t, fields, ev.Data.CustomFields)
			require.Equal(t, first, ev.Data.Recipient.Role)
			require.Equal(t, "completed", ev.Data.Recipient.Status)
			require.False(t, ev.Data.Recipient.SignedAt.Before(before.Truncate(time.Second)), "signed_at %s", ev.Data.Recipient.SignedAt)
			require.False(t, ev.Data.Recipient.SignedAt.After(time.Now()), "signed_at %s", ev.Data.Recipient.SignedAt)

			var view envelopeView
			e.doJSON("GET", "/esign/v2.1/envelopes/"+env.EnvelopeID, nil, http.StatusOK, &view)
			for _, sg := range view.Signers {
				if sg.Role == first {
					require.True(t, sg.SignedAt.Equal(ev.Data.Recipient.SignedAt), "the webhook's signed_at is the signer's")
				}
			}
			time.Sleep(100 * time.Millisecond)
			require.Len(t, rc.deliveries(), 1, "one event per signature")
		})
	}
}

func TestDeclineAndVoid(t *testing.T) {
	e := newEnv(t, Config{})

	var declined envelopeCreated
	e.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(nil), http.StatusCreated, &declined, withKey("d"))
	var out signOutcome
	e.doJSON("POST", signingPath(t, declined.SigningURLs["creator"])+"/decline", `{"reason":"terms changed"}`, http.StatusOK, &out)
	require.Equal(t, envelopeDeclined, out.EnvelopeStatus)
	e.doJSON("POST", signingPath(t, declined.SigningURLs["creator"])+"/decline", "{}", http.StatusOK, &out) // idempotent

	status, _ := e.do("POST", signingPath(t, declined.SigningURLs["brand"]), "{}")
	require.Equal(t, http.StatusConflict, status, "signing a declined envelope")
	status, _ = e.do("PUT", "/esign/v2.1/envelopes/"+declined.EnvelopeID, `{"status":"voided","voided_reason":"x"}`)
	require.Equal(t, http.StatusConflict, status, "voiding a declined envelope")

	var voided envelopeCreated
	e.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(nil), http.StatusCreated, &voided, withKey("v"))
	e.doJSON("POST", signingPath(t, voided.SigningURLs["creator"]), "{}", http.StatusOK, nil)
	var view envelopeView
	e.doJSON("PUT", "/esign/v2.1/envelopes/"+voided.EnvelopeID, `{"status":"voided","voided_reason":"partnership cancelled"}`, http.StatusOK, &view)
	require.Equal(t, envelopeVoided, view.Status)
	require.Equal(t, "partnership cancelled", view.VoidedReason)
	e.doJSON("PUT", "/esign/v2.1/envelopes/"+voided.EnvelopeID, `{"status":"voided","voided_reason":"again"}`, http.StatusOK, &view)
	require.Equal(t, "partnership cancelled", view.VoidedReason, "a second void changes nothing")

	status, body := e.do("POST", signingPath(t, voided.SigningURLs["creator"]), "{}")
	require.Equal(t, http.StatusConflict, status, "signing a voided envelope, even by someone who signed: %s", body)
	status, _ = e.do("POST", signingPath(t, voided.SigningURLs["brand"]), "{}")
	require.Equal(t, http.StatusConflict, status)

	status, _ = e.do("PUT", "/esign/v2.1/envelopes/nope", `{"status":"voided","voided_reason":"x"}`)
	require.Equal(t, http.StatusNotFound, status)
	status, _ = e.do("POST", "/sandbox/esign/sign/not-a-token", "{}")
	require.Equal(t, http.StatusNotFound, status)

	var hooks listResponse[webhookView]
	e.doJSON("GET", "/sandbox/webhooks", nil, http.StatusOK, &hooks)
	var events []string
	for _, h := range hooks.Items {
		events = append(events, h.Event)
		require.False(t, h.Delivered, "no URL configured: queued, not sent")
	}
	// The creator signed the envelope that was then voided: that signature has its event.
	require.Equal(t, []string{"envelope-declined", "recipient-completed", "envelope-voided"}, events)
}

func TestSigningPageAndFormPost(t *testing.T) {
	e := newEnv(t, Config{})
	var env envelopeCreated
	e.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(nil), http.StatusCreated, &env)
	path := signingPath(t, env.SigningURLs["creator"])

	status, page := e.do("GET", path, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(page), "The creator shall post one reel.")
	require.Contains(t, string(page), `action="`+path+`"`)

	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(""))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, path, resp.Header.Get("Location"))

	var view envelopeView
	e.doJSON("GET", "/esign/v2.1/envelopes/"+env.EnvelopeID, nil, http.StatusOK, &view)
	require.Equal(t, signerSigned, view.Signers[0].Status)
	require.Equal(t, signerPending, view.Signers[1].Status)
}
