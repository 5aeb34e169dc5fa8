// Package activities runs a partnership's side effects: provider calls (social, e-signature,
// payments, commerce, e-mail) and the read-model writes. Activities load personal and payout
// details from the database by id, so none of them pass through workflow history. Every call
// that creates something at a provider carries the idempotency key the workflow derived from
// the business key, so a retried activity never creates a second envelope, code, message or
// transfer.
package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/store"
	"github.com/partnerflow/partnerflow/vetting"
)

// Activities holds the dependencies of every activity; its methods are registered on the worker.
type Activities struct {
	Store     *store.Store
	Providers providers.Set
	// Vetting holds the assessment thresholds; nil uses vetting.DefaultThresholds.
	Vetting *vetting.Thresholds
	// Teams are the finance and admin teams' addresses for their reminders (NotifyTeam).
	Teams Teams
}

// Error types activities report to workflows.
const (
	ErrTypePayoutProfileMissing = "PayoutProfileMissing"
	// ErrTypeTransferInDoubt is a retried transfer that cannot be completed yet and must not
	// be given up: an earlier attempt may have made it. It is retryable.
	ErrTypeTransferInDoubt = "TransferInDoubt"
	ErrTypeNotFound        = "NotFound"
	// ErrTypeEnvelopeFinal: the envelope was completed or declined before it could be voided;
	// the detail is an EnvelopeFinal.
	ErrTypeEnvelopeFinal = "EnvelopeFinal"
	// ErrTypeUnreadableState: a partnership's stored state document cannot be read.
	ErrTypeUnreadableState = "UnreadableState"
)

// loadCreator fetches a creator; a missing creator can never appear by retrying.
func (a *Activities) loadCreator(ctx context.Context, id string) (store.Creator, error) {
	c, err := a.Store.GetCreator(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, temporal.NewNonRetryableApplicationError(fmt.Sprintf("creator %s not found", id), ErrTypeNotFound, nil)
	}
	return c, err
}
