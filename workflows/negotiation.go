package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/partnerflow/partnerflow/partnership"
)

// negotiation sends the offer and lets creator and brand take turns until one accepts, the
// creator declines, the brand withdraws, or the turn's time-to-live passes.
func (w *partnershipWorkflow) negotiation() error {
	w.setStage(partnership.StageNegotiation)
	now := workflow.Now(w.ctx).UTC()
	offer := w.in.Offer
	w.st.Negotiation = partnership.Negotiation{Round: 1, Turn: partnership.RoleCreator, History: []partnership.NegotiationEntry{
		{Round: 1, Role: partnership.RoleBrandManager, Actor: w.in.CreatedBy.Sub, Action: "offer", Terms: &offer, At: now},
	}}
	w.emit("offer_sent", w.in.CreatedBy, nil)
	// The creator's turn from now: the write that records the vetting decision may be this
	// one, and its answer must not still name the decision as what comes next.
	w.setNext(partnership.RoleCreator, "answer_offer", partnership.Seconds(w.in.Campaign.OfferTTLSeconds))
	if err := w.persist(w.ctx); err != nil {
		return err
	}
	if err := w.notifyCreator("offer", "New partnership offer from "+w.in.BrandName,
		fmt.Sprintf("%s offers you %s partnership for %s. Answer within %s.",
			w.in.BrandName, partnership.WithArticle(partnership.KindName(offer.Kind)), offer.Pay(), partnership.HumanSeconds(w.in.Campaign.OfferTTLSeconds))); err != nil {
		return err
	}
	// processed counts the history entries handled so far. A move can arrive while the offer
	// e-mail is still being sent, so the loop works through entries by index instead of
	// waiting for "the next" one.
	processed := 1
	for {
		turn := w.st.Negotiation.Turn
		role, action := turn, "answer_offer"
		if turn == "" {
			// An accept, decline or withdrawal came in while the offer e-mail was on its way:
			// nobody's turn, the workflow concludes. (next_action.role is never empty.)
			role, action = partnership.RoleSystem, "conclude_negotiation"
		}
		ok, err := w.waitForPerson(role, action, partnership.Seconds(w.in.Campaign.OfferTTLSeconds),
			func() bool { return len(w.st.Negotiation.History) > processed || w.ended })
		if err != nil {
			return err
		}
		switch {
		case w.cancelled():
			return w.compensate(*w.cancel)
		case w.ended:
			return errEnded
		case !ok:
			return w.end(partnership.StageExpired, "expired", "offer_expired", systemActor, map[string]string{"waiting_for": turn})
		}
		move := w.st.Negotiation.History[processed]
		processed++
		actor := partnership.Actor{Sub: move.Actor, Role: move.Role}
		switch move.Action {
		case "accept":
			w.emit("terms_agreed", actor, map[string]any{"terms": w.st.Terms})
			return nil
		case "decline":
			return w.end(partnership.StageDeclined, "declined", "offer_declined", actor, nil)
		case "withdraw":
			w.cancel = &partnership.Cancellation{By: actor.Sub, Role: actor.Role, Reason: "offer withdrawn by the brand", At: move.At}
			return w.compensate(*w.cancel)
		}
		// a counter: the other side's turn; loop
		w.noticeCounter(move)
	}
}

