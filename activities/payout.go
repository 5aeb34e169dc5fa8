package activities

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/providers"
)

// ConversionsInput names the discount code whose orders to collect and the live posts whose
// metrics to read.
type ConversionsInput struct {
	Code     string   `json:"code"`
	Currency string   `json:"currency"`
	PostURLs []string `json:"post_urls"`
	// Since, when set, counts only orders from then on, and Until only those before it: an
	// ambassador cycle is paid commission on the sales since the last cycle's count, not
	// again on earlier ones, and the next cycle starts where this one's count stopped.
	Since time.Time `json:"since,omitempty"`
	Until time.Time `json:"until,omitzero"`
}

// ConversionsOutput is the attributed sales and the posts' engagement.
type ConversionsOutput struct {
	Conversions int64                   `json:"conversions"`
	Revenue     partnership.Money       `json:"revenue"`
	PostMetrics partnership.PostMetrics `json:"post_metrics"`
	// OtherCurrencies: the orders in the same bounds in other currencies, by currency code,
	// which Conversions and Revenue leave out.
	OtherCurrencies []partnership.CurrencyOrders `json:"other_currencies,omitempty"`
}

// CollectConversions sums the orders that used the creator's code in the campaign currency,
// and the likes and comments of the partnership's live posts (deleted posts count nothing).
func (a *Activities) CollectConversions(ctx context.Context, in ConversionsInput) (ConversionsOutput, error) {
	orders, err := a.Providers.Commerce.Orders(ctx, in.Code)
	if err != nil {
		return ConversionsOutput{}, err
	}
	out := ConversionsOutput{Revenue: partnership.Money{Currency: in.Currency}}
	others := map[string]*partnership.CurrencyOrders{}
	for _, o := range orders {
		if (!in.Since.IsZero() && o.CreatedAt.Before(in.Since)) || (!in.Until.IsZero() && !o.CreatedAt.Before(in.Until)) {
			continue
		}
		if o.Currency != in.Currency {
			c, ok := others[o.Currency]
			if !ok {
				c = &partnership.CurrencyOrders{Revenue: partnership.Money{Currency: o.Currency}}
				others[o.Currency] = c
			}
			c.Orders++
			c.Revenue.AmountMinor += o.AmountMinor
			continue
		}
		out.Conversions++
		out.Revenue.AmountMinor += o.AmountMinor
	}
	for _, code := range slices.Sorted(maps.Keys(others)) {
		out.OtherCurrencies = append(out.OtherCurrencies, *others[code])
	}
	for _, u := range in.PostURLs {
		m, err := a.Providers.Social.MediaByURL(ctx, u)
		if errors.Is(err, providers.ErrNotFound) {
			continue
		}
		if err != nil {
			return ConversionsOutput{}, err
		}
		out.PostMetrics.Posts++
		out.PostMetrics.Likes += m.LikeCount
		out.PostMetrics.Comments += m.CommentsCount
	}
	return out, nil
}

// TransferInput pays one payout to the creator's payments account.
type TransferInput struct {
	IdempotencyKey string            `json:"idempotency_key"`
	PartnershipID  string            `json:"partnership_id"`
	PayoutID       string            `json:"payout_id"`
	CreatorID      string            `json:"creator_id"`
	Amount         partnership.Money `json:"amount"`
	// InDoubt says an earlier execution of this transfer ran out of retries: it may have
	// reached the provider, so even this execution's first attempt is a retry.
	InDoubt bool `json:"in_doubt,omitempty"`
}

// TransferOutput is the provider's transfer.
type TransferOutput struct {
	TransferID string `json:"transfer_id"`
	Status     string `json:"status"`
}

// CreateTransfer sends the payout to the payments provider. The destination account is read
// here, never carried in history; the idempotency key makes a retried call return the same
// transfer instead of paying twice.
func (a *Activities) CreateTransfer(ctx context.Context, in TransferInput) (TransferOutput, error) {
	// After a first attempt, the provider may already have made the transfer under this key
	// (the answer lost on the way back). Nothing that happens later may fail the payout then:
	// finance would trigger it again under a new key and the creator would be paid twice. So
	// only the first attempt's refusals are final; a retry keeps asking with the same key.
	retry := in.InDoubt || (activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1)
	return a.createTransfer(ctx, in, retry)
}

func (a *Activities) createTransfer(ctx context.Context, in TransferInput, retry bool) (TransferOutput, error) {
	c, err := a.loadCreator(ctx, in.CreatorID)
	if err != nil {
		return TransferOutput{}, err
	}
	if c.PaymentsAccountID == "" || c.TaxForm == "" {
		msg := fmt.Sprintf("creator %s has no payout account or tax form on file", in.CreatorID)
		if retry {
			return TransferOutput{}, temporal.NewApplicationError(msg+"; an earlier attempt may have made the transfer, so it is retried with the same key", ErrTypeTransferInDoubt)
		}
		return TransferOutput{}, temporal.NewNonRetryableApplicationError(msg, ErrTypePayoutProfileMissing, nil)
	}
	tr, err := a.Providers.Payments.CreateTransfer(ctx, in.IdempotencyKey, providers.TransferRequest{
		AmountMinor: in.Amount.AmountMinor,
		Currency:    in.Amount.Currency,
		Destination: c.PaymentsAccountID,
		Metadata:    map[string]string{"partnership_id": in.PartnershipID, "payout_id": in.PayoutID},
	})
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && (appErr.Type() == providers.ErrTypeRefusedInDoubt || retry && appErr.Type() == providers.ErrTypeRejected) {
		// Refused on a retry, of this activity or of a request inside this attempt that got
		// no answer: perhaps the same refusal as a first request that never arrived, perhaps
		// the key's transfer exists (in progress, or with other details: the account changed
		// since). Only a person can tell; meanwhile the key is kept.
		return TransferOutput{}, temporal.NewApplicationErrorWithCause(appErr.Message()+"; refused on a retry, so the transfer is in doubt and retried with the same key", ErrTypeTransferInDoubt, err)
	}
	if err != nil {
		return TransferOutput{}, err
	}
	return TransferOutput{TransferID: tr.ID, Status: tr.Status}, nil
}

// LookupTransferInput names a transfer whose word the partnership waits for.
type LookupTransferInput struct {
	PayoutID   string `json:"payout_id"`
	TransferID string `json:"transfer_id"`
}

// LookupTransferOutput is what the provider says of the transfer now: pending, paid or failed,
// and why it failed.
type LookupTransferOutput struct {
	Status      string `json:"status"`
	FailureCode string `json:"failure_code,omitempty"`
}

// LookupTransfer asks the payments provider for a transfer's current status, when its webhook
// is late or contradicts an earlier one. Only the status and failure code come back: nothing
// of the creator's account goes into history. A transfer the provider does not know is an
// error that retrying will not mend (ErrTypeNotFound).
func (a *Activities) LookupTransfer(ctx context.Context, in LookupTransferInput) (LookupTransferOutput, error) {
	tr, err := a.Providers.Payments.GetTransfer(ctx, in.TransferID)
	if errors.Is(err, providers.ErrNotFound) {
		return LookupTransferOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the payments provider knows no transfer %s (payout %s)", in.TransferID, in.PayoutID), ErrTypeNotFound, err)
	}
	if err != nil {
		return LookupTransferOutput{}, err
	}
	return LookupTransferOutput{Status: tr.Status, FailureCode: tr.FailureCode}, nil
}
