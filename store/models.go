package store

import (
	"database/sql/driver"
	"errors"
	"time"
)

// JSON is a JSON document stored as JSONB (PostgreSQL) or TEXT (SQLite).
type JSON []byte

// Value stores the document as text, which both dialects accept for their JSON column type.
func (j JSON) Value() (driver.Value, error) {
	if len(j) == 0 {
		return "null", nil
	}
	return string(j), nil
}

// Scan reads a document from either dialect.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append((*j)[:0], v...)
	case string:
		*j = JSON(v)
	default:
		return errors.New("store: unsupported JSON source type")
	}
	return nil
}

// MarshalJSON lets a JSON column be embedded in responses as-is.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// Brand is a company running campaigns.
type Brand struct {
	ID           string `gorm:"primaryKey" json:"id"`
	Name         string `json:"name"`
	ContactEmail string `json:"contact_email"`
	Handles      JSON   `json:"handles"`
	// TurnEmails says whether the contact address is e-mailed each move that waits on the
	// brand (the turn e-mails); reminders, overdue notices and failures are sent regardless.
	// It is written as given, false included, so a Brand built without it has them off: the
	// API sets it true unless told otherwise, as migration 6 did for the brands before it.
	TurnEmails bool      `json:"turn_emails"`
	CreatedAt  time.Time `json:"created_at"`
	// UpdatedAt is when an edit last changed the brand; CreateBrand sets it to CreatedAt.
	UpdatedAt time.Time `json:"updated_at"`
}

// Creator is an influencer. Email and payout details stay in the database; workflows only
// carry the id.
type Creator struct {
	ID                string    `gorm:"primaryKey"`
	Name              string    `gorm:"column:name"`
	Email             string    `gorm:"column:email"`
	Country           string    `gorm:"column:country"`
	Accounts          JSON      `gorm:"column:accounts"`
	PaymentsAccountID string    `gorm:"column:payments_account_id"`
	TaxForm           string    `gorm:"column:tax_form"`
	CreatedByBrandID  string    `gorm:"column:created_by_brand_id"`
	CreatedAt         time.Time `gorm:"column:created_at"`
	UpdatedAt         time.Time `gorm:"column:updated_at"`
}

// Campaign is a brand's campaign; Settings holds partnership.Campaign as JSON.
type Campaign struct {
	ID        string `gorm:"primaryKey"`
	BrandID   string
	Name      string
	Brief     string
	Settings  JSON
	CreatedAt time.Time
}

// Partnership is the read-model row of one partnership: list columns plus the full state.
type Partnership struct {
	ID             string `gorm:"primaryKey"`
	BrandID        string
	CampaignID     string
	CreatorID      string
	Stage          string
	Outcome        string
	NextActionRole string
	NextAction     string
	DueAt          *time.Time
	EnvelopeID     string
	State          JSON
	StateVersion   int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// DeliverableRow is one deliverable of one cycle, projected from the partnership's snapshot.
type DeliverableRow struct {
	PartnershipID     string `gorm:"primaryKey"`
	Cycle             int    `gorm:"primaryKey"`
	ID                string `gorm:"primaryKey"`
	Platform          string
	Format            string
	Status            string
	DueAt             *time.Time
	PostURL           string
	PublicationStatus string
	UpdatedAt         time.Time
}

// TableName names the table.
func (DeliverableRow) TableName() string { return "deliverables" }

// DraftRow is one submitted version of a deliverable and the brand's review of it.
type DraftRow struct {
	PartnershipID  string `gorm:"primaryKey"`
	Cycle          int    `gorm:"primaryKey"`
	DeliverableID  string `gorm:"primaryKey"`
	Version        int    `gorm:"primaryKey"`
	Caption        string
	Compliant      bool
	SubmittedAt    time.Time
	ReviewDecision string
	ReviewedBy     string
	ReviewedAt     *time.Time
}

// TableName names the table.
func (DraftRow) TableName() string { return "drafts" }

// PayoutRow is one payout, with the owners finance filters by.
type PayoutRow struct {
	PartnershipID string     `gorm:"primaryKey" json:"partnership_id"`
	ID            string     `gorm:"primaryKey" json:"id"`
	BrandID       string     `json:"brand_id"`
	CampaignID    string     `json:"campaign_id"`
	CreatorID     string     `json:"creator_id"`
	Cycle         int        `json:"cycle"`
	Kind          string     `json:"kind"`
	AmountMinor   int64      `json:"amount_minor"`
	Currency      string     `json:"currency"`
	Status        string     `json:"status"`
	TriggeredBy   string     `json:"triggered_by"`
	ApprovedBy    string     `json:"approved_by"`
	TransferID    string     `json:"transfer_id"`
	FailureCode   string     `json:"failure_code"`
	PaidAt        *time.Time `json:"paid_at"`
	// ConflictingReport is the payout's conflicting_report: what the provider reported of its
	// transfer against its status while that is unresolved, or "".
	ConflictingReport string `json:"conflicting_report"`
	// CreatedAt is when the payout was first recorded; later snapshots never change it.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName names the table.
func (PayoutRow) TableName() string { return "payouts" }

// Event is one row of the append-only audit trail.
type Event struct {
	PartnershipID string    `gorm:"primaryKey" json:"-"`
	Seq           int64     `gorm:"primaryKey" json:"seq"`
	Type          string    `json:"type"`
	Actor         string    `json:"actor"`
	Role          string    `json:"role"`
	At            time.Time `json:"at"`
	Data          JSON      `json:"data"`
}

// TableName keeps the audit table's name explicit.
func (Event) TableName() string { return "partnership_events" }

// WebhookEvent records every provider webhook received, known or not.
type WebhookEvent struct {
	Provider      string `gorm:"primaryKey"`
	EventID       string `gorm:"primaryKey"`
	PartnershipID string
	Outcome       string
	ReceivedAt    time.Time
}

// IdempotencyKey stores the first response to a POST carrying an Idempotency-Key.
type IdempotencyKey struct {
	Subject     string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	Status      int
	Response    []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}
