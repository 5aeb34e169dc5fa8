package sandbox

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The e-signature provider mimics DocuSign's envelopes API: create-and-send, void, and signed
// Connect-style webhooks when an envelope reaches a final state.

const (
	envelopeSent      = "sent"
	envelopeCompleted = "completed"
	envelopeDeclined  = "declined"
	envelopeVoided    = "voided"

	signerPending  = "sent"
	signerSigned   = "signed"
	signerDeclined = "declined"

	signingPathPrefix = "/sandbox/esign/sign/"

	maxSigners       = 10
	maxSubjectRunes  = 1000
	maxCustomFields  = 50
	maxFieldKeyLen   = 100
	maxFieldValueLen = 1000
	maxReasonRunes   = 1000
)

type signerInput struct {
	Role  string `json:"role"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type envelopeInput struct {
	EmailSubject string            `json:"email_subject"`
	Document     string            `json:"document"`
	Signers      []signerInput     `json:"signers"`
	CustomFields map[string]string `json:"custom_fields"`
	Status       string            `json:"status"`
}

func (in *envelopeInput) validate() *apiError {
	var errs fieldErrors
	if strings.TrimSpace(in.EmailSubject) == "" {
		errs.add("email_subject", "required")
	} else if utf8.RuneCountInString(in.EmailSubject) > maxSubjectRunes {
		errs.add("email_subject", fmt.Sprintf("must be at most %d characters", maxSubjectRunes))
	}
	if strings.TrimSpace(in.Document) == "" {
		errs.add("document", "required")
	}
	if in.Status != envelopeSent {
		errs.add("status", `must be "sent" (drafts are not supported)`)
	}
	if len(in.Signers) == 0 || len(in.Signers) > maxSigners {
		errs.add("signers", fmt.Sprintf("between 1 and %d signers", maxSigners))
	}
	seen := map[string]bool{}
	for i, sg := range in.Signers {
		field := fmt.Sprintf("signers[%d]", i)
		switch {
		case strings.TrimSpace(sg.Role) == "" || utf8.RuneCountInString(sg.Role) > 64:
			errs.add(field+".role", "required, at most 64 characters")
		case seen[sg.Role]:
			errs.add(field+".role", "duplicate role")
		}
		seen[sg.Role] = true
		if strings.TrimSpace(sg.Name) == "" || utf8.RuneCountInString(sg.Name) > 200 {
			errs.add(field+".name", "required, at most 200 characters")
		}
		if _, err := mail.ParseAddress(sg.Email); err != nil {
			errs.add(field+".email", "must be an e-mail address")
		}
	}
	validateMetadata("custom_fields", in.CustomFields, maxCustomFields, maxFieldKeyLen, maxFieldValueLen, &errs)
	return errs.err()
}

func validateMetadata(field string, m map[string]string, maxKeys, maxKey, maxValue int, errs *fieldErrors) {
	if len(m) > maxKeys {
		errs.add(field, fmt.Sprintf("at most %d keys", maxKeys))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "" || utf8.RuneCountInString(k) > maxKey {
			errs.add(field, fmt.Sprintf("keys must be 1-%d characters", maxKey))
		}
		if utf8.RuneCountInString(m[k]) > maxValue {
			errs.add(field+"."+k, fmt.Sprintf("must be at most %d characters", maxValue))
		}
	}
}

type envelopeCreated struct {
	EnvelopeID  string            `json:"envelope_id"`
	Status      string            `json:"status"`
	SigningURLs map[string]string `json:"signing_urls"`
}

type signerView struct {
	Role     string     `json:"role"`
	Name     string     `json:"name"`
	Email    string     `json:"email"`
	Status   string     `json:"status"`
	SignedAt *time.Time `json:"signed_at,omitempty"`
}

type envelopeView struct {
	EnvelopeID    string            `json:"envelope_id"`
	Status        string            `json:"status"`
	SigningURLs   map[string]string `json:"signing_urls"`
	EmailSubject  string            `json:"email_subject"`
	Signers       []signerView      `json:"signers"`
	CustomFields  map[string]string `json:"custom_fields"`
	VoidedReason  string            `json:"voided_reason,omitempty"`
	DeclineReason string            `json:"decline_reason,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

func signingURLs(e *envelope, base string) map[string]string {
	urls := make(map[string]string, len(e.Signers))
	for _, sg := range e.Signers {
		urls[sg.Role] = base + signingPathPrefix + sg.Token
	}
	return urls
}

func envelopeViewOf(e *envelope, base string) envelopeView {
	v := envelopeView{
		EnvelopeID: e.ID, Status: e.Status, SigningURLs: signingURLs(e, base), EmailSubject: e.Subject,
		CustomFields: e.CustomFields, VoidedReason: e.VoidedReason, DeclineReason: e.DeclineReason,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, Signers: make([]signerView, 0, len(e.Signers)),
	}
	for _, sg := range e.Signers {
		v.Signers = append(v.Signers, signerView{Role: sg.Role, Name: sg.Name, Email: sg.Email, Status: sg.Status, SignedAt: sg.SignedAt})
	}
	return v
}

// POST /esign/v2.1/envelopes
func (s *Sandbox) handleCreateEnvelope(w http.ResponseWriter, r *http.Request) {
	body, apiErr := readBody(w, r)
	var in envelopeInput
	if apiErr == nil {
		apiErr = decodeLenient(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	base := s.publicURL(r)
	s.serveCreate(w, r, providerESign, body, func() (int, any, *apiError) {
		if e := in.validate(); e != nil {
			return 0, nil, e
		}
		t := now()
		e := &envelope{
			ID: newEnvelopeID(), Status: envelopeSent, Subject: in.EmailSubject, Document: in.Document,
			CustomFields: in.CustomFields, CreatedAt: t, UpdatedAt: t,
		}
		if e.CustomFields == nil {
			e.CustomFields = map[string]string{}
		}
		for _, sg := range in.Signers {
			e.Signers = append(e.Signers, &signer{Role: sg.Role, Name: sg.Name, Email: sg.Email, Token: newToken(), Status: signerPending})
		}
		s.st.Envelopes[e.ID] = e
		s.log.Info("envelope sent", "envelope_id", e.ID, "signers", len(e.Signers))
		return http.StatusCreated, envelopeCreated{EnvelopeID: e.ID, Status: e.Status, SigningURLs: signingURLs(e, base)}, nil
	})
}

// GET /esign/v2.1/envelopes/{id}
func (s *Sandbox) handleGetEnvelope(w http.ResponseWriter, r *http.Request) {
	base := s.publicURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.Envelopes[r.PathValue("id")]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "envelope not found"))
		return
	}
	writeJSON(w, http.StatusOK, envelopeViewOf(e, base))
}

