package partnership

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Clone returns a deep copy of the state: nothing in the copy shares memory with s, so one
// side can change while the other is read or serialised on another goroutine. Nil and empty
// slices stay as they were (the JSON form tells null from []). TestCloneSharesNothing walks
// every field by reflection, so a reference-typed field added without a line here fails it.
func (s State) Clone() State {
	out := s
	out.Terms = s.Terms.Clone()
	out.Vetting.Report = cloneRaw(s.Vetting.Report)
	out.Negotiation.History = cloneEach(s.Negotiation.History, NegotiationEntry.clone)
	out.Contract = s.Contract.clone()
	out.Tracking = s.Tracking.clone()
	out.Deliverables = cloneEach(s.Deliverables, Deliverable.clone)
	out.Payouts = cloneEach(s.Payouts, Payout.clone)
	out.NextAction = clonePtr(s.NextAction, NextAction.clone)
	out.Cycles = cloneEach(s.Cycles, CycleSummary.clone)
	out.Cancellation = clonePtr(s.Cancellation, func(c Cancellation) Cancellation { return c })
	out.ComplianceHold = clonePtr(s.ComplianceHold, ComplianceHold.clone)
	out.ProviderHold = clonePtr(s.ProviderHold, func(h ProviderHold) ProviderHold { return h })
	out.ExclusivityEndsAt = cloneTime(s.ExclusivityEndsAt)
	out.UsageRightsEndAt = cloneTime(s.UsageRightsEndAt)
	return out
}

// Clone returns a deep copy of the terms.
func (t Terms) Clone() Terms {
	t.Deliverables = slices.Clone(t.Deliverables)
	t.EndsAt = cloneTime(t.EndsAt)
	return t
}

func (e NegotiationEntry) clone() NegotiationEntry {
	e.Terms = clonePtr(e.Terms, Terms.Clone)
	return e
}

func (c Contract) clone() Contract {
	if c.SigningURLs != nil {
		c.SigningURLs = maps.Clone(c.SigningURLs)
	}
	c.SignedAt = cloneTime(c.SignedAt)
	c.Signers.Creator.SignedAt = cloneTime(c.Signers.Creator.SignedAt)
	c.Signers.Brand.SignedAt = cloneTime(c.Signers.Brand.SignedAt)
	return c
}

func (t Tracking) clone() Tracking {
	t.PostMetrics = clonePtr(t.PostMetrics, func(m PostMetrics) PostMetrics { return m })
	t.OtherCurrencies = cloneEach(t.OtherCurrencies, func(c CurrencyOrders) CurrencyOrders { return c })
	return t
}

func (d Deliverable) clone() Deliverable {
	d.DueAt = cloneTime(d.DueAt)
	d.Drafts = cloneEach(d.Drafts, Draft.clone)
	d.Publication = clonePtr(d.Publication, Publication.clone)
	return d
}

func (d Draft) clone() Draft {
	d.MediaURLs = slices.Clone(d.MediaURLs)
	d.Disclosure = cloneRaw(d.Disclosure)
	d.Review = clonePtr(d.Review, func(r Review) Review { return r })
	return d
}

func (p Publication) clone() Publication {
	p.Report = clonePtr(p.Report, VerificationReport.clone)
	return p
}

func (r VerificationReport) clone() VerificationReport {
	r.Reasons = slices.Clone(r.Reasons)
	r.Disclosure = cloneRaw(r.Disclosure)
	return r
}

func (p Payout) clone() Payout {
	p.PaidAt = cloneTime(p.PaidAt)
	return p
}

func (n NextAction) clone() NextAction {
	n.DueAt = cloneTime(n.DueAt)
	n.OverdueSince = cloneTime(n.OverdueSince)
	return n
}

func (c CycleSummary) clone() CycleSummary {
	c.Deliverables = cloneEach(c.Deliverables, Deliverable.clone)
	c.Payouts = cloneEach(c.Payouts, Payout.clone)
	c.Tracking = c.Tracking.clone()
	return c
}

func (h ComplianceHold) clone() ComplianceHold {
	h.DeliverableIDs = slices.Clone(h.DeliverableIDs)
	h.Reasons = slices.Clone(h.Reasons)
	return h
}

// cloneEach copies a slice element by element; nil stays nil and empty stays empty.
func cloneEach[T any](in []T, clone func(T) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = clone(v)
	}
	return out
}

func clonePtr[T any](p *T, clone func(T) T) *T {
	if p == nil {
		return nil
	}
	v := clone(*p)
	return &v
}

func cloneTime(t *time.Time) *time.Time {
	return clonePtr(t, func(v time.Time) time.Time { return v })
}

func cloneRaw(r json.RawMessage) json.RawMessage {
	if r == nil {
		return nil
	}
	return slices.Clone(r)
}