func (w *partnershipWorkflow) registerNegotiationUpdates() error {
	return workflow.SetUpdateHandlerWithOptions(w.ctx, partnership.UpdateNegotiate,
		func(ctx workflow.Context, m partnership.NegotiationMove) (partnership.Ack, error) {
			n := &w.st.Negotiation
			entry := partnership.NegotiationEntry{Round: n.Round, Role: m.Actor.Role, Actor: m.Actor.Sub, Action: m.Action, At: workflow.Now(ctx).UTC()}
			if m.Action == "counter" {
				n.Round++
				entry.Round = n.Round
				t := *m.Terms
				entry.Terms = &t
				w.st.Terms = t
				n.Turn = other(m.Actor.Role)
			} else {
				// accept, decline and withdraw end the negotiation: it is nobody's turn, so a
				// move that arrives before the main loop has acted on this one (a second tab, the
				// same workflow task) is refused instead of changing the terms agreed to.
				n.Turn = ""
			}
			n.History = append(n.History, entry)
			w.emit("negotiation_"+m.Action, m.Actor, map[string]any{"round": entry.Round, "terms": entry.Terms})
			return w.persistAck(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(m partnership.NegotiationMove) error {
			if err := w.requireRole(m.Actor, partnership.RoleCreator, partnership.RoleBrandManager); err != nil {
				return err
			}
			if err := w.requireStage(partnership.StageNegotiation); err != nil {
				return err
			}
			n := w.st.Negotiation
			if n.Turn == "" && len(n.History) > 0 {
				last := n.History[len(n.History)-1]
				return w.conflict("the negotiation is over: the %s %s", roleName(last.Role), endingMoves[last.Action])
			}
			if n.Turn != m.Actor.Role {
				return w.conflict("it is the %s's turn to answer", roleName(n.Turn))
			}
			switch m.Action {
			case "accept":
			case "decline":
				if m.Actor.Role != partnership.RoleCreator {
					return w.invalid("only the creator declines; the brand withdraws")
				}
			case "withdraw":
				if m.Actor.Role != partnership.RoleBrandManager {
					return w.invalid("only the brand withdraws an offer; the creator declines")
				}
			case "counter":
				if m.Terms == nil {
					return w.invalid("a counter-offer needs terms")
				}
				if w.lastRound(n.Round) {
					answer := "accept or decline"
					if m.Actor.Role == partnership.RoleBrandManager {
						answer = "accept or withdraw"
					}
					return w.conflict("the negotiation reached its limit of %s: %s", partnership.Plural(w.in.Campaign.MaxNegotiationRounds, "round"), answer)
				}
				// The deal's currency is the original offer's: the campaign's budget, the
				// contract and the payouts are in it, and a counter that changed it would be
				// read as the same amount in another money.
				// (The API refuses a kill fee in another currency than the fee.)
				if cur := w.in.Offer.Fee.Currency; cur != "" && m.Terms.Fee.Currency != cur {
					return w.invalidField("terms.fee.currency", "must stay %s, the offer's currency", cur)
				}
				// Each post is verified against the creator's account on its platform: a
				// deliverable on a platform the creator is not on could never be verified.
				for i, d := range m.Terms.Deliverables {
					if _, ok := w.in.HandleOn(d.Platform); !ok {
						return w.invalidField(fmt.Sprintf("terms.deliverables[%d].platform", i), "the creator has no %s account", d.Platform)
					}
				}
				if err := w.requireVetted(m.Terms.Deliverables); err != nil {
					return err
				}
			default:
				return w.invalid("action must be accept, decline, counter or withdraw")
			}
			return nil
		}})
}

// requireVetted refuses deliverables on a platform outside the original offer, whose accounts
// the vetting covered: nothing would ever vet it before the contract. The refusal names the
// first such deliverable's platform field and, in its message, every such platform and the
// offer's.
func (w *partnershipWorkflow) requireVetted(deliverables []partnership.DeliverableSpec) error {
	vetted := w.offerPlatforms()
	var unvetted []string
	first := -1
	for i, d := range deliverables {
		if slices.Contains(vetted, d.Platform) || slices.Contains(unvetted, d.Platform) {
			continue
		}
		if first < 0 {
			first = i
		}
		unvetted = append(unvetted, d.Platform)
	}
	if first < 0 {
		return nil
	}
	verb := "was"
	if len(unvetted) > 1 {
		verb = "were"
	}
	return w.invalidField(fmt.Sprintf("terms.deliverables[%d].platform", first),
		"%s %s not vetted for this partnership: a counter-offer's deliverables stay on the platforms of the original offer, whose accounts were vetted (%s)",
		strings.Join(unvetted, ", "), verb, strings.Join(vetted, ", "))
}

// noticeCounter tells the other side that a counter-offer is theirs to answer (turnEmails). At
// the campaign's round limit the validator refuses another counter, so the e-mail does not
// offer one.
func (w *partnershipWorkflow) noticeCounter(move partnership.NegotiationEntry) {
	within := partnership.HumanSeconds(w.in.Campaign.OfferTTLSeconds)
	step := fmt.Sprintf("countered/%d", move.Round)
	options, limit := "Accept, decline or counter", ""
	if move.Role == partnership.RoleCreator {
		options = "Accept, counter or withdraw"
	}
	if w.lastRound(move.Round) {
		options, limit = "Accept or decline", " This was the last round the campaign allows: no further counter-offer is possible."
		if move.Role == partnership.RoleCreator {
			options = "Accept or withdraw"
		}
	}
	if move.Role == partnership.RoleCreator {
		w.noticeTurn(partnership.RoleBrandManager, step, "The creator countered your offer",
			fmt.Sprintf("The creator countered your offer on %s with new terms (round %d): %s. %s in Partnerflow within %s.%s%s",
				w.brandPartnershipName(), move.Round, pay(move), options, within, limit, w.idLine()))
		return
	}
	w.noticeTurn(partnership.RoleCreator, step, w.in.BrandName+" answered with new terms",
		fmt.Sprintf("%s answered your counter-offer with new terms (round %d): %s. %s in Partnerflow within %s.%s",
			w.in.BrandName, move.Round, pay(move), options, within, limit))
}

// lastRound reports whether round is the last the campaign allows: no counter may follow it.
func (w *partnershipWorkflow) lastRound(round int) bool {
	max := w.in.Campaign.MaxNegotiationRounds
	return max > 0 && round >= max
}

// pay is what a counter-offer's terms pay, for its e-mail.
func pay(move partnership.NegotiationEntry) string {
	if move.Terms == nil {
		return "see Partnerflow"
	}
	return move.Terms.Pay()
}

// endingMoves says what each move that ends the negotiation did, for the refusal of a later one.
var endingMoves = map[string]string{
	"accept":   "accepted the terms",
	"decline":  "declined the offer",
	"withdraw": "withdrew the offer",
}

func other(role string) string {
	if role == partnership.RoleCreator {
		return partnership.RoleBrandManager
	}
	return partnership.RoleCreator
}

func roleName(role string) string {
	if role == partnership.RoleBrandManager {
		return "brand"
	}
	return role
}
