package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/sandbox"
	"github.com/partnerflow/partnerflow/store"
)

// env is a real sandbox over HTTP, real provider clients and a real SQLite store.
type env struct {
	acts *activities.Activities
	sb   string
	st   *store.Store
}

// byAdmin is who the tests create and change brands and creators as.
var byAdmin = store.Actor{Sub: "admin-1", Role: "admin"}

func newEnv(t *testing.T) env {
	t.Helper()
	return newEnvOn(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "app.db")})
}

// newEnvOn is newEnv on the database cfg names (a fresh PostgreSQL one, say).
func newEnvOn(t *testing.T, dbCfg store.Config) env {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{SettleDelay: time.Hour})
	require.NoError(t, err)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	cfg := func(p string) providers.ClientConfig {
		return providers.ClientConfig{BaseURL: srv.URL + "/" + p, Timeout: 5 * time.Second, RetryMax: -1}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dbCfg)
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	t.Cleanup(func() { _ = st.Close() })
	now := time.Now().UTC()
	require.NoError(t, st.CreateBrand(ctx, &store.Brand{ID: "b1", Name: "Acme", Handles: store.JSON(`["@acme"]`), CreatedAt: now}, byAdmin))
	require.NoError(t, st.CreateCreator(ctx, &store.Creator{ID: "c1", Name: "Maya", Email: "maya@example.com", Country: "US",
		Accounts: store.JSON(`[]`), CreatedAt: now, UpdatedAt: now}, byAdmin))
	return env{st: st, sb: srv.URL, acts: &activities.Activities{Store: st, Providers: providers.Set{
		Social: providers.NewSocialClient(cfg("social")), ESign: providers.NewESignClient(cfg("esign")),
		Payments: providers.NewPaymentsClient(cfg("payments")), Commerce: providers.NewCommerceClient(cfg("commerce")),
		Email: providers.NewEmailClient(cfg("email")),
	}}}
}

func (e env) post(t *testing.T, path, body string) {
	t.Helper()
	e.send(t, http.MethodPost, path, body)
}

// send makes a request to the sandbox (its control endpoints) that must succeed.
func (e env) send(t *testing.T, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, e.sb+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Less(t, res.StatusCode, 300, path)
}

func TestCreateTransferNeedsPayoutProfileAndIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := activities.TransferInput{IdempotencyKey: "p1/payout/po_1/1", PartnershipID: "p1", PayoutID: "po_1", CreatorID: "c1",
		Amount: partnership.Money{AmountMinor: 50000, Currency: "USD"}}
	_, err := e.acts.CreateTransfer(ctx, in)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, activities.ErrTypePayoutProfileMissing, appErr.Type())
	require.True(t, appErr.NonRetryable())

	require.NoError(t, e.st.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", byAdmin))
	first, err := e.acts.CreateTransfer(ctx, in)
	require.NoError(t, err)
	again, err := e.acts.CreateTransfer(ctx, in)
	require.NoError(t, err)
	require.Equal(t, first.TransferID, again.TransferID, "a retried activity returns the same transfer")
}