type envelopeUpdateInput struct {
	Status       string `json:"status"`
	VoidedReason string `json:"voided_reason"`
}

// PUT /esign/v2.1/envelopes/{id} voids an envelope. Voiding twice is a no-op so a compensation
// can be retried; voiding one that is already completed or declined is a conflict, as the
// agreement is final.
func (s *Sandbox) handleUpdateEnvelope(w http.ResponseWriter, r *http.Request) {
	body, apiErr := readBody(w, r)
	var in envelopeUpdateInput
	if apiErr == nil {
		apiErr = decodeLenient(body, &in)
	}
	if apiErr == nil {
		var errs fieldErrors
		if in.Status != envelopeVoided {
			errs.add("status", `must be "voided"`)
		}
		if strings.TrimSpace(in.VoidedReason) == "" || utf8.RuneCountInString(in.VoidedReason) > maxReasonRunes {
			errs.add("voided_reason", "required, at most 1000 characters")
		}
		apiErr = errs.err()
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	base := s.publicURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.Envelopes[r.PathValue("id")]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "envelope not found"))
		return
	}
	switch e.Status {
	case envelopeVoided:
		writeJSON(w, http.StatusOK, envelopeViewOf(e, base))
		return
	case envelopeCompleted, envelopeDeclined:
		writeError(w, errorf(http.StatusConflict, "envelope is "+e.Status+" and can no longer be voided"))
		return
	}
	e.VoidedReason = in.VoidedReason
	s.finishEnvelopeLocked(e, envelopeVoided, nil)
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	writeJSON(w, http.StatusOK, envelopeViewOf(e, base))
}

