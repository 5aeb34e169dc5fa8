package activities

import (
	"context"

	"github.com/partnerflow/partnerflow/providers"
)

// NotifyInput is an e-mail to a partnership's creator. The address is looked up here so it
// never enters workflow history.
type NotifyInput struct {
	IdempotencyKey string `json:"idempotency_key"`
	CreatorID      string `json:"creator_id"`
	Subject        string `json:"subject"`
	Text           string `json:"text"`
}

// NotifyCreator sends a transactional e-mail to the creator.
func (a *Activities) NotifyCreator(ctx context.Context, in NotifyInput) error {
	c, err := a.loadCreator(ctx, in.CreatorID)
	if err != nil {
		return err
	}
	_, err = a.Providers.Email.Send(ctx, in.IdempotencyKey, providers.Message{
		To: c.Email, Subject: in.Subject, Text: "Hi " + c.Name + ",\n\n" + in.Text,
	})
	return err
}
