package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/store"
)

type ctxT = context.Context

type moneyBody struct {
	AmountMinor int64  `json:"amount_minor" validate:"min=0,max=100000000000"`
	Currency    string `json:"currency" validate:"required,iso4217"`
}

type deliverableBody struct {
	Platform string `json:"platform" validate:"required,oneof=instagram tiktok youtube x facebook"`
	Format   string `json:"format" validate:"required,oneof=post reel story video short live"`
}

type termsBody struct {
	Kind            string            `json:"kind" validate:"required,oneof=one_off ambassador affiliate gifting"`
	Fee             moneyBody         `json:"fee"`
	CommissionBps   int64             `json:"commission_bps" validate:"min=0,max=10000"`
	KillFee         *moneyBody        `json:"kill_fee"`
	UsageRightsDays int               `json:"usage_rights_days" validate:"min=0,max=3650"`
	ExclusivityDays int               `json:"exclusivity_days" validate:"min=0,max=3650"`
	Deliverables    []deliverableBody `json:"deliverables" validate:"required,min=1,max=20,dive"`
	PeriodSeconds   int64             `json:"period_seconds" validate:"min=0,max=31536000"`
	EndsAt          *time.Time        `json:"ends_at"`
}

func (t termsBody) terms() partnership.Terms {
	out := partnership.Terms{
		Kind: t.Kind, Fee: partnership.Money(t.Fee), CommissionBps: t.CommissionBps,
		UsageRightsDays: t.UsageRightsDays, ExclusivityDays: t.ExclusivityDays,
		KillFee:       partnership.Money{Currency: t.Fee.Currency},
		PeriodSeconds: t.PeriodSeconds,
	}
	if t.EndsAt != nil {
		end := t.EndsAt.UTC()
		out.EndsAt = &end
	}
	if t.KillFee != nil {
		out.KillFee = partnership.Money(*t.KillFee)
	}
	for _, d := range t.Deliverables {
		out.Deliverables = append(out.Deliverables, partnership.DeliverableSpec(d))
	}
	return out
}

// check enforces what tags cannot: one currency for all money in the terms, the period and
// end date that an ambassador partnership needs (and no other kind takes), and money that
// fits the kind (checkWorth).
func (t termsBody) check(prefix string) error {
	if t.Kind == partnership.KindAmbassador {
		switch {
		case t.PeriodSeconds < 1:
			return invalidFields(map[string]string{prefix + ".period_seconds": "is required for an ambassador partnership"})
		case t.EndsAt == nil || !t.EndsAt.After(time.Now()):
			return invalidFields(map[string]string{prefix + ".ends_at": "must be a future time for an ambassador partnership"})
		}
	} else if t.PeriodSeconds != 0 || t.EndsAt != nil {
		return invalidFields(map[string]string{prefix + ".period_seconds": "only ambassador partnerships repeat per period"})
	}
	if t.KillFee != nil && t.KillFee.Currency != t.Fee.Currency {
		return invalidFields(map[string]string{prefix + ".kill_fee.currency": "must equal fee.currency"})
	}
	if t.KillFee != nil && t.KillFee.AmountMinor > t.Fee.AmountMinor {
		return invalidFields(map[string]string{prefix + ".kill_fee.amount_minor": "must not exceed the fee"})
	}
	return t.checkWorth(prefix)
}

type createPartnershipRequest struct {
	CampaignID string    `json:"campaign_id" validate:"required"`
	CreatorID  string    `json:"creator_id" validate:"required"`
	Offer      termsBody `json:"offer"`
}

type partnershipSummary struct {
	ID         string                  `json:"id"`
	BrandID    string                  `json:"brand_id"`
	CampaignID string                  `json:"campaign_id"`
	CreatorID  string                  `json:"creator_id"`
	Stage      string                  `json:"stage"`
	Outcome    string                  `json:"outcome,omitempty"`
	NextAction *partnership.NextAction `json:"next_action"`
	CreatedAt  string                  `json:"created_at"`
	UpdatedAt  string                  `json:"updated_at"`
}