// TestLookupTransfer: the provider's current word on a transfer comes back as its status
// alone; a transfer it does not know is a final NotFound, not retried for a day.
func TestLookupTransfer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	require.NoError(t, e.st.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", byAdmin))
	tr, err := e.acts.CreateTransfer(ctx, activities.TransferInput{IdempotencyKey: "p1/payout/po_1/1", PartnershipID: "p1",
		PayoutID: "po_1", CreatorID: "c1", Amount: partnership.Money{AmountMinor: 50000, Currency: "USD"}})
	require.NoError(t, err)

	got, err := e.acts.LookupTransfer(ctx, activities.LookupTransferInput{PayoutID: "po_1", TransferID: tr.TransferID})
	require.NoError(t, err)
	require.Equal(t, activities.LookupTransferOutput{Status: "pending"}, got, "settles in an hour")

	_, err = e.acts.LookupTransfer(ctx, activities.LookupTransferInput{PayoutID: "po_2", TransferID: "tr_unknown"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, activities.ErrTypeNotFound, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "tr_unknown")
}

// TestCreateTransferRefusalsAreFinalOnlyOnTheFirstAttempt: once an attempt may have reached
// the provider, neither a missing profile nor a refusal may fail the payout (finance would
// trigger it again under a new key); a retry stays retryable and keeps its key.
func TestCreateTransferRefusalsAreFinalOnlyOnTheFirstAttempt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := activities.TransferInput{IdempotencyKey: "p1/payout/po_1/1", PartnershipID: "p1", PayoutID: "po_1", CreatorID: "c1",
		Amount: partnership.Money{AmountMinor: 50000, Currency: "USD"}}
	errType := func(err error) (string, bool) {
		t.Helper()
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), "%v", err)
		return appErr.Type(), appErr.NonRetryable()
	}

	// No profile on a retry: retryable, not PayoutProfileMissing.
	_, err := e.acts.CreateTransferRetry(ctx, in)
	typ, final := errType(err)
	require.Equal(t, activities.ErrTypeTransferInDoubt, typ)
	require.False(t, final)
	// Nor on the first attempt of an execution after one that ran out of retries.
	doubt := in
	doubt.InDoubt = true
	_, err = e.acts.CreateTransfer(ctx, doubt)
	typ, final = errType(err)
	require.Equal(t, activities.ErrTypeTransferInDoubt, typ)
	require.False(t, final)

	// A request the provider refuses: final on the first attempt, in doubt on a retry.
	require.NoError(t, e.st.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", byAdmin))
	bad := in
	bad.IdempotencyKey, bad.Amount.Currency = "p1/payout/po_9/1", "US"
	_, err = e.acts.CreateTransfer(ctx, bad)
	typ, final = errType(err)
	require.Equal(t, providers.ErrTypeRejected, typ)
	require.True(t, final)
	_, err = e.acts.CreateTransferRetry(ctx, bad)
	typ, final = errType(err)
	require.Equal(t, activities.ErrTypeTransferInDoubt, typ)
	require.False(t, final)

	// The key made a transfer, then the account changed: the provider refuses the retry's
	// different body, and the transfer stays the only one.
	first, err := e.acts.CreateTransfer(ctx, in)
	require.NoError(t, err)
	require.NoError(t, e.st.UpdatePayoutProfile(ctx, "c1", "acct_maya_new", "W-9", byAdmin))
	_, err = e.acts.CreateTransferRetry(ctx, in)
	typ, final = errType(err)
	require.Equal(t, activities.ErrTypeTransferInDoubt, typ)
	require.False(t, final)
	require.NoError(t, e.st.UpdatePayoutProfile(ctx, "c1", "acct_maya", "W-9", byAdmin))
	again, err := e.acts.CreateTransferRetry(ctx, in)
	require.NoError(t, err)
	require.Equal(t, first.TransferID, again.TransferID)
}

