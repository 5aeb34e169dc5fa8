package workflows

import "go.temporal.io/sdk/workflow"

// BaseVersion is the version of "record-once-per-task" that new partnerships take (setup); its
// comment there lists what each version brought.
const BaseVersion workflow.Version = 8

// foldedAt maps each behaviour change made under a change id of its own (all have a single
// new version, 1) to the version of "record-once-per-task" from which a partnership takes
// its new branch without asking. Each GetVersion that a run asks for the first time records
// a marker and upserts the TemporalChangeVersion search attribute, a visibility write on the
// server: four of them on a plain lifecycle cost more server CPU than anything else
// Partnerflow adds to Temporal's own work (docs/benchmarks.md, Tuning). A partnership
// started at version 5 or later was started by code that has every change below, so it
// takes them all and asks for none; one started before asks each id where it matters, as
// it always did, and its history replays the same.
//
// An entry is never removed or lowered: a history recorded without the change's marker
// replays only while its base version still implies the change. A change made later either
// takes an id of its own (running partnerships then take it where it matters) or is folded
// in by a new version of "record-once-per-task" and an entry naming that version.
var foldedAt = map[string]workflow.Version{
	"approval-emails":                  5,
	"async-transfers":                  5,
	"cancel-ack-after-write":           5,
	"cancel-at-signing-deadline":       5,
	"cancel-during-handover":           5,
	"commission-on-cancel-in-tracking": 5,
	"compact-cycles":                   5,
	"conflict-lookup":                  8,
	"draft-after-cancel":               5,
	"end-emails":                       5,
	"esign-before-envelope":            5,
	"esign-final-only":                 5,
	"failure-emails":                   5,
	"fee-on-verification":              5,
	"flush-after-cancel":               5,
	"no-code-after-cancel":             5,
	"provider-expiry-expires":          5,
	"provider-step-hold":               5,
	"settle-chases":                    5,
	"team-emails":                      5,
	"transfer-lookup":                  8,
	"transfer-wait-wakes":              5,
	"usage-rights-reminder":            5,
	"void-refused-envelope-final":      5,
	"withdrawal-owes-no-kill-fee":      5,
}

// changed reports whether this run takes the new branch of changeID: at once when its base
// version folds the change in, otherwise as GetVersion says (a marker the first time it is
// asked). ctx is the calling coroutine's, as GetVersion wants. It serves changes with one new
// version (DefaultVersion or 1); a change that needs a second one asks GetVersion itself.
func (w *partnershipWorkflow) changed(ctx workflow.Context, changeID string) bool {
	if since, ok := foldedAt[changeID]; ok && w.base >= since {
		return true
	}
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) >= 1
}
