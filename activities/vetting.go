package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

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
	// CleanScore is the score a report needs to be clean (the worker's vetting thresholds),
	// so the brand's e-mail can say how far a report without flags fell short. Zero in
	// outputs recorded before it existed.
	CleanScore int `json:"clean_score,omitempty"`
}

// VetCreator reads the creator's profile and recent posts and assesses them. It vets one
// account: partnerships started before VetCreatorAccounts existed still run it.
func (a *Activities) VetCreator(ctx context.Context, in VetInput) (VetOutput, error) {
	p, err := a.Providers.Social.Profile(ctx, in.Platform, in.Handle)
	if errors.Is(err, providers.ErrNotFound) {
		return VetOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no %s account %q at the social provider", in.Platform, in.Handle), ErrTypeNotFound, nil)
	}
	if err != nil {
		return VetOutput{}, err
	}
	report := vetting.Assess(p, vetting.Campaign{Keywords: in.Keywords}, a.thresholds())
	if report, err = a.flagShared(ctx, in.Platform, in.Handle, report, in.Keywords); err != nil {
		return VetOutput{}, err
	}
	raw, err := json.Marshal(report)
	if err != nil {
		return VetOutput{}, err
	}
	return VetOutput{Report: raw, Clean: report.Clean, CleanScore: a.thresholds().CleanScore}, nil
}

// VetAccountsInput names every account a partnership will use and the campaign's topic.
type VetAccountsInput struct {
	// Accounts has one entry per platform of the offer's deliverables, the first
	// deliverable's first; an empty handle is a platform the creator has no account on.
	Accounts []VetAccount `json:"accounts"`
	Keywords []string     `json:"keywords"`
}

// VetAccount is one of the creator's accounts.
type VetAccount struct {
	Platform string `json:"platform"`
	Handle   string `json:"handle"`
}

// VetCreatorAccounts reads and assesses every account a partnership will use and combines
// the reports (vetting.Combine): each account's flags count in the verdict, so a creator
// whose TikTok audience is bought does not pass on the strength of their Instagram. An
// account the provider does not know (404: account_not_found) or refuses to show (a 4xx other
// than 401, 404, 408 and 429, ErrTypeRejected: account_unavailable) is a critical flag on its
// report, not an error: the other accounts keep their figures and a brand manager decides.
//
// An account another creator registered too gets a critical account_shared flag
// (flagShared), whatever the provider said about it.
//
// One activity for all the accounts, read concurrently: the reads have no side effects, so
// retrying all of them when one fails costs little, an attempt takes as long as the slowest
// read rather than their sum, and the history holds one activity and one report however many
// platforms the offer has. A failure worth retrying (5xx, 408, 429, no answer) fails the
// attempt and Temporal retries it; one that is not (a 401 for our own credentials, an answer
// that cannot be read) fails the vetting as a whole, and a brand manager decides on the error.
func (a *Activities) VetCreatorAccounts(ctx context.Context, in VetAccountsInput) (VetOutput, error) {
	reports := make([]vetting.Report, len(in.Accounts))
	errs := make([]error, len(in.Accounts))
	var wg sync.WaitGroup
	for i, acc := range in.Accounts {
		wg.Go(func() { reports[i], errs[i] = a.vetAccount(ctx, acc, in.Keywords) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			// The first one as it is (not joined), so a non-retryable error stays non-retryable.
			return VetOutput{}, err
		}
	}
	report := vetting.Combine(reports)
	raw, err := json.Marshal(report)
	if err != nil {
		return VetOutput{}, err
	}
	return VetOutput{Report: raw, Clean: report.Clean, CleanScore: a.thresholds().CleanScore}, nil
}

func (a *Activities) vetAccount(ctx context.Context, acc VetAccount, keywords []string) (vetting.Report, error) {
	if acc.Handle == "" {
		return vetting.Missing(acc.Platform, "", "the creator has no "+acc.Platform+" account on record"), nil
	}
	p, err := a.Providers.Social.Profile(ctx, acc.Platform, acc.Handle)
	var appErr *temporal.ApplicationError
	var report vetting.Report
	switch {
	case errors.Is(err, providers.ErrNotFound):
		report = vetting.Missing(acc.Platform, acc.Handle,
			fmt.Sprintf("no %s account %q at the social provider", acc.Platform, acc.Handle))
	case errors.As(err, &appErr) && appErr.Type() == providers.ErrTypeRejected && !refusedUs(appErr):
		// Final for this account (private, or not one the provider lets us read), whichever
		// account it is: retrying cannot change it, and failing the activity would throw the
		// other accounts' figures away with it.
		report = vetting.Unavailable(acc.Platform, acc.Handle,
			fmt.Sprintf("the social provider refused the %s account %q: %s", acc.Platform, acc.Handle, appErr.Message()))
	case err != nil:
		return vetting.Report{}, err
	default:
		report = vetting.Assess(p, vetting.Campaign{Keywords: keywords}, a.thresholds())
	}
	return a.flagShared(ctx, acc.Platform, acc.Handle, report, keywords)
}

// flagShared adds the critical account_shared flag (vetting.Shared) to the report of an
// account that another creator registered too, so the partnership waits for a brand manager
// who makes sure this creator owns it: an impersonator who registered a known creator's
// handle with their own payout account would otherwise be paid for the real creator's posts.
//
// The partnership's creator registered the account (its handle comes from their accounts),
// so a second creator with it is another creator; the activity is not told whose partnership
// it vets, and needs not be. Creators of every brand count: an impersonator is as likely to be
// added by another brand as by this one, and a brand cannot see the others' creators to check
// for itself. The same person added by two brands is flagged too, for a brand manager to
// approve; the flag never says who the other creator is. Without a store (the workflows'
// unit tests run this activity on a fake provider alone) there is nobody to compare with.
func (a *Activities) flagShared(ctx context.Context, platform, handle string, r vetting.Report, keywords []string) (vetting.Report, error) {
	if a.Store == nil || handle == "" {
		return r, nil
	}
	ids, err := a.Store.CreatorsWithAccount(ctx, platform, handle, 2)
	if err != nil || len(ids) < 2 {
		return r, err
	}
	return vetting.Shared(r, vetting.Campaign{Keywords: keywords}, a.thresholds()), nil
}

// refusedUs reports a refusal about our credentials (401) rather than the account: every
// account would read as unavailable, so it fails the vetting instead, as a whole.
func refusedUs(err *temporal.ApplicationError) bool {
	var rej providers.Rejection
	return err.HasDetails() && err.Details(&rej) == nil && rej.StatusCode == http.StatusUnauthorized
}

func (a *Activities) thresholds() vetting.Thresholds {
	if a.Vetting != nil {
		return *a.Vetting
	}
	return vetting.DefaultThresholds()
}
