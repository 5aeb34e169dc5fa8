package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ClosedPayout is what a late payment report needs to read of a partnership whose workflow
// has closed: its row with the state document as the workflow last wrote it (its finished
// cycles compact, unlike GetPartnership's), the payout, and the whole summary of the earlier
// cycle the payout belongs to (nil for the current cycle's).
type ClosedPayout struct {
	Partnership Partnership
	Payout      PayoutRow
	Cycle       *CycleRow
}

// GetClosedPayout reads a partnership and one of its payouts for a late payment report;
// ErrNotFound when either does not exist.
func (s *Store) GetClosedPayout(ctx context.Context, partnershipID, payoutID string) (ClosedPayout, error) {
	var out ClosedPayout
	var err error
	if out.Partnership, err = s.partnershipRow(ctx, partnershipID); err != nil {
		return out, err
	}
	db := s.db.WithContext(ctx)
	if err := db.Where("partnership_id = ? AND id = ?", partnershipID, payoutID).Take(&out.Payout).Error; err != nil {
		return out, translate(err)
	}
	var c CycleRow
	err = db.Where("partnership_id = ? AND cycle = ?", partnershipID, out.Payout.Cycle).Take(&c).Error
	switch {
	case err == nil:
		out.Cycle = &c
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return out, translate(err)
	}
	return out, nil
}

// PayoutChange is a payout's settled fields as an amendment leaves them.
type PayoutChange struct {
	Status            string
	FailureCode       string
	PaidAt            *time.Time
	ConflictingReport string
}

// PayoutAmendment is a change no workflow makes to a closed partnership's read model: a
// payment its provider reported after the partnership's workflow had closed. It is one audit
// event, numbered after the last, and, with a State, the payout's change written as the
// version after Version.
type PayoutAmendment struct {
	PartnershipID string
	// Version is the state version the amendment was made from (ClosedPayout's).
	Version int64
	// State is the partnership's state document as amended; nil leaves the partnership, its
	// payout and cycle as they are and only records the event.
	State JSON
	// Cycle, when not nil, is the amended whole summary of the payout's earlier cycle.
	Cycle    *CycleRow
	PayoutID string
	Payout   PayoutChange
	Event    Event // its Seq is assigned
	// EventID is the provider's event id, in Event's data as event_id: an event of one of
	// LateEventTypes with it already recorded makes the amendment a repeat, written no more.
	EventID string
	At      time.Time
}

// LateEventTypes are the audit events a payment report can leave, by its workflow or after
// it closed: the ones that carry the provider's event id in their data.
var LateEventTypes = []string{"payment_conflict", "payment_report_unconfirmed", "payment_returned_after_close",
	"payment_reported_after_close", "payout_failed", "payout_paid"}

// AmendClosedPayout writes a PayoutAmendment in one transaction: the audit event and, with a
// State, the state document, the payout's change and the cycle summary. When an event of
// LateEventTypes with the amendment's EventID was recorded before (a retry, a redelivered
// report, or one the partnership's workflow took), it writes nothing and returns that event's
// data. ErrConflict, with nothing written, when the partnership's version is no longer
// Version: another write came first, and the caller reads again.
func (s *Store) AmendClosedPayout(ctx context.Context, a PayoutAmendment) (prior JSON, err error) {
	defer s.writing()()
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		var seen []JSON
		if err := tx.Raw(`SELECT data FROM partnership_events WHERE partnership_id = ? AND type IN ?`,
			a.PartnershipID, LateEventTypes).Scan(&seen).Error; err != nil {
			return err
		}
		for _, d := range seen {
			var e struct {
				EventID string `json:"event_id"`
			}
			if json.Unmarshal(d, &e) == nil && e.EventID != "" && e.EventID == a.EventID {
				prior = d
				return nil
			}
		}
		if a.State != nil {
			if err := amendPayout(tx, a); err != nil {
				return err
			}
		}
		var last int64
		if err := tx.Raw(`SELECT COALESCE(MAX(seq), 0) FROM partnership_events WHERE partnership_id = ?`, a.PartnershipID).Scan(&last).Error; err != nil {
			return err
		}
		ev := a.Event
		ev.PartnershipID, ev.Seq = a.PartnershipID, last+1
		return tx.Create(&ev).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	if prior == nil && a.State != nil {
		s.children.forget(a.PartnershipID)
	}
	return prior, nil
}

// amendPayout writes an amendment's state document, payout and cycle summary.
func amendPayout(tx *gorm.DB, a PayoutAmendment) error {
	res := tx.Exec(`UPDATE partnerships SET state = ?, state_version = ?, updated_at = ? WHERE id = ? AND state_version = ?`,
		a.State, a.Version+1, a.At, a.PartnershipID, a.Version)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrConflict
	}
	p := a.Payout
	res = tx.Exec(`UPDATE payouts SET status = ?, failure_code = ?, paid_at = ?, conflicting_report = ?, updated_at = ? WHERE partnership_id = ? AND id = ?`,
		p.Status, p.FailureCode, p.PaidAt, p.ConflictingReport, a.At, a.PartnershipID, a.PayoutID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	if c := a.Cycle; c != nil {
		return tx.Exec(`UPDATE partnership_cycles SET summary = ? WHERE partnership_id = ? AND cycle = ?`,
			c.Summary, a.PartnershipID, c.Cycle).Error
	}
	return nil
}
