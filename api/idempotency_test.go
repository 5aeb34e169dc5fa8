package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
)

const approvePath = "/v1/partnerships/p1/payouts/po_1/approve"

var brandManager = auth.Identity{Sub: "bm-1", Role: "brand_manager", BrandID: "b1"}

func approved(_ context.Context, u fakeUpdate, result any) error {
	if po, ok := result.(*partnership.Payout); ok {
		*po = partnership.Payout{ID: u.Arg.(partnership.PayoutApproval).PayoutID, Status: "processing"}
	}
	return nil
}

// claim holds key for sub as a request in another process would, with that request's hash.
func (s *actionServer) claim(t *testing.T, sub, key, path, body string) {
	t.Helper()
	sum := sha256.Sum256([]byte(http.MethodPost + " " + path + "\n" + body))
	_, ok, err := s.st.ClaimIdempotencyKey(context.Background(), sub, key, hex.EncodeToString(sum[:]), idempotencyTTL, time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
}

// TestPanicReleasesTheKey: a handler that panics answered 500 and nothing else; the retry
// with the same key must run again, not be told for 24 h that the first is in progress.
func TestPanicReleasesTheKey(t *testing.T) {
	s := newActionServer(t, Config{})
	s.wf.answer = func(context.Context, fakeUpdate, any) error { panic("boom") }
	rec := s.do(t, financeB, http.MethodPost, approvePath, "k-panic", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code, "recoverPanics still answers")
	require.Equal(t, http.StatusInternalServerError, decodeProblem(t, rec).Status)

	s.wf.answer = approved
	rec = s.do(t, financeB, http.MethodPost, approvePath, "k-panic", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Empty(t, rec.Header().Get("Idempotent-Replayed"))
	require.Len(t, s.wf.sent(), 2, "the retry ran the action again")
}

// TestInProgressClaims: a claim younger than the request timeout plus the margin is a request
// still running (409); an older one was left by a process that died, and a retry takes it over.
func TestInProgressClaims(t *testing.T) {
	s := newActionServer(t, Config{})
	s.wf.answer = approved
	s.claim(t, financeB.Sub, "k-running", approvePath, "")
	rec := s.do(t, financeB, http.MethodPost, approvePath, "k-running", "")
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	require.Contains(t, decodeProblem(t, rec).Detail, "still in progress")
	require.Empty(t, s.wf.sent())

	require.Equal(t, 30*time.Second+abandonedClaimMargin, s.claimAbandonAfter, "the default request timeout plus the margin")
	s.claim(t, financeB.Sub, "k-abandoned", approvePath, "")
	time.Sleep(5 * time.Millisecond)
	s.claimAbandonAfter = time.Millisecond
	rec = s.do(t, financeB, http.MethodPost, approvePath, "k-abandoned", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, s.wf.sent(), 1)
	rec = s.do(t, financeB, http.MethodPost, approvePath, "k-abandoned", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "true", rec.Header().Get("Idempotent-Replayed"), "the taken-over claim stored its answer")
	require.Len(t, s.wf.sent(), 1)
}

// TestClientGoneReleasesTheKey: when the client disconnects, the store answers
// context.Canceled (499) or the request ends in an error nobody read; neither may be replayed
// for 24 h. A success is stored even then, because its effects happened.
func TestClientGoneReleasesTheKey(t *testing.T) {
	s := newActionServer(t, Config{})
	const cancelPath, cancelBody = "/v1/partnerships/p1/cancel", `{"reason":"budget cut"}`
	send := func(id auth.Identity, path, key, body string, answer func(context.Context, fakeUpdate, any) error) *httptest.ResponseRecorder {
		ctx, disconnect := context.WithCancel(context.Background())
		defer disconnect()
		s.wf.answer = func(ctx context.Context, u fakeUpdate, result any) error {
			disconnect() // the client goes away while the Update runs
			return answer(ctx, u, result)
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, strings.NewReader(body))
		return s.doRequest(t, id, key, req)
	}

	// The Update succeeds, then reading the new state fails on the cancelled context.
	rec := send(brandManager, cancelPath, "k-499", cancelBody, approved)
	require.Equal(t, statusClientClosed, rec.Code, rec.Body.String())
	s.wf.answer = approved
	rec = s.do(t, brandManager, http.MethodPost, cancelPath, "k-499", cancelBody)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Empty(t, rec.Header().Get("Idempotent-Replayed"), "the 499 was not stored")

	// A refusal answered after the client left is not stored either.
	rec = send(financeB, approvePath, "k-gone-409", "", func(context.Context, fakeUpdate, any) error {
		return &actionError{Type: partnership.ErrTypeConflict, Message: "not now", Stage: partnership.StageContent}
	})
	require.Equal(t, http.StatusConflict, rec.Code)
	s.wf.answer = approved
	rec = s.do(t, financeB, http.MethodPost, approvePath, "k-gone-409", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Empty(t, rec.Header().Get("Idempotent-Replayed"))

	// A success is: the retry is answered from the record, not by running the action again.
	rec = send(financeC, approvePath, "k-gone-200", "", approved)
	require.Equal(t, http.StatusOK, rec.Code)
	n := len(s.wf.sent())
	rec = s.do(t, financeC, http.MethodPost, approvePath, "k-gone-200", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "true", rec.Header().Get("Idempotent-Replayed"))
	require.Len(t, s.wf.sent(), n)
}

// TestIdempotencyKeyComparesJSONNotBytes: a retry that encodes the same JSON body otherwise
// (spacing, member order) is the same request and gets the first answer; another value under
// the key is a 422; a body that is not JSON is compared as sent.
func TestIdempotencyKeyComparesJSONNotBytes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *profileServer) {
		post := func(key, body string) *httptest.ResponseRecorder {
			t.Helper()
			req := httptest.NewRequest(http.MethodPost, "/v1/brands", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			tok, err := auth.Issue(mwSecret, profileAdmin, time.Hour, time.Now())
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			return rec
		}
		first := post("k-json", `{"name":"Initech","handles":["@initech"],"turn_emails":false}`)
		require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
		again := post("k-json", "{\n  \"turn_emails\": false,\n  \"name\": \"Initech\",\n  \"handles\": [ \"@initech\" ]\n}\n")
		require.Equal(t, http.StatusCreated, again.Code, again.Body.String())
		require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
		require.Equal(t, decodeBody(t, first)["id"], decodeBody(t, again)["id"], "one brand")

		other := post("k-json", `{"name":"Initech","handles":["@initech"],"turn_emails":true}`)
		require.Equal(t, http.StatusUnprocessableEntity, other.Code)

		bad := post("k-bad", `{"name":`)
		require.Equal(t, http.StatusBadRequest, bad.Code)
		require.Equal(t, http.StatusBadRequest, post("k-bad", `{"name":`).Code)
		require.Equal(t, "true", post("k-bad", `{"name":`).Header().Get("Idempotent-Replayed"))
		require.Equal(t, http.StatusUnprocessableEntity, post("k-bad", `{"name": `).Code, "not JSON: compared byte for byte")
	})
}
