package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreateBrand inserts a brand and records its creation by by; one not given an UpdatedAt
// was last changed when created.
func (s *Store) CreateBrand(ctx context.Context, b *Brand, by Actor) error {
	if b.UpdatedAt.IsZero() {
		b.UpdatedAt = b.CreatedAt
	}
	fields := []string{"name"}
	if b.ContactEmail != "" {
		fields = append(fields, "contact_email")
	}
	var handles []any
	if json.Unmarshal(b.Handles, &handles) == nil && len(handles) > 0 {
		fields = append(fields, "handles")
	}
	fields = append(fields, "turn_emails") // set either way: true unless the brand said otherwise
	return s.createProfile(ctx, b, SubjectBrand, b.ID, by, b.CreatedAt, fields)
}

// GetBrand loads a brand.
func (s *Store) GetBrand(ctx context.Context, id string) (Brand, error) {
	var b Brand
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&b).Error
	return b, translate(err)
}

// BrandChanges are the columns UpdateBrand sets; a nil field is left as it is.
type BrandChanges struct {
	Name         *string
	ContactEmail *string
	Handles      JSON
	TurnEmails   *bool
}

// UpdateBrand sets the given columns of a brand that differ from what it has, and only
// those, so two updates of different fields never undo each other; moves updated_at and
// records the change by by when any does; and returns the row as it is after the update.
func (s *Store) UpdateBrand(ctx context.Context, id string, ch BrandChanges, by Actor) (Brand, error) {
	if ch.Name == nil && ch.ContactEmail == nil && ch.Handles == nil && ch.TurnEmails == nil {
		return s.GetBrand(ctx, id)
	}
	var b Brand
	err := s.updateProfile(ctx, SubjectBrand, &b, id, by, func() (c columnChanges) {
		if ch.Name != nil && *ch.Name != b.Name {
			c.set("name", *ch.Name)
		}
		if ch.ContactEmail != nil && *ch.ContactEmail != b.ContactEmail {
			c.set("contact_email", *ch.ContactEmail)
		}
		if ch.Handles != nil && !sameJSON(ch.Handles, b.Handles) {
			c.set("handles", ch.Handles)
		}
		if ch.TurnEmails != nil && *ch.TurnEmails != b.TurnEmails {
			c.set("turn_emails", *ch.TurnEmails)
		}
		return c
	})
	return b, err
}

// CreateCreator inserts a creator, indexes the accounts it registered (creator_accounts, for
// CreatorsWithAccount) and records its creation by by, in one transaction. Accounts that are
// not a list of {platform, handle} are an error, and nothing is written.
func (s *Store) CreateCreator(ctx context.Context, c *Creator, by Actor) error {
	fields := []string{"name", "email", "country", "accounts"}
	// Names only: a payout profile given on creation (imports, tests) is recorded as set,
	// its values nowhere but in the creator's row.
	if c.PaymentsAccountID != "" {
		fields = append(fields, "payments_account_id")
	}
	if c.TaxForm != "" {
		fields = append(fields, "tax_form")
	}
	return s.createCreator(ctx, c, by, fields)
}

// createProfile inserts a brand or creator and the record of its creation, in one transaction.
func (s *Store) createProfile(ctx context.Context, model any, kind, id string, by Actor, at time.Time, fields []string) error {
	if at.IsZero() {
		at = time.Now().UTC()
	}
	defer s.writing()()
	return translate(s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(model).Error; err != nil {
			return err
		}
		return recordChange(tx, kind, id, ChangeCreated, by, at, fields)
	}))
}

// GetCreator loads a creator.
func (s *Store) GetCreator(ctx context.Context, id string) (Creator, error) {
	var c Creator
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, translate(err)
}

// UpdatePayoutProfile sets where and how a creator is paid, and records which of the two
// changed, by by (never the values). Setting what the creator already has changes nothing.
func (s *Store) UpdatePayoutProfile(ctx context.Context, creatorID, accountID, taxForm string, by Actor) error {
	var c Creator
	return s.updateProfile(ctx, SubjectCreator, &c, creatorID, by, func() (ch columnChanges) {
		if accountID != c.PaymentsAccountID {
			ch.set("payments_account_id", accountID)
		}
		if taxForm != c.TaxForm {
			ch.set("tax_form", taxForm)
		}
		return ch
	})
}

// CreatorChanges are the profile columns UpdateCreator sets; a nil field is left as it is.
// The accounts are not among them: vetting and the verification of posts rely on them.
type CreatorChanges struct {
	Name    *string
	Email   *string
	Country *string
}

