package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

// TestCreatePartnershipNeedsAnAccountPerPlatform: every deliverable's post is verified against
// the creator's account on its platform, so an offer with a deliverable on a platform the
// creator is not on is a 422 naming each such deliverable, and the workflow starts knowing
// all of the creator's accounts.
func TestCreatePartnershipNeedsAnAccountPerPlatform(t *testing.T) {
	s := newActionServer(t, Config{})
	ctx, now := context.Background(), time.Now().UTC()
	// The campaign's settings as the API stores them (the fixture's camp1 has none).
	require.NoError(t, s.st.CreateCampaign(ctx, &store.Campaign{ID: "camp2", BrandID: "b1", Name: "Summer",
		Settings: store.JSON(`{"id":"camp2","brand_id":"b1","name":"Summer"}`), CreatedAt: now}))
	require.NoError(t, s.st.CreateCreator(ctx, &store.Creator{ID: "c2", Name: "Maya", Email: "m2@example.com", Country: "US",
		Accounts:  store.JSON(`[{"platform":"instagram","handle":"maya"},{"platform":"tiktok","handle":"maya.tt"},{"platform":"x","handle":"maya_x"}]`),
		CreatedAt: now, UpdatedAt: now}, seedActor))
	create := func(creatorID, deliverables string) *httptest.ResponseRecorder {
		return s.do(t, brandManager, http.MethodPost, "/v1/partnerships", "", `{"campaign_id":"camp2","creator_id":"`+creatorID+`","offer":`+
			`{"kind":"one_off","fee":{"amount_minor":50000,"currency":"USD"},"deliverables":`+deliverables+`}}`)
	}

	// c1 is only on Instagram.
	rec := create("c1", `[{"platform":"instagram","format":"post"},{"platform":"tiktok","format":"video"},{"platform":"youtube","format":"short"}]`)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Equal(t, map[string]string{
		"offer.deliverables[1].platform": "the creator has no tiktok account",
		"offer.deliverables[2].platform": "the creator has no youtube account",
	}, decodeProblem(t, rec).Errors)
	require.Empty(t, s.wf.starts(), "no workflow started")

	rec = create("c2", `[{"platform":"instagram","format":"post"},{"platform":"tiktok","format":"video"}]`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = create("c2", `[{"platform":"tiktok","format":"video"},{"platform":"instagram","format":"post"}]`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	started := s.wf.starts()
	require.Len(t, started, 2)
	all := map[string]string{"instagram": "maya", "tiktok": "maya.tt", "x": "maya_x"}
	require.Equal(t, all, started[0].CreatorHandles, "every account, so counter-offers can move platforms")
	require.Equal(t, "instagram", started[0].Platform)
	require.Equal(t, "maya", started[0].CreatorHandle)
	require.Equal(t, all, started[1].CreatorHandles)
	require.Equal(t, "tiktok", started[1].Platform, "vetting reads the first deliverable's platform")
	require.Equal(t, "maya.tt", started[1].CreatorHandle)
}

const (
	createPath = "/v1/partnerships"
	createBody = `{"campaign_id":"camp2","creator_id":"c1","offer":{"kind":"one_off",` +
		`"fee":{"amount_minor":50000,"currency":"USD"},"deliverables":[{"platform":"instagram","format":"post"}]}}`
)

// newCreateServer is newActionServer with campaign camp2 of brand b1, whose settings are
// stored as the API stores them, to invite creator c1 to.
func newCreateServer(t *testing.T, cfg Config) *actionServer {
	t.Helper()
	s := newActionServer(t, cfg)
	require.NoError(t, s.st.CreateCampaign(context.Background(), &store.Campaign{ID: "camp2", BrandID: "b1", Name: "Summer",
		Settings: store.JSON(`{"id":"camp2","brand_id":"b1","name":"Summer"}`), CreatedAt: time.Now().UTC()}))
	return s
}

// rows lists camp2's partnerships in the read model.
func (s *actionServer) rows(t *testing.T) []store.Partnership {
	t.Helper()
	rows, _, err := s.st.ListPartnerships(context.Background(), store.PartnershipFilter{CampaignID: "camp2", Limit: 200})
	require.NoError(t, err)
	return rows
}

// startTimesOut is a start that waits out the request's deadline, as one to a Temporal too
// slow to answer does; landed says whether the server created the workflow all the same.
func startTimesOut(landed bool) func(context.Context, partnership.Input) (bool, error) {
	return func(ctx context.Context, _ partnership.Input) (bool, error) {
		<-ctx.Done()
		return landed, mapTemporalError(ctx.Err())
	}
}

// TestCreateConvergesWhenTheStartFails: a workflow never runs without its row, and a create
// retried with the same Idempotency-Key ends in one partnership, whatever the start's error
// hid. (The start used to be undone on any error: a timeout whose workflow had started left
// it running without a row, and the retry made a second partnership.)
func TestCreateConvergesWhenTheStartFails(t *testing.T) {
	const key = "invite-maya"
	pid := keyedPartnershipID(brandManager.Sub, key, "camp2", "c1")
	create := func(s *actionServer) *httptest.ResponseRecorder {
		return s.do(t, brandManager, http.MethodPost, createPath, key, createBody)
	}
	// retry sends the create again once Temporal is well, and checks that it answers with
	// the one partnership there is.
	retry := func(t *testing.T, s *actionServer) map[string]any {
		t.Helper()
		s.wf.startFault, s.wf.existsErr = nil, nil
		rec := create(s)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var got map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		require.Equal(t, pid, got["id"], "the key names the partnership")
		rows := s.rows(t)
		require.Len(t, rows, 1, "one partnership")
		require.Equal(t, pid, rows[0].ID)
		require.Equal(t, 1, s.wf.workflowCount(), "one workflow")
		return got
	}

	t.Run("the workflow started all the same", func(t *testing.T) {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(true)
		rec := create(s)
		// Temporal is asked afresh: the request's own context has expired by now.
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Len(t, s.rows(t), 1)
		rec = create(s)
		require.Equal(t, http.StatusCreated, rec.Code)
		require.Equal(t, "true", rec.Header().Get("Idempotent-Replayed"))
		require.Len(t, s.wf.starts(), 1)
	})

	t.Run("it did not start", func(t *testing.T) {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(false)
		rec := create(s)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		require.Equal(t, "5", rec.Header().Get("Retry-After"))
		require.Equal(t, "a dependency is unavailable; retry shortly", decodeProblem(t, rec).Detail)
		require.Empty(t, s.rows(t), "nothing was created")
		require.Zero(t, s.wf.workflowCount())
		retry(t, s)
	})

	t.Run("it started after Temporal said it had not", func(t *testing.T) {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(false)
		require.Equal(t, http.StatusServiceUnavailable, create(s).Code)
		s.wf.setRunning(pid) // the start was still in flight at the server, and landed
		retry(t, s)
	})

	for _, landed := range []bool{true, false} {
		t.Run(fmt.Sprintf("Temporal cannot say (started: %v)", landed), func(t *testing.T) {
			s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
			s.wf.startFault = startTimesOut(landed)
			s.wf.existsErr = errTemporalUnavailable
			rec := create(s)
			require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
			require.Contains(t, decodeProblem(t, rec).Detail, "retry with the same Idempotency-Key")
			require.Len(t, s.rows(t), 1, "the row stays while a workflow may run")
			retry(t, s)
		})
	}

	t.Run("a definite refusal is undone", func(t *testing.T) {
		s := newCreateServer(t, Config{})
		s.wf.startFault = func(context.Context, partnership.Input) (bool, error) {
			return false, errTemporalUnavailable
		}
		require.Equal(t, http.StatusServiceUnavailable, create(s).Code)
		require.Empty(t, s.rows(t))
		retry(t, s)
	})

	t.Run("the earlier attempt's workflow has moved on", func(t *testing.T) {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(true)
		s.wf.existsErr = errTemporalUnavailable
		require.Equal(t, http.StatusServiceUnavailable, create(s).Code)
		row, err := s.st.GetPartnership(context.Background(), pid)
		require.NoError(t, err)
		var st partnership.State
		require.NoError(t, json.Unmarshal(row.State, &st))
		st.Stage = partnership.StageNegotiation
		raw, err := json.Marshal(st)
		require.NoError(t, err)
		require.NoError(t, s.st.ApplyTransition(context.Background(), store.Transition{PartnershipID: pid, Version: 1,
			Stage: "negotiation", State: raw, UpdatedAt: time.Now().UTC()}))
		n := len(s.wf.starts())
		got := retry(t, s)
		require.Equal(t, "negotiation", got["stage"], "the partnership as it is now")
		require.Len(t, s.wf.starts(), n, "its workflow has written its state: nothing to start")
	})

	t.Run("a key reused after its 24 h names a new partnership", func(t *testing.T) {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(false)
		s.wf.existsErr = errTemporalUnavailable
		require.Equal(t, http.StatusServiceUnavailable, create(s).Code)
		s.now = func() time.Time { return time.Now().UTC().Add(idempotencyTTL + time.Hour) }
		s.wf.startFault, s.wf.existsErr = nil, nil
		rec := create(s)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.NotContains(t, rec.Body.String(), pid)
		require.Len(t, s.rows(t), 2)
	})

	t.Run("ids are the subject's and the invitation's", func(t *testing.T) {
		require.NotEqual(t, pid, keyedPartnershipID("admin-1", key, "camp2", "c1"))
		require.NotEqual(t, pid, keyedPartnershipID(brandManager.Sub, key, "camp2", "c2"))
		require.NotEqual(t, pid, keyedPartnershipID(brandManager.Sub, key+"\x00camp2", "", "c1"), "the parts cannot run into each other")
	})
}

// TestCreateRetriedWithAnotherOffer: the same Idempotency-Key with another body is a 422, even
// once a 503 has released the key's record and only the row the first attempt left says
// what the key was used for; the 422 does not take the key over, so the first body's retry
// still finds its partnership. A retry whose JSON was only re-serialised is the same body.
func TestCreateRetriedWithAnotherOffer(t *testing.T) {
	const key = "invite-maya"
	pid := keyedPartnershipID(brandManager.Sub, key, "camp2", "c1")
	otherFee := strings.Replace(createBody, `"amount_minor":50000`, `"amount_minor":70000`, 1)
	// The first attempt's start is in doubt: its row stays, its key is released.
	inDoubt := func(t *testing.T) *actionServer {
		s := newCreateServer(t, Config{RequestTimeout: 300 * time.Millisecond})
		s.wf.startFault = startTimesOut(true)
		s.wf.existsErr = errTemporalUnavailable
		rec := s.do(t, brandManager, http.MethodPost, createPath, key, createBody)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		s.wf.startFault, s.wf.existsErr = nil, nil
		return s
	}
	reused := func(t *testing.T, s *actionServer, body string) {
		t.Helper()
		n := len(s.wf.starts())
		rec := s.do(t, brandManager, http.MethodPost, createPath, key, body)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
		require.Equal(t, map[string]string{idempotencyHeader: "was already used for a different request (another path or body)"},
			decodeProblem(t, rec).Errors, "the idempotency layer's answer")
		require.Len(t, s.wf.starts(), n, "nothing started")
		require.Len(t, s.rows(t), 1)
	}
	created := func(t *testing.T, s *actionServer, body string) map[string]any {
		t.Helper()
		rec := s.do(t, brandManager, http.MethodPost, createPath, key, body)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var got map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		require.Equal(t, pid, got["id"])
		require.Len(t, s.rows(t), 1)
		return got
	}

	t.Run("before the workflow wrote", func(t *testing.T) {
		s := inDoubt(t)
		reused(t, s, otherFee)
		reused(t, s, strings.Replace(createBody, `"format":"post"`, `"format":"reel"`, 1))
		reused(t, s, otherFee) // the 422 was not stored: it is found again, not replayed
		created(t, s, createBody)
		require.Equal(t, 1, s.wf.workflowCount())
	})

	t.Run("after negotiation replaced the terms", func(t *testing.T) {
		s := inDoubt(t)
		row, err := s.st.GetPartnership(context.Background(), pid)
		require.NoError(t, err)
		var st partnership.State
		require.NoError(t, json.Unmarshal(row.State, &st))
		offer, counter := st.Terms, st.Terms
		counter.Fee.AmountMinor = 70000
		st.Stage, st.Terms = partnership.StageNegotiation, counter
		st.Negotiation.History = []partnership.NegotiationEntry{
			{Round: 1, Role: partnership.RoleBrandManager, Action: "offer", Terms: &offer},
			{Round: 2, Role: partnership.RoleCreator, Action: "counter", Terms: &counter},
		}
		raw, err := json.Marshal(st)
		require.NoError(t, err)
		require.NoError(t, s.st.ApplyTransition(context.Background(), store.Transition{PartnershipID: pid, Version: 3,
			Stage: "negotiation", State: raw, UpdatedAt: time.Now().UTC()}))
		reused(t, s, otherFee) // the counter-offer's terms are not what the key created
		got := created(t, s, createBody)
		require.Equal(t, "negotiation", got["stage"])
	})

	t.Run("the same offer serialised otherwise", func(t *testing.T) {
		s := inDoubt(t)
		created(t, s, `{"offer":{"deliverables":[{"format":"post","platform":"instagram"}],"kill_fee":{"currency":"USD","amount_minor":0},`+
			`"fee":{"currency":"USD","amount_minor":50000},"commission_bps":0,"kind":"one_off"},"creator_id":"c1","campaign_id":"camp2"}`)
	})
}

// TestCreatePartnershipStampsTheTransferLookupWait: the API's lookup wait goes into the
// workflow's input, so every replay of the partnership waits the same whatever the setting
// later becomes; unset, the input leaves it to the workflow's default.
func TestCreatePartnershipStampsTheTransferLookupWait(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  int64
	}{{90 * time.Second, 90}, {0, 0}} {
		s := newActionServer(t, Config{TransferLookupAfter: tc.after})
		ctx, now := context.Background(), time.Now().UTC()
		require.NoError(t, s.st.CreateCampaign(ctx, &store.Campaign{ID: "camp2", BrandID: "b1", Name: "Summer",
			Settings: store.JSON(`{"id":"camp2","brand_id":"b1","name":"Summer"}`), CreatedAt: now}))
		rec := s.do(t, brandManager, http.MethodPost, "/v1/partnerships", "", `{"campaign_id":"camp2","creator_id":"c1","offer":`+
			`{"kind":"one_off","fee":{"amount_minor":50000,"currency":"USD"},"deliverables":[{"platform":"instagram","format":"post"}]}}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		started := s.wf.starts()
		require.Len(t, started, 1)
		require.Equal(t, tc.want, started[0].TransferLookupSeconds)
	}
}
