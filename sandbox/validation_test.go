package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBodiesAreValidated(t *testing.T) {
	e := newEnv(t, Config{})
	var env envelopeCreated
	e.doJSON("POST", "/esign/v2.1/envelopes", envelopeBody(nil), http.StatusCreated, &env)
	e.doJSON("POST", "/commerce/v1/discount_codes", `{"code":"KNOWN","percent":10}`, http.StatusCreated, nil)
	var p postView
	e.doJSON("POST", "/sandbox/social/posts", `{"platform":"x","handle":"h","caption":"c"}`, http.StatusCreated, &p)

	tests := []struct {
		name, method, path, body string
		status                   int
		message                  string
	}{
		{"account bad JSON", "POST", "/sandbox/social/accounts", `{"platform":`, 400, "malformed JSON"},
		{"account not an object", "POST", "/sandbox/social/accounts", `"x"`, 400, "JSON object"},
		{"account trailing data", "POST", "/sandbox/social/accounts", `{"platform":"x","handle":"h"}}`, 400, "trailing"},
		{"account unknown platform", "POST", "/sandbox/social/accounts", `{"platform":"myspace","handle":"h"}`, 422, "platform"},
		{"account bad handle", "POST", "/sandbox/social/accounts", `{"platform":"x","handle":"a b"}`, 422, "handle"},
		{"account negative followers", "POST", "/sandbox/social/accounts", `{"platform":"x","handle":"h","followers":-1}`, 422, "followers"},
		{"account wrong type", "POST", "/sandbox/social/accounts", `{"platform":"x","handle":"h","followers":"many"}`, 422, "followers: must be a number"},
		{"account unknown field", "POST", "/sandbox/social/accounts", `{"platform":"x","handle":"h","follower":1}`, 422, "follower"},
		{"account bad posted_at", "POST", "/sandbox/social/accounts", `{"platform":"x","handle":"h","posts":[{"caption":"c","posted_at":"yesterday"}]}`, 422, "posts[0].posted_at"},
		{"post missing handle", "POST", "/sandbox/social/posts", `{"platform":"x","caption":"c"}`, 422, "handle"},
		{"post caption too long", "POST", "/sandbox/social/posts", `{"platform":"x","handle":"h","caption":"` + strings.Repeat("a", 5001) + `"}`, 422, "caption"},
		{"edit nothing", "PATCH", "/sandbox/social/posts/" + p.ID, `{}`, 422, "at least one"},
		{"edit wrong type", "PATCH", "/sandbox/social/posts/" + p.ID, `{"deleted":"yes"}`, 422, "deleted"},
		{"order unknown code", "POST", "/sandbox/commerce/orders", `{"code":"NOPE","amount_minor":100,"currency":"USD"}`, 404, "not found"},
		{"order bad amount", "POST", "/sandbox/commerce/orders", `{"code":"KNOWN","amount_minor":0,"currency":"USD"}`, 422, "amount_minor"},
		{"order bad currency", "POST", "/sandbox/commerce/orders", `{"code":"KNOWN","amount_minor":1,"currency":"dollars"}`, 422, "currency"},
		{"sign with fields", "POST", signingPathOf(env, "creator"), `{"as":"brand"}`, 422, "as"},
		{"decline bad JSON", "POST", signingPathOf(env, "creator") + "/decline", `{`, 400, "malformed"},
		{"envelope no signers", "POST", "/esign/v2.1/envelopes", `{"email_subject":"s","document":"d","status":"sent","signers":[]}`, 422, "signers"},
		{"envelope draft", "POST", "/esign/v2.1/envelopes", `{"email_subject":"s","document":"d","status":"created","signers":[{"role":"r","name":"n","email":"e@x.example"}]}`, 422, "status"},
		{"envelope bad email", "POST", "/esign/v2.1/envelopes", `{"email_subject":"s","document":"d","status":"sent","signers":[{"role":"r","name":"n","email":"nope"}]}`, 422, "email"},
		// Limits count characters, as the API's do: a 200-character name in Japanese is 600 bytes.
		{"envelope name too long", "POST", "/esign/v2.1/envelopes", `{"email_subject":"s","document":"d","status":"sent","signers":[{"role":"r","name":"` + strings.Repeat("名", 201) + `","email":"e@x.example"}]}`, 422, "name"},
		{"envelope duplicate role", "POST", "/esign/v2.1/envelopes", `{"email_subject":"s","document":"d","status":"sent","signers":[{"role":"r","name":"n","email":"e@x.example"},{"role":"r","name":"m","email":"f@x.example"}]}`, 422, "duplicate role"},
		{"void without reason", "PUT", "/esign/v2.1/envelopes/" + env.EnvelopeID, `{"status":"voided"}`, 422, "voided_reason"},
		{"void other status", "PUT", "/esign/v2.1/envelopes/" + env.EnvelopeID, `{"status":"sent","voided_reason":"x"}`, 422, "status"},
		{"transfer negative", "POST", "/payments/v1/transfers", `{"amount":-5,"currency":"USD","destination":"acct_1"}`, 422, "amount"},
		{"transfer no destination", "POST", "/payments/v1/transfers", `{"amount":5,"currency":"USD"}`, 422, "destination"},
		{"discount bad percent", "POST", "/commerce/v1/discount_codes", `{"code":"NEW","percent":0}`, 422, "percent"},
		{"discount bad code", "POST", "/commerce/v1/discount_codes", `{"code":"has space","percent":5}`, 422, "code"},
		{"orders without code", "GET", "/commerce/v1/orders", ``, 400, "discount_code"},
		{"message bad address", "POST", "/email/v1/messages", `{"to":"nobody","subject":"s","text":"t"}`, 422, "to"},
		{"message header injection", "POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s\r\nBcc: x@y.example","text":"t"}`, 422, "subject"},
		{"body too large", "POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s","text":"` + strings.Repeat("a", maxBodyBytes) + `"}`, 413, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			status, data := e.do(tc.method, tc.path, body, withKey("validation-"+tc.name))
			require.Equal(t, tc.status, status, "%s", data)
			require.Contains(t, errorMessage(t, data), tc.message)
		})
	}
}

func signingPathOf(env envelopeCreated, role string) string {
	u := env.SigningURLs[role]
	return u[strings.Index(u, signingPathPrefix):]
}

func TestLoggablePathHidesSigningTokens(t *testing.T) {
	require.Equal(t, "/sandbox/esign/sign/{token}", loggablePath("/sandbox/esign/sign/abc123"))
	require.Equal(t, "/sandbox/esign/sign/{token}/decline", loggablePath("/sandbox/esign/sign/abc123/decline"))
	require.Equal(t, "/payments/v1/transfers", loggablePath("/payments/v1/transfers"))
}

// A signer's name and a custom field at their limits in characters are accepted however
// many bytes they take: the API lets a brand or creator name have 200 characters of any
// script, and a contract for one must not be refused by the e-signature service.
func TestEnvelopeLimitsCountCharacters(t *testing.T) {
	e := newEnv(t, Config{})
	name := strings.Repeat("名", 200)
	body := `{"email_subject":"s","document":"d","status":"sent","signers":[{"role":"creator","name":"` + name +
		`","email":"e@x.example"}],"custom_fields":{"brand":"` + strings.Repeat("é", maxFieldValueLen) + `"}}`
	var env envelopeCreated
	e.doJSON("POST", "/esign/v2.1/envelopes", body, http.StatusCreated, &env)
	require.NotEmpty(t, env.EnvelopeID)
}