// UpdateCreator sets the given profile columns of a creator that differ from what it has,
// and only those; moves updated_at and records the change by by when any does; and returns
// the row as it is after the update.
func (s *Store) UpdateCreator(ctx context.Context, id string, ch CreatorChanges, by Actor) (Creator, error) {
	if ch.Name == nil && ch.Email == nil && ch.Country == nil {
		return s.GetCreator(ctx, id)
	}
	var c Creator
	err := s.updateProfile(ctx, SubjectCreator, &c, id, by, func() (cc columnChanges) {
		if ch.Name != nil && *ch.Name != c.Name {
			cc.set("name", *ch.Name)
		}
		if ch.Email != nil && *ch.Email != c.Email {
			cc.set("email", *ch.Email)
		}
		if ch.Country != nil && *ch.Country != c.Country {
			cc.set("country", *ch.Country)
		}
		return cc
	})
	return c, err
}

// CreateCampaign inserts a campaign.
func (s *Store) CreateCampaign(ctx context.Context, c *Campaign) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// GetCampaign loads a campaign.
func (s *Store) GetCampaign(ctx context.Context, id string) (Campaign, error) {
	var c Campaign
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, translate(err)
}

// CreatePartnership inserts the initial read-model row before the workflow starts, so the
// partnership is listable the moment the API answers 201.
func (s *Store) CreatePartnership(ctx context.Context, p *Partnership) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).Create(p).Error)
}

// DeletePartnership removes a row whose workflow could not be started.
func (s *Store) DeletePartnership(ctx context.Context, id string) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).Where("id = ? AND state_version = 0", id).Delete(&Partnership{}).Error)
}

// partnershipQuery reads a partnership's whole row.
const partnershipQuery = `SELECT id, brand_id, campaign_id, creator_id, stage, outcome, next_action_role,
next_action, due_at, envelope_id, state, state_version, created_at, updated_at FROM partnerships WHERE id = ?`

// GetPartnership loads a partnership row, its state document whole (WithCycles). Every GET of
// a partnership that changed and the answer to every action read it, so, like the head, it is
// scanned by hand.
func (s *Store) GetPartnership(ctx context.Context, id string) (Partnership, error) {
	p, err := s.partnershipRow(ctx, id)
	if err != nil {
		return p, err
	}
	p.State, err = s.WithCycles(ctx, p.ID, p.State)
	return p, err
}

// partnershipRow reads a partnership's row with its state document as the workflow wrote it
// (its finished cycles compact).
func (s *Store) partnershipRow(ctx context.Context, id string) (Partnership, error) {
	var p Partnership
	var due sql.NullTime
	err := s.scanRow(ctx, partnershipQuery, []any{id}, &p.ID, &p.BrandID, &p.CampaignID, &p.CreatorID,
		&p.Stage, &p.Outcome, &p.NextActionRole, &p.NextAction, &due, &p.EnvelopeID, &p.State, &p.StateVersion,
		&p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, translate(err)
	}
	if due.Valid {
		p.DueAt = &due.Time
	}
	return p, nil
}

// headQuery reads a partnership's head: its keys, where it stands and its version.
const headQuery = `SELECT id, brand_id, campaign_id, creator_id, stage, outcome, next_action_role,
next_action, envelope_id, state_version FROM partnerships WHERE id = ?`

// GetPartnershipHead reads what a scope check, an action or an ETag comparison needs: the
// row without its state document and without its timestamps (DueAt, CreatedAt and UpdatedAt
// are left zero). Polling clients read it on every request, so its columns are scanned by
// hand rather than through GORM's reflection, which cost half of the read
// (docs/benchmarks.md).
func (s *Store) GetPartnershipHead(ctx context.Context, id string) (Partnership, error) {
	var p Partnership
	err := s.scanRow(ctx, headQuery, []any{id}, &p.ID, &p.BrandID, &p.CampaignID, &p.CreatorID,
		&p.Stage, &p.Outcome, &p.NextActionRole, &p.NextAction, &p.EnvelopeID, &p.StateVersion)
	return p, translate(err)
}