type esignEvent struct {
	EventID     string         `json:"event_id"`
	Event       string         `json:"event"`
	GeneratedAt string         `json:"generated_at"`
	Data        esignEventData `json:"data"`
}

type esignEventData struct {
	EnvelopeID   string            `json:"envelope_id"`
	Status       string            `json:"status"`
	CustomFields map[string]string `json:"custom_fields"`
	// Recipient is the signer a recipient event is about; of the envelope events, only
	// envelope-declined has one: the signer who declined.
	Recipient *esignRecipient `json:"recipient,omitempty"`
}

// esignRecipient is one signer in a recipient event.
type esignRecipient struct {
	Role     string     `json:"role"`
	Status   string     `json:"status"`
	SignedAt *time.Time `json:"signed_at,omitempty"`
	// DeclinedReason is what a signer who declined gave as the reason (DocuSign's
	// declinedReason), on the envelope-declined event, which names that signer.
	DeclinedReason string `json:"declined_reason,omitempty"`
}

// finishEnvelopeLocked moves an envelope to a final status and queues the matching webhook.
// by is the signer whose action ended it, named in the event when they declined.
func (s *Sandbox) finishEnvelopeLocked(e *envelope, status string, by *signer) {
	t := now()
	e.Status, e.UpdatedAt = status, t
	ev := esignEvent{
		EventID: newID("evt_"), Event: "envelope-" + status, GeneratedAt: t.Format(time.RFC3339),
		Data: esignEventData{EnvelopeID: e.ID, Status: status, CustomFields: e.CustomFields},
	}
	if by != nil && status == envelopeDeclined {
		ev.Data.Recipient = &esignRecipient{Role: by.Role, Status: signerDeclined, DeclinedReason: e.DeclineReason}
	}
	s.enqueueWebhookLocked(providerESign, ev.Event, ev.EventID, ev)
	s.log.Info("envelope finished", "envelope_id", e.ID, "status", status)
}

// signerSignedLocked queues the recipient-completed webhook for a signature that leaves the
// envelope waiting for others (DocuSign Connect's recipient event), so the receiver can tell
// who has still to sign. The last signature raises envelope-completed instead.
func (s *Sandbox) signerSignedLocked(e *envelope, sg *signer) {
	ev := esignEvent{
		EventID: newID("evt_"), Event: "recipient-completed", GeneratedAt: sg.SignedAt.Format(time.RFC3339),
		Data: esignEventData{EnvelopeID: e.ID, Status: e.Status, CustomFields: e.CustomFields,
			Recipient: &esignRecipient{Role: sg.Role, Status: "completed", SignedAt: sg.SignedAt}},
	}
	s.enqueueWebhookLocked(providerESign, ev.Event, ev.EventID, ev)
}

// GET /sandbox/esign/envelopes lists every envelope, oldest first, with its signing URLs.
func (s *Sandbox) handleListEnvelopes(w http.ResponseWriter, r *http.Request) {
	base := s.publicURL(r)
	s.mu.Lock()
	envs := make([]*envelope, 0, len(s.st.Envelopes))
	for _, e := range s.st.Envelopes {
		envs = append(envs, e)
	}
	slices.SortFunc(envs, func(a, b *envelope) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	items := make([]envelopeView, 0, len(envs))
	for _, e := range envs {
		items = append(items, envelopeViewOf(e, base))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
