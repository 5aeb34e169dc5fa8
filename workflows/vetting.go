package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/activities"
	"github.com/partnerflow/partnerflow/partnership"
)

// vetting assesses the creator's account on every platform of the offer's deliverables; a
// report clean on every account auto-advances when the campaign allows it, otherwise the
// brand decides before the offer's time-to-live runs out.
func (w *partnershipWorkflow) vetting() error {
	w.emit("partnership_created", w.in.CreatedBy, map[string]any{"offer": w.in.Offer})
	w.setNext(partnership.RoleSystem, "vet_creator", 0)
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	var out activities.VetOutput
	var err error
	// Versioned (version 3 of "record-once-per-task", setup): partnerships started before
	// vetted the first deliverable's account only.
	if !w.everyAccount {
		err = workflow.ExecuteActivity(w.providerCtx(), a.VetCreator, activities.VetInput{
			Platform: w.in.Platform, Handle: w.in.CreatorHandle, Keywords: w.in.Campaign.Keywords,
		}).Get(w.ctx, &out)
	} else {
		err = workflow.ExecuteActivity(w.providerCtx(), a.VetCreatorAccounts, activities.VetAccountsInput{
			Accounts: w.vettedAccounts(), Keywords: w.in.Campaign.Keywords,
		}).Get(w.ctx, &out)
	}
	if err != nil {
		// A vetting that cannot run (unknown account) is a flagged report the brand decides on.
		w.st.Vetting.Report = mustJSON(map[string]string{"error": rootMessage(err)})
		w.st.Vetting.Clean = false
	} else {
		w.st.Vetting.Report, w.st.Vetting.Clean = out.Report, out.Clean
	}
	w.emit("vetting_report", systemActor, map[string]bool{"clean": w.st.Vetting.Clean})

	if w.st.Vetting.Clean && w.in.Campaign.AutoApproveVetting {
		w.st.Vetting.Decision = "auto_approved"
		w.emit("vetting_auto_approved", systemActor, nil)
		return nil
	}
	why := "is clean, and the campaign asks you to approve every creator."
	switch {
	case err != nil:
		why = "could not run (" + rootMessage(err) + ")."
	case !w.st.Vetting.Clean:
		why = notCleanBecause(out)
	}
	w.noticeTurn(partnership.RoleBrandManager, "decide_vetting", "A creator's vetting needs your decision",
		fmt.Sprintf("The vetting of the creator for %s %s Approve or reject it in Partnerflow within %s.%s",
			w.brandPartnershipName(), why, partnership.HumanSeconds(w.in.Campaign.OfferTTLSeconds), w.idLine()))
	ok, err := w.waitForPerson(partnership.RoleBrandManager, "decide_vetting",
		partnership.Seconds(w.in.Campaign.OfferTTLSeconds), func() bool { return w.st.Vetting.Decision != "" })
	if err != nil {
		return err
	}
	switch {
	case w.cancelled():
		return w.compensate(*w.cancel)
	case !ok:
		return w.end(partnership.StageExpired, "expired", "vetting_expired", systemActor, nil)
	case w.st.Vetting.Decision == "reject":
		return w.end(partnership.StageRejected, "rejected", "vetting_rejected", partnership.Actor{Sub: w.st.Vetting.DecidedBy, Role: w.vettingRole}, map[string]string{"note": w.st.Vetting.Note})
	}
	return nil
}

// vettedAccounts lists the creator's account on every platform of the offer's deliverables,
// each platform once: the first deliverable's (Input.Platform, the primary account) first,
// then the others in the order the offer lists them. A platform the creator has no account on
// comes with an empty handle, which the vetting flags.
func (w *partnershipWorkflow) vettedAccounts() []activities.VetAccount {
	accounts := []activities.VetAccount{{Platform: w.in.Platform, Handle: w.in.CreatorHandle}}
	for _, d := range w.in.Offer.Deliverables {
		if slices.ContainsFunc(accounts, func(acc activities.VetAccount) bool { return acc.Platform == d.Platform }) {
			continue
		}
		handle, _ := w.in.HandleOn(d.Platform)
		accounts = append(accounts, activities.VetAccount{Platform: d.Platform, Handle: handle})
	}
	return accounts
}

// offerPlatforms lists the platforms of the original offer, the first deliverable's first:
// those whose account the vetting covered (vettedAccounts). They come from the input rather
// than from the report, whose platform is the provider's answer and which names none when the
// vetting failed as a whole (what the brand manager then approved was still the vetting of
// these accounts). A partnership vetted before every account was vetted the first one only;
// the brand chose the others with its offer, and counter-offers may keep them.
func (w *partnershipWorkflow) offerPlatforms() []string {
	var platforms []string
	for _, acc := range w.vettedAccounts() {
		platforms = append(platforms, acc.Platform)
	}
	return platforms
}

func (w *partnershipWorkflow) registerVettingUpdates() error {
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateVettingDecision,
		func(ctx workflow.Context, d partnership.VettingDecision) (partnership.Ack, error) {
			w.st.Vetting.Decision, w.st.Vetting.DecidedBy, w.st.Vetting.Note = d.Decision, d.Actor.Sub, d.Note
			w.vettingRole = d.Actor.Role
			w.emit("vetting_decided", d.Actor, map[string]string{"decision": d.Decision, "note": d.Note})
			return w.persistAck(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(d partnership.VettingDecision) error {
			if err := w.requireRole(d.Actor, partnership.RoleBrandManager, partnership.RoleAdmin); err != nil {
				return err
			}
			if err := w.requireStage(partnership.StageVetting); err != nil {
				return err
			}
			if w.st.Vetting.Report == nil {
				return w.conflict("the vetting report is not ready yet")
			}
			if w.st.Vetting.Decision != "" {
				return w.conflict("vetting was already decided (%s)", w.st.Vetting.Decision)
			}
			if d.Decision != "approve" && d.Decision != "reject" {
				return w.invalid("decision must be approve or reject")
			}
			return nil
		}})
}

// notCleanBecause says why a vetting report is not clean, for the brand's e-mail: its flags
// when it has some, and a score below the one a clean report needs (out.CleanScore; an output
// recorded before it existed does not say which).
func notCleanBecause(out activities.VetOutput) string {
	var r struct {
		Score *int `json:"score"`
		Flags []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"flags"`
	}
	_ = json.Unmarshal(out.Report, &r) // a report that does not read says only that it is not clean
	why := "is not clean."
	if r.Score != nil && (out.CleanScore == 0 && len(r.Flags) == 0 || *r.Score < out.CleanScore) {
		needed := "the score needed"
		if out.CleanScore > 0 {
			needed = fmt.Sprintf("the %d needed", out.CleanScore)
		}
		why = fmt.Sprintf("is not clean: its score of %d/100 is below %s to advance without review.", *r.Score, needed)
	}
	if len(r.Flags) == 0 {
		return why
	}
	flags := make([]string, len(r.Flags))
	for i, f := range r.Flags {
		flags[i] = strings.TrimSpace(f.Message)
		if flags[i] == "" {
			flags[i] = humanize(f.Code) + "."
		}
	}
	return why + " Flagged: " + strings.Join(flags, " ")
}
