package activities

import (
	"context"

	"github.com/partnerflow/partnerflow/partnership"
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

// BrandNotifyInput is an e-mail to a brand's contact address.
type BrandNotifyInput struct {
	IdempotencyKey string `json:"idempotency_key"`
	BrandID        string `json:"brand_id"`
	Subject        string `json:"subject"`
	Text           string `json:"text"`
	// Turn marks a turn e-mail (the brand's move is next), which a brand can turn off.
	// Inputs recorded before it have none: they were all sent, and still are.
	Turn bool `json:"turn,omitempty"`
}

// NotifyBrand e-mails the brand's contact address; a brand without one is told through
// next_action and the audit trail only, so there is nothing to send. Nor is a turn e-mail
// to a brand that turned them off: it still gets its reminders, overdue notices and
// failures. The setting is read at send time, so a change applies to partnerships in flight.
func (a *Activities) NotifyBrand(ctx context.Context, in BrandNotifyInput) error {
	b, err := a.Store.GetBrand(ctx, in.BrandID)
	if err != nil || b.ContactEmail == "" || (in.Turn && !b.TurnEmails) {
		return err
	}
	_, err = a.Providers.Email.Send(ctx, in.IdempotencyKey, providers.Message{To: b.ContactEmail, Subject: in.Subject, Text: in.Text})
	return err
}

// Teams are the addresses of the deployment's own teams, which act on every brand's
// partnerships: finance (payouts) and admins (held provider steps). An empty address sends
// nothing; next_action and the audit trail still say who must act.
type Teams struct {
	Finance string
	Admin   string
}

// address is the team's address for a role; empty when the role has no team or none is set.
func (t Teams) address(role string) string {
	switch role {
	case partnership.RoleFinance:
		return t.Finance
	case partnership.RoleAdmin:
		return t.Admin
	}
	return ""
}

// TeamNotifyInput is an e-mail to the team that holds a role (finance or admin). The address
// is the worker's configuration, so it never enters workflow history.
type TeamNotifyInput struct {
	IdempotencyKey string `json:"idempotency_key"`
	Role           string `json:"role"`
	Subject        string `json:"subject"`
	Text           string `json:"text"`
}

// NotifyTeam e-mails the team of the role, when the deployment names one.
func (a *Activities) NotifyTeam(ctx context.Context, in TeamNotifyInput) error {
	to := a.Teams.address(in.Role)
	if to == "" {
		return nil
	}
	_, err := a.Providers.Email.Send(ctx, in.IdempotencyKey, providers.Message{To: to, Subject: in.Subject, Text: in.Text})
	return err
}
