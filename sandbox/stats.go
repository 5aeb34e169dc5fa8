package sandbox

import "net/http"

// providerStats counts what reached one provider's endpoints since the last reset, so a test
// can report how many attempts its retries took (GET /sandbox/stats).
type providerStats struct {
	// Requests is every request that reached the provider, failed or not.
	Requests int `json:"requests"`
	// Failed answered an injected error status; Hung were held until the client gave up.
	Failed int `json:"failed"`
	Hung   int `json:"hung"`
}

// statsResponse is the body of GET /sandbox/stats: one entry per provider, zero included.
type statsResponse struct {
	Providers map[string]providerStats `json:"providers"`
}

// outcome is what the fault layer did with a request, for the counters.
type outcome int

const (
	outcomeServed outcome = iota
	outcomeFailed
	outcomeHung
)

// count records one request to provider. The counters are in memory only: they describe this
// process's traffic, not the persisted provider state.
func (s *Sandbox) count(provider string, o outcome) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.stats == nil {
		s.stats = map[string]providerStats{}
	}
	st := s.stats[provider]
	st.Requests++
	switch o {
	case outcomeFailed:
		st.Failed++
	case outcomeHung:
		st.Hung++
	}
	s.stats[provider] = st
}

func (s *Sandbox) handleGetStats(w http.ResponseWriter, _ *http.Request) {
	s.statsMu.Lock()
	out := statsResponse{Providers: make(map[string]providerStats, len(providerNames))}
	for _, name := range providerNames {
		out.Providers[name] = s.stats[name]
	}
	s.statsMu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// handleResetStats zeroes every counter, so a test can measure from a known start.
func (s *Sandbox) handleResetStats(w http.ResponseWriter, _ *http.Request) {
	s.statsMu.Lock()
	s.stats = nil
	s.statsMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