// scanRow runs a query for one row and scans it into dest; no row is sql.ErrNoRows. It goes
// through Rows, not Row: when GORM's prepared-statement cache cannot prepare the query (the
// context is already cancelled because the client went away, say) Row returns an empty
// sql.Row, whose Scan panics instead of returning the error.
func (s *Store) scanRow(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := s.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// PartnershipIDByEnvelope finds the partnership an e-signature envelope belongs to.
func (s *Store) PartnershipIDByEnvelope(ctx context.Context, envelopeID string) (string, error) {
	var p Partnership
	err := s.db.WithContext(ctx).Select("id").Where("envelope_id = ?", envelopeID).Take(&p).Error
	return p.ID, translate(err)
}

// Transition is what the workflow records after each change: the new snapshot and the
// audit events it produced.
type Transition struct {
	PartnershipID  string
	Version        int64
	Stage          string
	Outcome        string
	NextActionRole string
	NextAction     string
	DueAt          *time.Time
	EnvelopeID     string
	State          JSON
	UpdatedAt      time.Time
	Events         []Event
	// Deliverables, Drafts and Payouts are the snapshot's children as rows; they are
	// upserted with the snapshot and, like it, only by a newer version.
	Deliverables []DeliverableRow
	Drafts       []DraftRow
	Payouts      []PayoutRow
	// Cycles are whole summaries of finished cycles (CycleRow), written with the hand-over
	// that closes them; a row already written is left as it is.
	Cycles []CycleRow
}

// transitionUpdate moves a partnership's row to a newer snapshot; an older or repeated one
// matches no row. It is written out, not built by GORM from a map of columns each time: the
// workflow writes after every change.
const transitionUpdate = `UPDATE partnerships SET stage = ?, outcome = ?, next_action_role = ?, next_action = ?,
due_at = ?, envelope_id = ?, state = ?, state_version = ?, updated_at = ? WHERE id = ? AND state_version < ?`

// ApplyTransition writes a snapshot and its events in one transaction. It is idempotent: the
// snapshot only moves forward (a retried or late write of an older version changes nothing)
// and events are keyed by (partnership, seq), so a retried activity never duplicates one.
func (s *Store) ApplyTransition(ctx context.Context, t Transition) error {
	defer s.writing()()
	applied := false
	children := childSetOf(t)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(transitionUpdate, t.Stage, t.Outcome, t.NextActionRole, t.NextAction, t.DueAt,
			t.EnvelopeID, t.State, t.Version, t.UpdatedAt, t.PartnershipID, t.Version)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			applied = true
			if err := upsertChildren(tx, t, s.children.unchanged(t.PartnershipID, children)); err != nil {
				return err
			}
			if len(t.Cycles) > 0 {
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&t.Cycles).Error; err != nil {
					return err
				}
			}
		}
		if len(t.Events) == 0 {
			return nil
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&t.Events).Error
	})
	if err == nil && applied {
		s.children.remember(t.PartnershipID, children)
	}
	return translate(err)
}

// upsertChildren writes the snapshot's deliverables, drafts and payouts. Rows are never
// deleted: an ambassador's earlier cycles stay, and a snapshot only ever adds or advances.
func upsertChildren(tx *gorm.DB, t Transition, same sameChildren) error {
	if len(t.Deliverables) > 0 && !same.deliverables {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&t.Deliverables).Error; err != nil {
			return err
		}
	}
	if len(t.Drafts) > 0 && !same.drafts {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&t.Drafts).Error; err != nil {
			return err
		}
	}
	if len(t.Payouts) > 0 && !same.payouts {
		advance := clause.AssignmentColumns([]string{"status", "amount_minor", "currency", "triggered_by", "approved_by",
			"transfer_id", "failure_code", "paid_at", "conflicting_report", "updated_at"})
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "partnership_id"}, {Name: "id"}}, DoUpdates: advance}).Create(&t.Payouts).Error; err != nil {
			return err
		}
	}
	return nil
}

// ListEvents returns the audit trail in order, after seq, at most limit rows.
func (s *Store) ListEvents(ctx context.Context, partnershipID string, afterSeq int64, limit int) ([]Event, error) {
	var evs []Event
	err := s.db.WithContext(ctx).Where("partnership_id = ? AND seq > ?", partnershipID, afterSeq).
		Order("seq").Limit(limit).Find(&evs).Error
	return evs, translate(err)
}

// RecordWebhook stores a webhook receipt; it reports false when the event was seen before.
func (s *Store) RecordWebhook(ctx context.Context, w WebhookEvent) (bool, error) {
	defer s.writing()()
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&w)
	if res.Error != nil {
		return false, translate(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CampaignPartnerships returns every partnership row of a campaign (the report aggregates
// their states).
func (s *Store) CampaignPartnerships(ctx context.Context, campaignID string) ([]Partnership, error) {
	var rows []Partnership
	err := s.db.WithContext(ctx).Where("campaign_id = ?", campaignID).Order("created_at").Find(&rows).Error
	return rows, translate(err)
}

// CreatePartnerships inserts many rows in one statement (imports and benchmarks).
func (s *Store) CreatePartnerships(ctx context.Context, ps []Partnership) error {
	defer s.writing()()
	return translate(s.db.WithContext(ctx).CreateInBatches(ps, 500).Error)
}

// Analyze refreshes the query planner's statistics after a bulk load.
func (s *Store) Analyze(ctx context.Context) error {
	if s.dialect != DialectPostgres {
		return translate(s.db.WithContext(ctx).Exec("ANALYZE").Error)
	}
	return translate(s.db.WithContext(ctx).Exec("ANALYZE partnerships").Error)
}