func TestCreateEnvelopeUsesStoredDetails(t *testing.T) {
	e := newEnv(t)
	out, err := e.acts.CreateEnvelope(context.Background(), activities.EnvelopeInput{IdempotencyKey: "p1/envelope/1",
		PartnershipID: "p1", CreatorID: "c1", BrandID: "b1", BrandName: "Acme", Jurisdiction: "US",
		Terms: partnership.Terms{Kind: "one_off", Fee: partnership.Money{AmountMinor: 100, Currency: "USD"},
			Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "post"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, out.EnvelopeID)
	require.Contains(t, out.SigningURLs, "creator")
	require.Contains(t, out.SigningURLs, "brand")

	_, err = e.acts.CreateEnvelope(context.Background(), activities.EnvelopeInput{IdempotencyKey: "p2/envelope/1", CreatorID: "nobody", BrandID: "b1"})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	require.True(t, appErr.NonRetryable(), "a missing creator never appears by retrying")
}

// TestVoidEnvelopeReportsFinalStatus: the provider refuses to void a completed or a declined
// envelope with the same 409; the activity tells the workflow which it was.
func TestVoidEnvelopeReportsFinalStatus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	envelope := func(key string) activities.EnvelopeOutput {
		out, err := e.acts.CreateEnvelope(ctx, activities.EnvelopeInput{IdempotencyKey: key, PartnershipID: "p1",
			CreatorID: "c1", BrandID: "b1", BrandName: "Acme", Jurisdiction: "US",
			Terms: partnership.Terms{Kind: "one_off", Fee: partnership.Money{AmountMinor: 100, Currency: "USD"},
				Deliverables: []partnership.DeliverableSpec{{Platform: "instagram", Format: "post"}}}})
		require.NoError(t, err)
		return out
	}
	signingPath := func(u string) string { return strings.TrimPrefix(u, e.sb) }

	pending := envelope("p1/envelope/1")
	require.NoError(t, e.acts.VoidEnvelope(ctx, activities.VoidInput{EnvelopeID: pending.EnvelopeID, Reason: "cancelled"}))
	require.NoError(t, e.acts.VoidEnvelope(ctx, activities.VoidInput{EnvelopeID: pending.EnvelopeID, Reason: "again"}))
	require.NoError(t, e.acts.VoidEnvelope(ctx, activities.VoidInput{EnvelopeID: "no-such-envelope", Reason: "x"}))

	signed := envelope("p1/envelope/2")
	for _, u := range signed.SigningURLs {
		e.post(t, signingPath(u), `{}`)
	}
	declined := envelope("p1/envelope/3")
	e.post(t, signingPath(declined.SigningURLs["creator"])+"/decline", `{"reason":"no"}`)

	for envelopeID, want := range map[string]string{signed.EnvelopeID: "completed", declined.EnvelopeID: "declined"} {
		err := e.acts.VoidEnvelope(ctx, activities.VoidInput{EnvelopeID: envelopeID, Reason: "cancelled"})
		var appErr *temporal.ApplicationError
		require.True(t, errors.As(err, &appErr), "%v", err)
		require.Equal(t, activities.ErrTypeEnvelopeFinal, appErr.Type())
		require.True(t, appErr.NonRetryable())
		var final activities.EnvelopeFinal
		require.NoError(t, appErr.Details(&final))
		require.Equal(t, want, final.Status)
	}
}

func TestVerifyPost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.post(t, "/sandbox/social/accounts", `{"platform":"instagram","handle":"maya","followers":1000,"following":10,"posts":[]}`)
	caption := "#ad my @acme shoes, code MAYA10"
	res, err := http.Post(e.sb+"/sandbox/social/posts", "application/json",
		strings.NewReader(`{"platform":"instagram","handle":"maya","caption":"`+caption+`"}`))
	require.NoError(t, err)
	var post struct{ URL, ID string }
	require.NoError(t, decode(res, &post))

	in := activities.VerifyInput{URL: post.URL, Handle: "maya", ApprovedCaption: caption, DiscountCode: "MAYA10",
		Disclosure: activities.DisclosureInput{Platform: "instagram", Format: "post", Jurisdiction: "US", BrandName: "Acme", BrandHandles: []string{"@acme"}}}
	rep, err := e.acts.VerifyPost(ctx, in)
	require.NoError(t, err)
	require.True(t, rep.Verified, "%v", rep.Reasons)

	wrong := in
	wrong.Handle = "someone_else"
	wrong.DiscountCode = "OTHER1"
	rep, err = e.acts.VerifyPost(ctx, wrong)
	require.NoError(t, err)
	require.False(t, rep.Verified)
	require.ElementsMatch(t, []string{activities.ReasonWrongAccount, activities.ReasonNoCodeOrLink}, rep.Reasons)

	// Retyped with other case and spacing, it still matches; with text the brand never
	// approved (another brand's promotion) it does not.
	for caption, ok := range map[string]bool{
		"#AD  my   @acme SHOES,  code MAYA10":                               true,
		caption + " Also check out @globex, use code GLOBEX20 for 20% off!": false,
	} {
		e.send(t, http.MethodPatch, "/sandbox/social/posts/"+post.ID, `{"caption":"`+caption+`"}`)
		rep, err = e.acts.VerifyPost(ctx, in)
		require.NoError(t, err)
		require.Equal(t, ok, rep.Verified, "%q: %v", caption, rep.Reasons)
		if !ok {
			require.Equal(t, []string{activities.ReasonCaptionMismatch}, rep.Reasons)
		}
	}

	req, _ := http.NewRequest(http.MethodPatch, e.sb+"/sandbox/social/posts/"+post.ID, strings.NewReader(`{"caption":"my shoes, code MAYA10"}`))
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	rep, err = e.acts.VerifyPost(ctx, in)
	require.NoError(t, err)
	require.Contains(t, rep.Reasons, activities.ReasonDisclosure, "disclosure edited out")
	require.Contains(t, rep.Reasons, activities.ReasonCaptionMismatch)

	rep, err = e.acts.VerifyPost(ctx, activities.VerifyInput{URL: e.sb + "/sandbox/social/p/does-not-exist", Disclosure: in.Disclosure})
	require.NoError(t, err)
	require.Equal(t, []string{activities.ReasonNotFound}, rep.Reasons)
}

