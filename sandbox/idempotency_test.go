package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreatesAreIdempotent(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		body       string
		reordered  string // same meaning, different bytes
		different  string
		wantStatus int
		count      func(e *testEnv) int
	}{
		{
			name:       "envelope",
			path:       "/esign/v2.1/envelopes",
			body:       `{"email_subject":"S","document":"D","status":"sent","signers":[{"role":"creator","name":"J","email":"j@x.example"}],"custom_fields":{"a":"1"}}`,
			reordered:  `{"status":"sent","custom_fields":{"a":"1"},"document":"D","email_subject":"S","signers":[{"email":"j@x.example","name":"J","role":"creator"}]}`,
			different:  `{"email_subject":"S2","document":"D","status":"sent","signers":[{"role":"creator","name":"J","email":"j@x.example"}]}`,
			wantStatus: http.StatusCreated,
			count: func(e *testEnv) int {
				var l listResponse[envelopeView]
				e.doJSON("GET", "/sandbox/esign/envelopes", nil, http.StatusOK, &l)
				return len(l.Items)
			},
		},
		{
			name:       "transfer",
			path:       "/payments/v1/transfers",
			body:       `{"amount":100,"currency":"USD","destination":"acct_1","metadata":{"k":"v"}}`,
			reordered:  `{ "metadata":{"k":"v"}, "destination":"acct_1", "currency":"USD", "amount":100 }`,
			different:  `{"amount":101,"currency":"USD","destination":"acct_1"}`,
			wantStatus: http.StatusOK,
			count: func(e *testEnv) int {
				var l listResponse[transferItem]
				e.doJSON("GET", "/sandbox/payments/transfers", nil, http.StatusOK, &l)
				return len(l.Items)
			},
		},
		{
			name:       "discount code",
			path:       "/commerce/v1/discount_codes",
			body:       `{"code":"JANE10","percent":10}`,
			reordered:  `{"percent":10,"code":"JANE10"}`,
			different:  `{"code":"JANE20","percent":20}`,
			wantStatus: http.StatusCreated,
			count: func(e *testEnv) int {
				// There is no list endpoint for codes; a code that exists answers 409 when
				// created again under a new key.
				n := 0
				for _, code := range []string{"JANE10", "JANE20"} {
					if status, _ := e.do("POST", "/commerce/v1/discount_codes", `{"code":"`+code+`","percent":5}`, withKey("probe-"+code)); status == http.StatusConflict {
						n++
					}
				}
				return n
			},
		},
		{
			name:       "message",
			path:       "/email/v1/messages",
			body:       `{"to":"j@x.example","subject":"Offer","text":"Hello"}`,
			reordered:  `{"text":"Hello","subject":"Offer","to":"j@x.example"}`,
			different:  `{"to":"j@x.example","subject":"Offer","text":"Hello again"}`,
			wantStatus: http.StatusAccepted,
			count: func(e *testEnv) int {
				var l listResponse[messageItem]
				e.doJSON("GET", "/sandbox/messages", nil, http.StatusOK, &l)
				return len(l.Items)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{})

			status1, body1 := e.do("POST", tc.path, tc.body, withKey("k1"))
			require.Equal(t, tc.wantStatus, status1, "%s", body1)
			status2, body2 := e.do("POST", tc.path, tc.body, withKey("k1"))
			require.Equal(t, status1, status2)
			require.Equal(t, string(body1), string(body2), "a replay must return the stored response byte for byte")
			status3, body3 := e.do("POST", tc.path, tc.reordered, withKey("k1"))
			require.Equal(t, status1, status3, "key order and spacing are not a different body: %s", body3)
			require.Equal(t, string(body1), string(body3))

			status, body := e.do("POST", tc.path, tc.different, withKey("k1"))
			require.Equal(t, http.StatusUnprocessableEntity, status)
			require.Equal(t, "idempotency key reused with a different body", errorMessage(t, body))

			require.Equal(t, 1, tc.count(e), "the key must have created exactly one object")
		})
	}
}

func TestIdempotencyKeysAreScopedAndOnlySuccessesRemembered(t *testing.T) {
	e := newEnv(t, Config{})
	// A failed create does not burn the key: fixing the request and retrying works.
	status, _ := e.do("POST", "/payments/v1/transfers", `{"amount":0,"currency":"USD","destination":"acct_1"}`, withKey("k"))
	require.Equal(t, http.StatusUnprocessableEntity, status)
	status, body := e.do("POST", "/payments/v1/transfers", `{"amount":5,"currency":"USD","destination":"acct_1"}`, withKey("k"))
	require.Equal(t, http.StatusOK, status, "%s", body)

	// The same key at another provider is unrelated.
	status, body = e.do("POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s","text":"t"}`, withKey("k"))
	require.Equal(t, http.StatusAccepted, status, "%s", body)

	// Without a key nothing is deduplicated, as with the real providers.
	e.doJSON("POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s","text":"t"}`, http.StatusAccepted, nil)
	e.doJSON("POST", "/email/v1/messages", `{"to":"a@b.example","subject":"s","text":"t"}`, http.StatusAccepted, nil)
	var l listResponse[messageItem]
	e.doJSON("GET", "/sandbox/messages", nil, http.StatusOK, &l)
	require.Len(t, l.Items, 3)
}

func TestDiscountCodesAreUniqueAcrossKeys(t *testing.T) {
	e := newEnv(t, Config{PublicURL: "http://127.0.0.1:8090"})
	var d discountJSON
	e.doJSON("POST", "/commerce/v1/discount_codes", `{"code":"Jane10","percent":10}`, http.StatusCreated, &d, withKey("a"))
	require.Equal(t, "http://127.0.0.1:8090/shop?discount=Jane10", d.Link)
	require.NotEmpty(t, d.ID)

	status, body := e.do("POST", "/commerce/v1/discount_codes", `{"code":"JANE10","percent":10}`, withKey("b"))
	require.Equal(t, http.StatusConflict, status, "codes are case-insensitive: %s", body)
}