func summary(p store.Partnership) partnershipSummary {
	out := partnershipSummary{ID: p.ID, BrandID: p.BrandID, CampaignID: p.CampaignID, CreatorID: p.CreatorID,
		Stage: p.Stage, Outcome: p.Outcome, CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt)}
	if p.NextAction != "" {
		out.NextAction = &partnership.NextAction{Role: p.NextActionRole, Action: p.NextAction, DueAt: p.DueAt}
	}
	return out
}

func (s *Server) createPartnership(c echo.Context) error {
	id := identity(c)
	if err := allow(id, partnership.RoleBrandManager, partnership.RoleAdmin); err != nil {
		return err
	}
	var req createPartnershipRequest
	// Decode, check the campaign is the caller's, then validate: outsiders get 404 whatever
	// the body.
	if err := c.Bind(&req); err != nil {
		return err
	}
	if req.CampaignID == "" {
		return invalidFields(map[string]string{"campaign_id": "is required"})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	camp, settings, err := s.loadCampaign(ctx, id, req.CampaignID)
	if err != nil {
		return err
	}
	if err := validate(c, &req); err != nil {
		return err
	}
	if err := req.Offer.check("offer"); err != nil {
		return err
	}
	creator, err := s.store.GetCreator(ctx, req.CreatorID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("creator")
	} else if err != nil {
		return err
	}
	brand, err := s.store.GetBrand(ctx, camp.BrandID)
	if err != nil {
		return err
	}
	offer := req.Offer.terms()
	// Every deliverable's post is verified against the creator's account on its platform, so
	// the creator needs one on each; the first deliverable's is the one vetting reads.
	handles := creatorHandles(creator)
	missing := map[string]string{}
	for i, d := range offer.Deliverables {
		if _, ok := handles[d.Platform]; !ok {
			missing[fmt.Sprintf("offer.deliverables[%d].platform", i)] = "the creator has no " + d.Platform + " account"
		}
	}
	if len(missing) > 0 {
		return invalidFields(missing)
	}
	platform := offer.Deliverables[0].Platform
	var brandHandles []string
	_ = json.Unmarshal(brand.Handles, &brandHandles)

	// The id, and the row an earlier attempt with this Idempotency-Key left: see the
	// invariant in partnership_start.go.
	pid, prev, err := s.createTarget(ctx, c, camp.ID, creator.ID, offer)
	if err != nil {
		return err
	}
	if prev != nil && prev.StateVersion > 0 {
		// The earlier attempt's workflow has run and written its state: it is the answer.
		return c.JSON(http.StatusCreated, summary(*prev))
	}
	now := s.now().Truncate(time.Microsecond)
	if prev != nil {
		now = prev.CreatedAt // the same input as the attempt that wrote the row
	}
	in := partnership.Input{
		PartnershipID: pid, BrandID: camp.BrandID, CreatorID: creator.ID, CreatorHandle: handles[platform], Platform: platform,
		CreatorHandles: handles, BrandName: brand.Name, BrandHandles: brandHandles, Campaign: settings, Offer: offer, CreatedBy: id.Actor(), CreatedAt: now,
		TransferLookupSeconds: int64(s.cfg.TransferLookupAfter / time.Second),
	}
	initial := partnership.State{ID: pid, BrandID: in.BrandID, CampaignID: settings.ID, CreatorID: creator.ID,
		Stage: partnership.StageVetting, Cycle: 1, Terms: offer, Deliverables: []partnership.Deliverable{}, Payouts: []partnership.Payout{},
		Negotiation: partnership.Negotiation{History: []partnership.NegotiationEntry{}}, CreatedAt: now, UpdatedAt: now,
		NextAction: &partnership.NextAction{Role: partnership.RoleSystem, Action: "vet_creator"}}
	raw, _ := json.Marshal(initial)
	row := store.Partnership{ID: pid, BrandID: in.BrandID, CampaignID: settings.ID, CreatorID: creator.ID,
		Stage: string(partnership.StageVetting), NextActionRole: partnership.RoleSystem, NextAction: "vet_creator",
		State: raw, CreatedAt: now, UpdatedAt: now}
	// The row first, so the partnership is listable when we answer and its workflow never
	// runs without it.
	if prev == nil {
		if err := s.store.CreatePartnership(ctx, &row); err != nil {
			return err
		}
	} else {
		var written bool
		row, written, err = s.retakeRow(ctx, *prev)
		if err != nil {
			return err
		}
		if written {
			return c.JSON(http.StatusCreated, summary(row)) // its workflow wrote it meanwhile
		}
	}
	started, err := s.startWorkflow(ctx, in)
	switch {
	case started:
		return c.JSON(http.StatusCreated, summary(row))
	case errors.Is(err, errStartInDoubt):
		// The row is listed either way until the reconciler has asked Temporal.
		detail := "Temporal did not say whether the partnership was created, so it may exist: a retry with the same " +
			"Idempotency-Key answers with it if it does; a create whose workflow never started is removed within minutes"
		if c.Request().Header.Get(idempotencyHeader) == "" {
			detail = "Temporal did not say whether the partnership was created, so it may exist; a create whose workflow " +
				"never started is removed within minutes, so one still listed after that exists"
		}
		return problem(http.StatusServiceUnavailable, detail)
	}
	// No workflow has the id: nothing was created, and the client may retry.
	bg, cancel2 := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel2()
	if derr := s.store.DeletePartnership(bg, pid); derr != nil {
		s.log.WarnContext(ctx, "could not delete the row of a partnership whose workflow did not start",
			"partnership_id", pid, "error", derr)
	}
	return err
}

// creatorHandles maps each platform the creator has an account on to its handle (the first
// account listed, should there be several on one platform).
func creatorHandles(c store.Creator) map[string]string {
	var accts []account
	_ = json.Unmarshal(c.Accounts, &accts)
	out := make(map[string]string, len(accts))
	for _, a := range accts {
		if _, ok := out[a.Platform]; !ok {
			out[a.Platform] = a.Handle
		}
	}
	return out
}

func (s *Server) listPartnerships(c echo.Context) error {
	id := identity(c)
	limit, err := parseLimit(c)
	if err != nil {
		return err
	}
	f := store.PartnershipFilter{Stage: c.QueryParam("stage"), CampaignID: c.QueryParam("campaign_id"),
		CreatorID: c.QueryParam("creator_id"), NextRole: c.QueryParam("next_role"), Limit: limit, Cursor: c.QueryParam("cursor")}
	if err := workQueueFilter(c, &f, s.now()); err != nil {
		return err
	}
	if err := scopeFilter(id, &f); err != nil {
		// Filtering on someone else's creator or brand shows an empty list, not an error.
		return c.JSON(http.StatusOK, map[string]any{"items": []partnershipSummary{}, "next_cursor": ""})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rows, next, err := s.store.ListPartnerships(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return invalidFields(map[string]string{"cursor": "is not a cursor this server issued"})
	}
	if err != nil {
		return err
	}
	items := make([]partnershipSummary, 0, len(rows))
	for _, r := range rows {
		items = append(items, summary(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

// workQueueFilter checks the list's filters and reads those of a work queue: whose turn it
// is (next_role), what is overdue (overdue=true), and soonest deadline first
// (order=due_at). Every bad value is named at once.
func workQueueFilter(c echo.Context, f *store.PartnershipFilter, now time.Time) error {
	bad := map[string]string{}
	if f.Stage != "" && !partnership.Stage(f.Stage).Valid() {
		bad["stage"] = "is not a stage"
	}
	if f.NextRole != "" && f.NextRole != partnership.RoleSystem && !slices.Contains(partnership.Roles, f.NextRole) {
		bad["next_role"] = "must be brand_manager, creator, finance, admin or system"
	}
	if v := c.QueryParam("overdue"); v != "" {
		if v != "true" && v != "false" {
			bad["overdue"] = "must be true or false"
		}
		f.Overdue, f.OverdueAt = v == "true", now
	}
	switch c.QueryParam("order") {
	case "", "created_at":
	case "due_at":
		f.ByDue = true
	default:
		bad["order"] = "must be created_at (newest first) or due_at (soonest deadline first)"
	}
	if len(bad) > 0 {
		return invalidFields(bad)
	}
	return nil
}

// parseSeqPage reads a page of an append-only list: ?limit= and a ?cursor= that is the last
// sequence number of the page before.
func parseSeqPage(c echo.Context) (int, int64, error) {
	limit, err := parseLimit(c)
	if err != nil {
		return 0, 0, err
	}
	var after int64
	if cur := c.QueryParam("cursor"); cur != "" {
		after, err = strconv.ParseInt(cur, 10, 64)
		if err != nil || after < 0 {
			return 0, 0, invalidFields(map[string]string{"cursor": "is not a cursor this server issued"})
		}
	}
	return limit, after, nil
}

// seqPage cuts rows, read with one more than limit, to the page and says the next page's
// cursor: the last row's sequence number, or "" on the last page.
func seqPage[T any](rows []T, limit int, seq func(T) int64) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, strconv.FormatInt(seq(rows[len(rows)-1]), 10)
}

func parseLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, invalidFields(map[string]string{"limit": "must be an integer from 1 to 200"})
	}
	return n, nil
}

// loadPartnership loads a partnership the caller may see.
func (s *Server) loadPartnership(c echo.Context, ctx context.Context) (store.Partnership, error) {
	p, err := s.store.GetPartnership(ctx, c.Param("id"))
	return inScope(c, p, err)
}

// loadPartnershipHead is loadPartnership without the state document.
func (s *Server) loadPartnershipHead(c echo.Context, ctx context.Context) (store.Partnership, error) {
	p, err := s.store.GetPartnershipHead(ctx, c.Param("id"))
	return inScope(c, p, err)
}

// inScope answers 404 for a partnership that does not exist or the caller may not see.
func inScope(c echo.Context, p store.Partnership, err error) (store.Partnership, error) {
	if errors.Is(err, store.ErrNotFound) || (err == nil && !seesPartnership(identity(c), p)) {
		return p, notFound("partnership")
	}
	return p, err
}

func (s *Server) getPartnership(c echo.Context) error {
	id := identity(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	// A client polling for the next change sends the ETag it holds: an unchanged partnership
	// is answered 304 from the row's version, without reading or sending the state document.
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" {
		head, err := s.loadPartnershipHead(c, ctx)
		if err != nil {
			return err
		}
		if etagMatches(inm, stateETag(head.StateVersion, id.Role)) {
			c.Response().Header().Set("ETag", stateETag(head.StateVersion, id.Role))
			return c.NoContent(http.StatusNotModified)
		}
	}
	p, err := s.loadPartnership(c, ctx)
	if err != nil {
		return err
	}
	doc, err := stateView(id, p.State)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", stateETag(p.StateVersion, id.Role))
	return c.JSONBlob(http.StatusOK, doc)
}

// stateETag names a version of a partnership's state in the stored documents' shape, as the
// role's view shows it (RFC 9110 entity tag). The version only grows and a migration that
// rewrites the documents changes the shape, so equal tags mean the same document: a client
// holding a tag from before such a migration gets the rewritten document, not a 304.
func stateETag(version int64, role string) string {
	return `"v` + strconv.FormatInt(version, 10) + "." + strconv.Itoa(store.StateShape) + "." + viewName(role) + `"`
}

// etagMatches applies If-None-Match's weak comparison: any listed tag, or *, matches.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func (s *Server) listEvents(c echo.Context) error {
	limit, after, err := parseSeqPage(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if _, err := s.loadPartnershipHead(c, ctx); err != nil {
		return err
	}
	evs, err := s.store.ListEvents(ctx, c.Param("id"), after, limit+1)
	if err != nil {
		return err
	}
	evs, next := seqPage(evs, limit, func(e store.Event) int64 { return e.Seq })
	for i := range evs {
		if err := eventView(identity(c), &evs[i]); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": nonNil(evs), "next_cursor": next})
}
