package service

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
)

// codecMaxBody bounds a codec request: Temporal refuses payloads over 2 MiB, and the UI
// decodes a few at a time.
const codecMaxBody = 8 << 20

// CodecPath is where the API serves the payload codec (POST /codec/decode, /codec/encode),
// the remote codec the Temporal UI and CLI call to show encrypted payloads.
const CodecPath = "/codec/"

// codecHandler serves the SDK's codec HTTP protocol to admins only: decoding reveals every
// partnership's terms, so the caller needs a bearer token with the admin role, verified like
// the API's own. Browser origins in allowed (the Temporal UI) may call it cross-origin.
func codecHandler(codec converter.PayloadCodec, v *auth.Verifier, allowed []string, log *slog.Logger) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(codec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(allowed, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if r.Method != http.MethodPost {
			codecProblem(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partnerflow"`)
			codecProblem(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		id, err := v.Parse(strings.TrimSpace(token))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partnerflow", error="invalid_token"`)
			codecProblem(w, http.StatusUnauthorized, "the bearer token is invalid or expired")
			return
		}
		if id.Role != partnership.RoleAdmin {
			codecProblem(w, http.StatusForbidden, "only admins may decode payloads")
			return
		}
		log.InfoContext(r.Context(), "codec request", "path", r.URL.Path, "sub", id.Sub, "namespace", r.Header.Get("X-Namespace"))
		r.Body = http.MaxBytesReader(w, r.Body, codecMaxBody)
		inner.ServeHTTP(w, r)
	})
}

func codecProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	slug := strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-"))
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "https://partnerflow.dev/problems/" + slug,
		"title": http.StatusText(status), "status": status, "detail": detail})
}
