package sandbox

import (
	"cmp"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The payments provider mimics Stripe Connect transfers: created pending, settled later, and
// announced by a signed webhook. Three magic destinations make failures reproducible.

const (
	transferPending = "pending"
	transferPaid    = "paid"
	transferFailed  = "failed"

	// DestinationClosed is a destination whose transfers fail with failure_code account_closed.
	DestinationClosed = "acct_closed"
	// DestinationInsufficient is a destination whose transfers fail with insufficient_funds.
	DestinationInsufficient = "acct_insufficient"
	// DestinationSilent is a destination whose transfers are paid but never announced: the
	// webhook is lost, and only GET /payments/v1/transfers/{id} tells.
	DestinationSilent = "acct_silent"

	maxTransferAmount = 100_000_000_000
	maxMetadataKeys   = 50
	maxMetadataKey    = 40
	maxMetadataValue  = 500
)

var currencyPattern = regexp.MustCompile(`^[A-Za-z]{3}$`)

type transferInput struct {
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Destination string            `json:"destination"`
	Metadata    map[string]string `json:"metadata"`
}

func (in *transferInput) validate() *apiError {
	var errs fieldErrors
	if in.Amount <= 0 || in.Amount > maxTransferAmount {
		errs.add("amount", "must be a positive amount in minor units")
	}
	if !currencyPattern.MatchString(in.Currency) {
		errs.add("currency", "must be a three-letter ISO 4217 code")
	}
	if strings.TrimSpace(in.Destination) == "" || len(in.Destination) > 255 {
		errs.add("destination", "required, at most 255 characters")
	}
	validateMetadata("metadata", in.Metadata, maxMetadataKeys, maxMetadataKey, maxMetadataValue, &errs)
	return errs.err()
}

// transferJSON is the provider's transfer object. failure_code is null unless failed, as in
// Stripe.
type transferJSON struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	Status      string            `json:"status"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Destination string            `json:"destination"`
	FailureCode *string           `json:"failure_code"`
	Metadata    map[string]string `json:"metadata"`
	Created     int64             `json:"created"`
}

func transferJSONOf(t *transfer) transferJSON {
	v := transferJSON{
		ID: t.ID, Object: "transfer", Status: t.Status, Amount: t.Amount, Currency: t.Currency,
		Destination: t.Destination, Metadata: t.Metadata, Created: t.CreatedAt.Unix(),
	}
	if t.FailureCode != "" {
		code := t.FailureCode
		v.FailureCode = &code
	}
	return v
}

// POST /payments/v1/transfers
func (s *Sandbox) handleCreateTransfer(w http.ResponseWriter, r *http.Request) {
	body, apiErr := readBody(w, r)
	var in transferInput
	if apiErr == nil {
		apiErr = decodeLenient(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	key := r.Header.Get(idempotencyHeader)
	s.serveCreate(w, r, providerPayments, body, func() (int, any, *apiError) {
		if e := in.validate(); e != nil {
			return 0, nil, e
		}
		t := now()
		tr := &transfer{
			ID: newID("tr_"), IdempotencyKey: key, Status: transferPending, Amount: in.Amount,
			Currency: in.Currency, Destination: in.Destination, Metadata: in.Metadata,
			CreatedAt: t, SettleAt: t.Add(s.cfg.SettleDelay),
		}
		if tr.Metadata == nil {
			tr.Metadata = map[string]string{}
		}
		s.st.Transfers[tr.ID] = tr
		// Settle when due, not at the next poll of the settlement loop.
		time.AfterFunc(s.cfg.SettleDelay, func() { wake(s.settleNow) })
		s.log.Info("transfer created", "transfer_id", tr.ID, "amount", tr.Amount, "currency", tr.Currency)
		return http.StatusOK, transferJSONOf(tr), nil
	})
}

// GET /payments/v1/transfers/{id}
func (s *Sandbox) handleGetTransfer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tr, ok := s.transferLocked(w, r); ok {
		writeJSON(w, http.StatusOK, transferJSONOf(tr))
	}
}

// transferLocked is the transfer the request's path names, or a 404 written; the caller
// holds s.mu.
func (s *Sandbox) transferLocked(w http.ResponseWriter, r *http.Request) (*transfer, bool) {
	tr, ok := s.st.Transfers[r.PathValue("id")]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "transfer not found"))
	}
	return tr, ok
}

type paymentsEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object transferJSON `json:"object"`
	} `json:"data"`
}

// settleDue moves every pending transfer past its settle time to paid or failed.
func (s *Sandbox) settleDue(context.Context) {
	t := now()
	s.mu.Lock()
	defer s.mu.Unlock()
	settled := 0
	for _, tr := range s.st.Transfers {
		if tr.Status != transferPending || tr.SettleAt.After(t) {
			continue
		}
		switch tr.Destination {
		case DestinationClosed:
			tr.Status, tr.FailureCode = transferFailed, "account_closed"
		case DestinationInsufficient:
			tr.Status, tr.FailureCode = transferFailed, "insufficient_funds"
		default:
			tr.Status = transferPaid
		}
		at := t
		tr.SettledAt = &at
		settled++
		if tr.Destination == DestinationSilent {
			s.log.Info("transfer settled, its webhook lost on purpose", "transfer_id", tr.ID, "status", tr.Status)
			continue
		}
		ev := paymentsEvent{ID: newID("evt_"), Type: "transfer." + tr.Status, Created: t.Unix()}
		ev.Data.Object = transferJSONOf(tr)
		s.enqueueWebhookLocked(providerPayments, ev.Type, ev.ID, ev)
		s.log.Info("transfer settled", "transfer_id", tr.ID, "status", tr.Status)
	}
	if settled > 0 {
		// On failure the rollback puts the transfers back to pending; the next tick retries.
		_ = s.commitLocked()
	}
}

type returnInput struct {
	FailureCode string `json:"failure_code"`
}

// POST /sandbox/payments/transfers/{id}/return: the creator's bank returns a paid transfer,
// as a Stripe payout paid and then failed. The transfer becomes failed (failure_code
// account_closed unless the body names another) and a transfer.failed webhook follows the
// transfer.paid one already sent.
func (s *Sandbox) handleReturnTransfer(w http.ResponseWriter, r *http.Request) {
	var in returnInput
	body, apiErr := readBody(w, r)
	if apiErr == nil && len(strings.TrimSpace(string(body))) > 0 {
		apiErr = decodeStrict(body, &in)
	}
	if apiErr == nil && len(in.FailureCode) > 64 {
		var errs fieldErrors
		errs.add("failure_code", "at most 64 characters")
		apiErr = errs.err()
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tr, ok := s.transferLocked(w, r)
	if !ok {
		return
	}
	if tr.Status != transferPaid {
		writeError(w, errorf(http.StatusConflict, "only a paid transfer can be returned; this one is "+tr.Status))
		return
	}
	tr.Status, tr.FailureCode = transferFailed, cmp.Or(strings.TrimSpace(in.FailureCode), "account_closed")
	if tr.Destination != DestinationSilent {
		ev := paymentsEvent{ID: newID("evt_"), Type: "transfer.failed", Created: now().Unix()}
		ev.Data.Object = transferJSONOf(tr)
		s.enqueueWebhookLocked(providerPayments, ev.Type, ev.ID, ev)
	}
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	s.log.Info("transfer returned", "transfer_id", tr.ID, "failure_code", tr.FailureCode)
	writeJSON(w, http.StatusOK, transferJSONOf(tr))
}

type transferItem struct {
	ID             string            `json:"id"`
	IdempotencyKey string            `json:"idempotency_key"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	Destination    string            `json:"destination"`
	Status         string            `json:"status"`
	FailureCode    string            `json:"failure_code"`
	Metadata       map[string]string `json:"metadata"`
	CreatedAt      time.Time         `json:"created_at"`
	SettledAt      *time.Time        `json:"settled_at,omitempty"`
}

// GET /sandbox/payments/transfers lists every transfer received, oldest first.
func (s *Sandbox) handleListTransfers(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	items := make([]transferItem, 0, len(s.st.Transfers))
	for _, tr := range s.st.Transfers {
		items = append(items, transferItem{
			ID: tr.ID, IdempotencyKey: tr.IdempotencyKey, Amount: tr.Amount, Currency: tr.Currency,
			Destination: tr.Destination, Status: tr.Status, FailureCode: tr.FailureCode,
			Metadata: tr.Metadata, CreatedAt: tr.CreatedAt, SettledAt: tr.SettledAt,
		})
	}
	s.mu.Unlock()
	slices.SortFunc(items, func(a, b transferItem) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
