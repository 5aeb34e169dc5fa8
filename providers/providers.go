// Package providers declares the external systems a partnership talks to — the social
// platform, e-signature, payments, commerce and e-mail — as small interfaces the activities
// depend on. The HTTP clients in this package implement them over go-retryablehttp; the
// sandbox package serves the same HTTP shapes locally.
package providers

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when the provider says the object does not exist (or was deleted).
var ErrNotFound = errors.New("providers: not found")

// Media is one post on a social platform, shaped like the Instagram Graph API media fields.
type Media struct {
	ID            string    `json:"id"`
	Caption       string    `json:"caption"`
	MediaType     string    `json:"media_type"`
	Permalink     string    `json:"permalink"`
	Timestamp     time.Time `json:"timestamp"`
	LikeCount     int64     `json:"like_count"`
	CommentsCount int64     `json:"comments_count"`
	Username      string    `json:"username"`
	// Platform is the platform the post is on (instagram, tiktok, ...). The client derives
	// it from the permalink when the provider leaves it out; empty when neither says.
	Platform string `json:"platform,omitempty"`
}

// Profile is a creator's account with its recent posts, newest first.
type Profile struct {
	Platform       string  `json:"platform"`
	Username       string  `json:"username"`
	FollowersCount int64   `json:"followers_count"`
	FollowsCount   int64   `json:"follows_count"`
	MediaCount     int64   `json:"media_count"`
	Media          []Media `json:"media"`
	// FollowerHistory is the follower count over time, oldest first, when the platform
	// offers it (business insights); empty otherwise.
	FollowerHistory []FollowerCount `json:"follower_history,omitempty"`
}

// FollowerCount is the follower count on a date.
type FollowerCount struct {
	Date      time.Time `json:"date"`
	Followers int64     `json:"followers"`
}

// Social reads profiles and posts from a social platform.
type Social interface {
	// Profile returns the account and its recent media; ErrNotFound for an unknown account.
	Profile(ctx context.Context, platform, handle string) (Profile, error)
	// MediaByURL resolves a post's public URL (permalink); ErrNotFound when the post does not
	// exist or was deleted.
	MediaByURL(ctx context.Context, url string) (Media, error)
}

// Signer is one recipient who must sign an envelope. Role is "creator" or "brand".
type Signer struct {
	Role  string `json:"role"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// EnvelopeRequest creates an e-signature envelope (DocuSign-like) and sends it.
type EnvelopeRequest struct {
	Subject  string            `json:"email_subject"`
	Document string            `json:"document"`
	Signers  []Signer          `json:"signers"`
	Metadata map[string]string `json:"custom_fields"`
}

// Envelope is the provider's view of an envelope. Status is one of created, sent, delivered,
// completed, declined, voided. SigningURLs maps signer role to that signer's URL.
type Envelope struct {
	ID          string            `json:"envelope_id"`
	Status      string            `json:"status"`
	SigningURLs map[string]string `json:"signing_urls"`
}

// ESign creates, reads and voids e-signature envelopes.
type ESign interface {
	CreateEnvelope(ctx context.Context, idempotencyKey string, req EnvelopeRequest) (Envelope, error)
	GetEnvelope(ctx context.Context, envelopeID string) (Envelope, error)
	VoidEnvelope(ctx context.Context, envelopeID, reason string) error
}

// TransferRequest moves money to a connected payments account (Stripe-like transfer).
type TransferRequest struct {
	AmountMinor int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Destination string            `json:"destination"`
	Metadata    map[string]string `json:"metadata"`
}

// Transfer is the provider's view of a transfer. Status is pending, paid or failed.
type Transfer struct {
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	AmountMinor int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Destination string            `json:"destination"`
	FailureCode string            `json:"failure_code,omitempty"`
	Metadata    map[string]string `json:"metadata"`
}

// Payments creates transfers; their outcome arrives later as a signed webhook, and GetTransfer
// reads it when the webhook is late or contradicts an earlier one.
type Payments interface {
	CreateTransfer(ctx context.Context, idempotencyKey string, req TransferRequest) (Transfer, error)
	GetTransfer(ctx context.Context, transferID string) (Transfer, error)
}

// DiscountRequest asks the commerce provider for a creator's discount code (Shopify-like).
type DiscountRequest struct {
	Code     string            `json:"code"`
	Percent  int               `json:"percent"`
	Metadata map[string]string `json:"metadata"`
}

// DiscountCode is a created code and the tracking link that applies it.
type DiscountCode struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Link string `json:"link"`
}

// Order is one purchase attributed to a discount code.
type Order struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	AmountMinor int64     `json:"amount_minor"`
	Currency    string    `json:"currency"`
	CreatedAt   time.Time `json:"created_at"`
}

// Commerce creates discount codes and reports the orders that used them.
type Commerce interface {
	CreateDiscountCode(ctx context.Context, idempotencyKey string, req DiscountRequest) (DiscountCode, error)
	Orders(ctx context.Context, code string) ([]Order, error)
}

// Message is a transactional e-mail.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Email sends transactional e-mail; it returns the provider's message id.
type Email interface {
	Send(ctx context.Context, idempotencyKey string, msg Message) (string, error)
}

// Set bundles one client per provider.
type Set struct {
	Social   Social
	ESign    ESign
	Payments Payments
	Commerce Commerce
	Email    Email
}