// TestVerifyPostPlatformAndReuse: a post on another platform than its deliverable's fails
// with wrong_platform (the sandbox says which platform a post is on), and a post already
// verified for another deliverable fails with post_used_for_another_deliverable.
func TestVerifyPostPlatformAndReuse(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	caption := "#ad my @acme shoes, code MAYA10"
	res, err := http.Post(e.sb+"/sandbox/social/posts", "application/json",
		strings.NewReader(`{"platform":"tiktok","handle":"maya.tt","caption":"`+caption+`"}`))
	require.NoError(t, err)
	var post struct{ URL, ID string }
	require.NoError(t, decode(res, &post))

	in := activities.VerifyInput{URL: post.URL, Handle: "maya.tt", Platform: "tiktok", ApprovedCaption: caption, DiscountCode: "MAYA10",
		Disclosure: activities.DisclosureInput{Platform: "tiktok", Format: "video", Jurisdiction: "US", BrandName: "Acme", BrandHandles: []string{"@acme"},
			OnscreenDisclosure: true, SpokenDisclosure: true}}
	rep, err := e.acts.VerifyPost(ctx, in)
	require.NoError(t, err)
	require.True(t, rep.Verified, "%v", rep.Reasons)

	// The TikTok post submitted for an Instagram deliverable.
	onInstagram := in
	onInstagram.Platform, onInstagram.Disclosure.Platform, onInstagram.Disclosure.Format = "instagram", "instagram", "post"
	rep, err = e.acts.VerifyPost(ctx, onInstagram)
	require.NoError(t, err)
	require.False(t, rep.Verified)
	require.Equal(t, []string{activities.ReasonWrongPlatform}, rep.Reasons)

	// An input scheduled before Platform existed still carries the platform in Disclosure.
	onInstagram.Platform = ""
	rep, err = e.acts.VerifyPost(ctx, onInstagram)
	require.NoError(t, err)
	require.Equal(t, []string{activities.ReasonWrongPlatform}, rep.Reasons)

	reused := in
	reused.OtherMediaIDs = []string{"17800000000000001", post.ID}
	rep, err = e.acts.VerifyPost(ctx, reused)
	require.NoError(t, err)
	require.False(t, rep.Verified)
	require.Equal(t, []string{activities.ReasonPostReused}, rep.Reasons)
}

