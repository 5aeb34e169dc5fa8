package sandbox

import (
	"encoding/json"
	"time"
)

// stateVersion lets a future format change recognise old files instead of misreading them.
const stateVersion = 1

// state is everything the sandbox remembers. It is persisted as one JSON document, which is
// plenty for a development stand-in and keeps restarts trivially consistent.
type state struct {
	Version     int                           `json:"version"`
	Accounts    map[string]*account           `json:"accounts"` // by accountKey
	Posts       map[string]*post              `json:"posts"`
	Envelopes   map[string]*envelope          `json:"envelopes"`
	Transfers   map[string]*transfer          `json:"transfers"`
	Discounts   map[string]*discount          `json:"discount_codes"` // by codeKey
	Orders      []*order                      `json:"orders"`
	Messages    []*message                    `json:"messages"`
	Outbox      []*webhook                    `json:"webhooks"`
	Idempotency map[string]*idempotencyRecord `json:"idempotency"` // by scope + ":" + key
}

func newState() *state {
	st := &state{Version: stateVersion}
	st.fill()
	return st
}

// fill makes every map usable after decoding a file that lacked some of them.
func (st *state) fill() {
	if st.Accounts == nil {
		st.Accounts = map[string]*account{}
	}
	if st.Posts == nil {
		st.Posts = map[string]*post{}
	}
	if st.Envelopes == nil {
		st.Envelopes = map[string]*envelope{}
	}
	if st.Transfers == nil {
		st.Transfers = map[string]*transfer{}
	}
	if st.Discounts == nil {
		st.Discounts = map[string]*discount{}
	}
	if st.Idempotency == nil {
		st.Idempotency = map[string]*idempotencyRecord{}
	}
}

type account struct {
	Platform  string `json:"platform"`
	Handle    string `json:"handle"`
	Followers int64  `json:"followers"`
	Following int64  `json:"following"`
	// FollowerHistory is optional audience history, oldest first.
	FollowerHistory []followerPoint `json:"follower_history,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

type followerPoint struct {
	Date      time.Time `json:"date"`
	Followers int64     `json:"followers"`
}

type post struct {
	ID       string    `json:"id"`
	Platform string    `json:"platform"`
	Handle   string    `json:"handle"`
	Caption  string    `json:"caption"`
	Likes    int64     `json:"likes"`
	Comments int64     `json:"comments"`
	PostedAt time.Time `json:"posted_at"`
	Deleted  bool      `json:"deleted"`
	// Seeded posts come from the account definition and are replaced when the account is
	// defined again; published posts survive so live partnerships keep their permalinks.
	Seeded bool `json:"seeded"`
}

type envelope struct {
	ID            string            `json:"id"`
	Status        string            `json:"status"`
	Subject       string            `json:"email_subject"`
	Document      string            `json:"document"`
	Signers       []*signer         `json:"signers"`
	CustomFields  map[string]string `json:"custom_fields"`
	VoidedReason  string            `json:"voided_reason,omitempty"`
	DeclineReason string            `json:"decline_reason,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

type signer struct {
	Role  string `json:"role"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// Token is the secret part of the signing URL; the envelope id is never enough to sign.
	Token    string     `json:"token"`
	Status   string     `json:"status"`
	SignedAt *time.Time `json:"signed_at,omitempty"`
}

type transfer struct {
	ID             string            `json:"id"`
	IdempotencyKey string            `json:"idempotency_key"`
	Status         string            `json:"status"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	Destination    string            `json:"destination"`
	FailureCode    string            `json:"failure_code,omitempty"`
	Metadata       map[string]string `json:"metadata"`
	CreatedAt      time.Time         `json:"created_at"`
	SettleAt       time.Time         `json:"settle_at"`
	SettledAt      *time.Time        `json:"settled_at,omitempty"`
}

type discount struct {
	ID             string            `json:"id"`
	Code           string            `json:"code"`
	Percent        int               `json:"percent"`
	Metadata       map[string]string `json:"metadata"`
	IdempotencyKey string            `json:"idempotency_key"`
	CreatedAt      time.Time         `json:"created_at"`
}

type order struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	AmountMinor int64     `json:"amount_minor"`
	Currency    string    `json:"currency"`
	CreatedAt   time.Time `json:"created_at"`
}

type message struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"idempotency_key"`
	To             string    `json:"to"`
	Subject        string    `json:"subject"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"created_at"`
}

type webhook struct {
	ID            string          `json:"id"`
	Provider      string          `json:"provider"`
	Event         string          `json:"event"`
	Payload       json.RawMessage `json:"payload"`
	CreatedAt     time.Time       `json:"created_at"`
	Attempts      int             `json:"attempts"`
	Delivered     bool            `json:"delivered"`
	DeliveredAt   *time.Time      `json:"delivered_at,omitempty"`
	NextAttemptAt time.Time       `json:"next_attempt_at"`
	LastStatus    int             `json:"last_status,omitempty"`
	LastError     string          `json:"last_error,omitempty"`
}

type idempotencyRecord struct {
	Fingerprint string          `json:"fingerprint"`
	Status      int             `json:"status"`
	Body        json.RawMessage `json:"body"`
	CreatedAt   time.Time       `json:"created_at"`
}
