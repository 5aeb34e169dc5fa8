package sandbox

import (
	"net/http"
	"strings"
	"time"
)

// Handler returns the sandbox's HTTP API: the provider endpoints under /social, /esign,
// /payments and /commerce and /email (with fault injection), and the control endpoints under
// /sandbox (never subject to faults, so a test can always repair what it broke).
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	provider := func(pattern, name string, h http.HandlerFunc) {
		mux.Handle(pattern, s.withFaults(name, h))
	}

	provider("GET /social/v1/accounts/{platform}/{handle}", providerSocial, s.handleSocialAccount)
	provider("GET /social/v1/accounts/{platform}/{handle}/media", providerSocial, s.handleSocialMedia)
	provider("GET /social/v1/media", providerSocial, s.handleSocialMediaByPermalink)

	provider("POST /esign/v2.1/envelopes", providerESign, s.handleCreateEnvelope)
	provider("GET /esign/v2.1/envelopes/{id}", providerESign, s.handleGetEnvelope)
	provider("PUT /esign/v2.1/envelopes/{id}", providerESign, s.handleUpdateEnvelope)

	provider("POST /payments/v1/transfers", providerPayments, s.handleCreateTransfer)
	provider("GET /payments/v1/transfers/{id}", providerPayments, s.handleGetTransfer)

	provider("POST /commerce/v1/discount_codes", providerCommerce, s.handleCreateDiscount)
	provider("GET /commerce/v1/orders", providerCommerce, s.handleListOrders)

	provider("POST /email/v1/messages", providerEmail, s.handleSendMessage)

	mux.HandleFunc("GET /sandbox/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("POST /sandbox/social/accounts", s.handleDefineAccount)
	mux.HandleFunc("POST /sandbox/social/posts", s.handlePublishPost)
	mux.HandleFunc("PATCH /sandbox/social/posts/{id}", s.handleEditPost)
	mux.HandleFunc("GET /sandbox/social/p/{id}", s.handlePostPage)

	mux.HandleFunc("GET /sandbox/esign/envelopes", s.handleListEnvelopes)
	mux.HandleFunc("GET /sandbox/esign/sign/{token}", s.handleSigningPage)
	mux.HandleFunc("POST /sandbox/esign/sign/{token}", s.handleSign)
	mux.HandleFunc("POST /sandbox/esign/sign/{token}/decline", s.handleDecline)

	mux.HandleFunc("POST /sandbox/commerce/orders", s.handlePlaceOrder)
	mux.HandleFunc("GET /sandbox/commerce/discount_codes", s.handleListDiscounts)
	mux.HandleFunc("GET /shop", s.handleShop)

	mux.HandleFunc("GET /sandbox/payments/transfers", s.handleListTransfers)
	mux.HandleFunc("POST /sandbox/payments/transfers/{id}/return", s.handleReturnTransfer)
	mux.HandleFunc("GET /sandbox/messages", s.handleListMessages)
	mux.HandleFunc("GET /sandbox/webhooks", s.handleListWebhooks)

	mux.HandleFunc("GET /sandbox/faults", s.handleGetFaults)
	mux.HandleFunc("PUT /sandbox/faults", s.handlePutFaults)
	mux.HandleFunc("GET /sandbox/stats", s.handleGetStats)
	mux.HandleFunc("DELETE /sandbox/stats", s.handleResetStats)

	return s.logRequests(mux)
}

// statusRecorder captures the status code for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests logs method, path, status and duration at Debug. Query strings, headers and
// bodies are left out: they carry idempotency keys, e-mail addresses and contract text.
func (s *Sandbox) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.Debug("sandbox request", "method", r.Method, "path", loggablePath(r.URL.Path), "status", rec.status,
			"duration", time.Since(start))
	})
}

// loggablePath hides signing tokens, which are credentials, from the access log.
func loggablePath(p string) string {
	if rest, ok := strings.CutPrefix(p, signingPathPrefix); ok {
		suffix := ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			suffix = rest[i:]
		}
		return signingPathPrefix + "{token}" + suffix
	}
	return p
}
