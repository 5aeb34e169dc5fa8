package sandbox

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Provider names, as used in URL prefixes, fault configuration and webhook records.
const (
	providerSocial   = "social"
	providerESign    = "esign"
	providerPayments = "payments"
	providerCommerce = "commerce"
	providerEmail    = "email"
)

var providerNames = []string{providerSocial, providerESign, providerPayments, providerCommerce, providerEmail}

const (
	maxFaultLatency    = 10 * time.Minute
	maxFaultRetryAfter = 3600
)

// fault describes how one provider misbehaves. A request is chosen to fail when fail_next is
// still positive (deterministic, for tests) or with probability error_rate. A chosen request
// answers status, or hangs when hang is set; hang with neither fail_next nor error_rate makes
// every request hang. latency_ms delays every request, failing or not. With path_prefix, the
// fault concerns only the provider's requests whose path starts with it (one account, say):
// the others are served as if there were no fault.
type fault struct {
	ErrorRate   float64 `json:"error_rate"`
	Status      int     `json:"status"`
	LatencyMS   int     `json:"latency_ms"`
	RetryAfterS int     `json:"retry_after_s"`
	Hang        bool    `json:"hang"`
	FailNext    int     `json:"fail_next"`
	PathPrefix  string  `json:"path_prefix"`
	// hangAll is decided when the fault is configured: hang with neither fail_next nor
	// error_rate. A fail_next count running down to zero must not turn into "hang everything".
	hangAll bool
}

func (f fault) validate(provider string, errs *fieldErrors) {
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		errs.add(provider+".error_rate", "must be between 0 and 1")
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		errs.add(provider+".status", "must be an HTTP error status (400-599)")
	}
	if f.LatencyMS < 0 || time.Duration(f.LatencyMS)*time.Millisecond > maxFaultLatency {
		errs.add(provider+".latency_ms", "must be between 0 and 600000")
	}
	if f.RetryAfterS < 0 || f.RetryAfterS > maxFaultRetryAfter {
		errs.add(provider+".retry_after_s", "must be between 0 and 3600")
	}
	if f.FailNext < 0 {
		errs.add(provider+".fail_next", "must not be negative")
	}
	if f.PathPrefix != "" && !strings.HasPrefix(f.PathPrefix, "/"+provider+"/") {
		errs.add(provider+".path_prefix", "must be a path under /"+provider+"/")
	}
}

// handlePutFaults replaces the whole fault configuration; {} clears it.
func (s *Sandbox) handlePutFaults(w http.ResponseWriter, r *http.Request) {
	var in map[string]fault
	body, apiErr := readBody(w, r)
	if apiErr == nil {
		apiErr = decodeStrict(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	var errs fieldErrors
	for name, f := range in {
		if !slices.Contains(providerNames, name) {
			errs.add(name, "unknown provider (want social, esign, payments, commerce or email)")
			continue
		}
		f.validate(name, &errs)
	}
	if e := errs.err(); e != nil {
		writeError(w, e)
		return
	}
	for name, f := range in {
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		f.hangAll = f.Hang && f.ErrorRate == 0 && f.FailNext == 0
		in[name] = f
	}
	s.faultsMu.Lock()
	s.faults = in
	s.faultsMu.Unlock()
	s.log.Info("fault injection configured", "providers", len(in))
	writeJSON(w, http.StatusOK, in)
}

func (s *Sandbox) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	s.faultsMu.Lock()
	out := make(map[string]fault, len(s.faults))
	for k, v := range s.faults {
		out[k] = v
	}
	s.faultsMu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// withFaults wraps a provider endpoint with the provider's fault injection. Faults fire before
// the handler runs, so an injected failure never changes state: a retry is always safe.
func (s *Sandbox) withFaults(provider string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, fail, ok := s.pickFault(provider, r.URL.Path)
		if !ok {
			s.count(provider, outcomeServed)
			next(w, r)
			return
		}
		// Read the body before waiting: net/http notices a client that went away (and cancels
		// r.Context()) only once the body is consumed, so a hung POST would otherwise outlive
		// its caller by up to maxFaultLatency and hold up the server's shutdown.
		body, apiErr := readBody(w, r)
		if apiErr != nil {
			writeError(w, apiErr)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if f.LatencyMS > 0 && !sleepCtx(r, time.Duration(f.LatencyMS)*time.Millisecond) {
			s.count(provider, outcomeHung)
			return
		}
		if f.Hang && (fail || f.hangAll) {
			// Hold the request until the client gives up, which is what a hung upstream looks
			// like from the caller's side.
			s.count(provider, outcomeHung)
			sleepCtx(r, maxFaultLatency)
			return
		}
		if !fail {
			s.count(provider, outcomeServed)
			next(w, r)
			return
		}
		s.count(provider, outcomeFailed)
		if f.RetryAfterS > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterS))
		}
		writeError(w, errorf(f.Status, "injected fault: "+http.StatusText(f.Status)))
	}
}

// pickFault reports the provider's fault for a request to path (ok false when none concerns
// it) and whether this request is chosen to fail.
func (s *Sandbox) pickFault(provider, path string) (f fault, fail, ok bool) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	f, ok = s.faults[provider]
	if !ok || !strings.HasPrefix(path, f.PathPrefix) {
		return f, false, false
	}
	switch {
	case f.FailNext > 0:
		stored := f
		stored.FailNext--
		s.faults[provider] = stored
		fail = true
	case f.ErrorRate > 0:
		fail = rand.Float64() < f.ErrorRate
	}
	return f, fail, true
}

// sleepCtx waits d or until the client goes away; it reports whether the full wait elapsed.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