// TestCollectConversionsSumsOneCurrency: the deal's currency is counted; an order in another
// currency is not, and is listed in OtherCurrencies.
func TestCollectConversionsSumsOneCurrency(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dc, err := e.acts.CreateDiscountCode(ctx, activities.DiscountInput{IdempotencyKey: "p1/discount/1", PartnershipID: "p1abcdef", CreatorHandle: "@maya"})
	require.NoError(t, err)
	require.Equal(t, "MAYAP1ABCDEF", dc.Code)
	e.post(t, "/sandbox/commerce/orders", `{"code":"`+dc.Code+`","amount_minor":1999,"currency":"USD"}`)
	e.post(t, "/sandbox/commerce/orders", `{"code":"`+dc.Code+`","amount_minor":1001,"currency":"USD"}`)
	e.post(t, "/sandbox/commerce/orders", `{"code":"`+dc.Code+`","amount_minor":5000,"currency":"EUR"}`)
	e.post(t, "/sandbox/social/accounts", `{"platform":"instagram","handle":"maya","followers":1000,"following":10,"posts":[]}`)
	res, err := http.Post(e.sb+"/sandbox/social/posts", "application/json",
		strings.NewReader(`{"platform":"instagram","handle":"maya","caption":"#ad hi","likes":120,"comments":7}`))
	require.NoError(t, err)
	var post struct{ URL string }
	require.NoError(t, decode(res, &post))
	out, err := e.acts.CollectConversions(ctx, activities.ConversionsInput{Code: dc.Code, Currency: "USD",
		PostURLs: []string{post.URL, e.sb + "/sandbox/social/p/deleted-or-unknown"}})
	require.NoError(t, err)
	require.EqualValues(t, 2, out.Conversions)
	require.Equal(t, partnership.Money{AmountMinor: 3000, Currency: "USD"}, out.Revenue)
	require.Equal(t, partnership.PostMetrics{Posts: 1, Likes: 120, Comments: 7}, out.PostMetrics)
	require.Equal(t, []partnership.CurrencyOrders{{Orders: 1, Revenue: partnership.Money{AmountMinor: 5000, Currency: "EUR"}}},
		out.OtherCurrencies, "left out of the count, and said")

	// A count bounded at a moment takes the orders before it; the next count, from that
	// moment, the ones after: each order once.
	mid := time.Now().UTC()
	time.Sleep(2 * time.Millisecond) // the sandbox stamps orders with its clock
	e.post(t, "/sandbox/commerce/orders", `{"code":"`+dc.Code+`","amount_minor":700,"currency":"USD"}`)
	before, err := e.acts.CollectConversions(ctx, activities.ConversionsInput{Code: dc.Code, Currency: "USD", Until: mid})
	require.NoError(t, err)
	after, err := e.acts.CollectConversions(ctx, activities.ConversionsInput{Code: dc.Code, Currency: "USD", Since: mid})
	require.NoError(t, err)
	require.Equal(t, partnership.Money{AmountMinor: 3000, Currency: "USD"}, before.Revenue)
	require.Equal(t, partnership.Money{AmountMinor: 700, Currency: "USD"}, after.Revenue)
	require.Empty(t, after.OtherCurrencies, "the EUR order is before the bound")
}

func TestRecordTransitionWritesSnapshotAndEventsOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, e.st.CreateCampaign(ctx, &store.Campaign{ID: "camp", BrandID: "b1", Settings: store.JSON(`{}`), CreatedAt: now}))
	require.NoError(t, e.st.CreatePartnership(ctx, &store.Partnership{ID: "p1", BrandID: "b1", CampaignID: "camp", CreatorID: "c1",
		Stage: "vetting", State: store.JSON(`{}`), CreatedAt: now, UpdatedAt: now}))
	due := now.Add(time.Hour)
	in := activities.RecordInput{Version: 3, State: partnership.State{ID: "p1", Stage: partnership.StageNegotiation, UpdatedAt: now,
		NextAction: &partnership.NextAction{Role: "creator", Action: "answer_offer", DueAt: &due}},
		Events: []activities.AuditEvent{{Seq: 1, Type: "created", Actor: "ann", Role: "brand_manager", At: now}}}
	require.NoError(t, e.acts.RecordTransition(ctx, in))
	require.NoError(t, e.acts.RecordTransition(ctx, in))
	p, err := e.st.GetPartnership(ctx, "p1")
	require.NoError(t, err)
	require.Equal(t, "negotiation", p.Stage)
	require.Equal(t, "answer_offer", p.NextAction)
	require.True(t, due.Equal(*p.DueAt))

	// Late since a missed deadline whose clock started again: the row's due column keeps
	// when it was first missed, so the overdue lists find it.
	missed := now.Add(-time.Hour)
	in.Version, in.Events = 4, nil
	in.State.NextAction = &partnership.NextAction{Role: "creator", Action: "answer_offer", DueAt: &due, OverdueSince: &missed}
	require.NoError(t, e.acts.RecordTransition(ctx, in))
	p, err = e.st.GetPartnership(ctx, "p1")
	require.NoError(t, err)
	require.True(t, missed.Equal(*p.DueAt), "due column %s, want %s", p.DueAt, missed)
	evs, err := e.st.ListEvents(ctx, "p1", 0, 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.JSONEq(t, `{}`, string(evs[0].Data), "an event without data has {}, as the OpenAPI document says")
}

