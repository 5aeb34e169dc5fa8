package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/partnerflow/partnerflow/providers"
	"github.com/partnerflow/partnerflow/vetting"
)

// VetInput names the account to assess and the campaign's topic.
type VetInput struct {
	Platform string   `json:"platform"`
	Handle   string   `json:"handle"`
	Keywords []string `json:"keywords"`
}

// VetOutput is the vetting report and whether it is clean enough to auto-advance.
type VetOutput struct {
	Report json.RawMessage `json:"report"`
	Clean  bool            `json:"clean"`
}

// VetCreator reads the creator's profile and recent posts and assesses them.
func (a *Activities) VetCreator(ctx context.Context, in VetInput) (VetOutput, error) {
	p, err := a.Providers.Social.Profile(ctx, in.Platform, in.Handle)
	if errors.Is(err, providers.ErrNotFound) {
		return VetOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no %s account %q at the social provider", in.Platform, in.Handle), ErrTypeNotFound, nil)
	}
	if err != nil {
		return VetOutput{}, err
	}
	th := vetting.DefaultThresholds()
	if a.Vetting != nil {
		th = *a.Vetting
	}
	report := vetting.Assess(p, vetting.Campaign{Keywords: in.Keywords}, th)
	raw, err := json.Marshal(report)
	if err != nil {
		return VetOutput{}, err
	}
	return VetOutput{Report: raw, Clean: report.Clean}, nil
}
