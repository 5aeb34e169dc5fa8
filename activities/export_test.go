package activities

import "context"

// CreateTransferRetry runs CreateTransfer as a retry (an attempt after the first), which a
// plain context cannot say.
func (a *Activities) CreateTransferRetry(ctx context.Context, in TransferInput) (TransferOutput, error) {
	return a.createTransfer(ctx, in, true)
}