func TestDiscountCodeFor(t *testing.T) {
	// Two UUIDv7 ids made milliseconds apart share their leading characters; their codes must not.
	a := activities.DiscountCodeFor("@maya", "01a20a25-4a97-7670-8a4a-99507cb19176")
	b := activities.DiscountCodeFor("@maya", "01a20a25-4a98-7e01-9b2c-1f0e3d5a7c42")
	require.Equal(t, "MAYA7CB19176", a)
	require.NotEqual(t, a, b)
	require.Equal(t, "JOSMARA123ABC123", activities.DiscountCodeFor("josé.maría_123", "abc123"), "non-ASCII letters and punctuation are dropped")
}

func decode(res *http.Response, into any) error {
	defer func() { _ = res.Body.Close() }()
	return json.NewDecoder(res.Body).Decode(into)
}

// TestNotifyTeam: a reminder for finance or admins goes to the deployment's address for the
// team, and nowhere when none is set or the role has no team.
func TestNotifyTeam(t *testing.T) {
	e := newEnv(t)
	e.acts.Teams = activities.Teams{Finance: "finance@acme.example"}
	ctx := context.Background()
	for _, in := range []activities.TeamNotifyInput{
		{IdempotencyKey: "p1/email/reminder/trigger_payout/3", Role: partnership.RoleFinance, Subject: "Reminder", Text: "trigger it"},
		{IdempotencyKey: "p1/email/reminder/retry_verify_post/4", Role: partnership.RoleAdmin, Subject: "Reminder", Text: "retry it"},
		{IdempotencyKey: "p1/email/reminder/review_draft/5", Role: partnership.RoleBrandManager, Subject: "Reminder", Text: "not a team"},
	} {
		require.NoError(t, e.acts.NotifyTeam(ctx, in))
	}
	res, err := http.Get(e.sb + "/sandbox/messages")
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	var msgs struct {
		Items []struct {
			To, Subject, Text string
			Key               string `json:"idempotency_key"`
		} `json:"items"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&msgs))
	require.Len(t, msgs.Items, 1, "only finance has an address")
	require.Equal(t, "finance@acme.example", msgs.Items[0].To)
	require.Equal(t, "p1/email/reminder/trigger_payout/3", msgs.Items[0].Key)
	require.Equal(t, "trigger it", msgs.Items[0].Text)
}

// TestNotifyBrandTurnEmails: a brand that turned the turn e-mails off is not sent them, from
// the moment it does; its other e-mails (reminders, overdue notices, failures), and inputs
// recorded before turn e-mails were marked, are still sent.
func TestNotifyBrandTurnEmails(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	require.NoError(t, e.st.CreateBrand(ctx, &store.Brand{ID: "b2", Name: "Globex", ContactEmail: "partners@globex.example",
		Handles: store.JSON(`[]`), TurnEmails: true, CreatedAt: time.Now().UTC()}, byAdmin))
	send := func(in activities.BrandNotifyInput) {
		t.Helper()
		in.BrandID, in.Text = "b2", "text"
		require.NoError(t, e.acts.NotifyBrand(ctx, in))
	}
	send(activities.BrandNotifyInput{IdempotencyKey: "p1/email/draft_submitted/d1/1", Subject: "A draft is ready for your review", Turn: true})
	off := false
	_, err := e.st.UpdateBrand(ctx, "b2", store.BrandChanges{TurnEmails: &off}, byAdmin)
	require.NoError(t, err)
	send(activities.BrandNotifyInput{IdempotencyKey: "p1/email/draft_submitted/d1/2", Subject: "A draft is ready for your review", Turn: true})
	send(activities.BrandNotifyInput{IdempotencyKey: "p1/email/reminder/review_draft/3", Subject: "Reminder: action needed on your partnership"})
	var recorded activities.BrandNotifyInput
	require.NoError(t, json.Unmarshal([]byte(`{"idempotency_key":"p1/email/countered/2/4","brand_id":"b2",
		"subject":"The creator countered your offer","text":"text"}`), &recorded))
	send(recorded)

	res, err := http.Get(e.sb + "/sandbox/messages")
	require.NoError(t, err)
	var msgs struct {
		Items []struct {
			To  string
			Key string `json:"idempotency_key"`
		} `json:"items"`
	}
	require.NoError(t, decode(res, &msgs))
	var keys []string
	for _, m := range msgs.Items {
		require.Equal(t, "partners@globex.example", m.To)
		keys = append(keys, m.Key)
	}
	require.Equal(t, []string{"p1/email/draft_submitted/d1/1", "p1/email/reminder/review_draft/3", "p1/email/countered/2/4"}, keys)
}

// TestRecordTransitionKeepsFinishedCyclesWhole: the hand-over's write (the one with
// cycle_completed) keeps every whole cycle summary it holds; the next run writes them compact
// and the partnership still reads whole. Writes without cycle_completed keep nothing.
func TestRecordTransitionKeepsFinishedCyclesWhole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, e.st.CreateCampaign(ctx, &store.Campaign{ID: "camp", BrandID: "b1", Settings: store.JSON(`{}`), CreatedAt: now}))
	require.NoError(t, e.st.CreatePartnership(ctx, &store.Partnership{ID: "p1", BrandID: "b1", CampaignID: "camp", CreatorID: "c1",
		Stage: "content", State: store.JSON(`{}`), CreatedAt: now, UpdatedAt: now}))
	summary := func(n int) partnership.CycleSummary {
		return partnership.CycleSummary{Cycle: n, StartedAt: now,
			Deliverables: []partnership.Deliverable{{ID: "d1", Status: partnership.DeliverableVerified,
				Publication: &partnership.Publication{URL: fmt.Sprintf("https://instagram.example/p/%d", n)}}},
			Payouts: []partnership.Payout{{ID: fmt.Sprintf("c%d-po_1", n), Status: partnership.PayoutPaid}}}
	}
	state := func(cycle int, cycles ...partnership.CycleSummary) partnership.State {
		return partnership.State{ID: "p1", Stage: partnership.StageContent, Cycle: cycle, Cycles: cycles, UpdatedAt: now,
			Deliverables: []partnership.Deliverable{}, Payouts: []partnership.Payout{}}
	}
	completed := []activities.AuditEvent{{Seq: 9, Type: partnership.EventCycleCompleted, Actor: "system", Role: "system", At: now}}
	// Cycle 1 closed on old code: its write without the event keeps nothing, the hand-over
	// of cycle 2 keeps both (cycle 1 was carried whole).
	require.NoError(t, e.acts.RecordTransition(ctx, activities.RecordInput{Version: 5, State: state(2, summary(1))}))
	whole, err := e.st.WithCycles(ctx, "p1", store.JSON(`{"cycles":[{"cycle":1,"deliverables":null}]}`))
	require.NoError(t, err)
	require.JSONEq(t, `{"cycles":[{"cycle":1,"deliverables":null}]}`, string(whole), "no cycle kept without cycle_completed")
	require.NoError(t, e.acts.RecordTransition(ctx, activities.RecordInput{Version: 9, State: state(3, summary(1), summary(2)), Events: completed}))
	require.NoError(t, e.acts.RecordTransition(ctx, activities.RecordInput{Version: 10,
		State: state(3, summary(1).Compact(), summary(2).Compact())}))

	p, err := e.st.GetPartnership(ctx, "p1")
	require.NoError(t, err)
	var st partnership.State
	require.NoError(t, json.Unmarshal(p.State, &st))
	require.Len(t, st.Cycles, 2)
	for i, c := range st.Cycles {
		require.Equal(t, i+1, c.Cycle)
		require.Len(t, c.Deliverables, 1, "cycle %d reads whole", c.Cycle)
		require.Equal(t, fmt.Sprintf("https://instagram.example/p/%d", i+1), c.Deliverables[0].Publication.URL)
		require.Equal(t, fmt.Sprintf("c%d-po_1", i+1), c.Payouts[0].ID)
	}
	require.EqualValues(t, 10, p.StateVersion)
}
