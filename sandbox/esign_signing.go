package sandbox

import (
	"html/template"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Control endpoints behind the signing URLs: what a signer does in DocuSign's signing UI.

type signOutcome struct {
	EnvelopeID     string `json:"envelope_id"`
	EnvelopeStatus string `json:"envelope_status"`
	Role           string `json:"role"`
	SignerStatus   string `json:"signer_status"`
}

// signerByTokenLocked finds the envelope and signer a signing URL belongs to. A linear scan is
// fine at sandbox scale and avoids a second index that could drift from the envelopes.
func (s *Sandbox) signerByTokenLocked(token string) (*envelope, *signer) {
	if token == "" {
		return nil, nil
	}
	for _, e := range s.st.Envelopes {
		for _, sg := range e.Signers {
			if sg.Token == token {
				return e, sg
			}
		}
	}
	return nil, nil
}

// readSigningBody accepts the documented JSON body, or an HTML form post from the signing page.
func readSigningBody(w http.ResponseWriter, r *http.Request, into any) (isForm bool, apiErr *apiError) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := r.ParseForm(); err != nil {
			return true, errorf(http.StatusBadRequest, "malformed form body")
		}
		return true, nil
	}
	body, apiErr := readBody(w, r)
	if apiErr != nil || len(strings.TrimSpace(string(body))) == 0 {
		return false, apiErr
	}
	return false, decodeStrict(body, into)
}

// POST /sandbox/esign/sign/{token} signs as the URL's signer. Signing again is a no-op.
func (s *Sandbox) handleSign(w http.ResponseWriter, r *http.Request) {
	isForm, apiErr := readSigningBody(w, r, &struct{}{})
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, sg := s.signerByTokenLocked(r.PathValue("token"))
	if e == nil {
		writeError(w, errorf(http.StatusNotFound, "signing link not found"))
		return
	}
	switch {
	case e.Status == envelopeVoided || e.Status == envelopeDeclined:
		writeError(w, errorf(http.StatusConflict, "envelope is "+e.Status))
		return
	case sg.Status == signerSigned:
		// Already signed: answer as the first time did.
	default:
		t := now()
		sg.Status, sg.SignedAt, e.UpdatedAt = signerSigned, &t, t
		if allSigned(e) {
			s.finishEnvelopeLocked(e, envelopeCompleted, sg)
		} else {
			s.signerSignedLocked(e, sg)
		}
		if err := s.commitLocked(); err != nil {
			writeError(w, errStateNotSaved)
			return
		}
		s.log.Info("envelope signed", "envelope_id", e.ID, "role", sg.Role)
	}
	s.answerSigning(w, r, isForm, e, sg)
}

type declineInput struct {
	Reason string `json:"reason"`
}

// POST /sandbox/esign/sign/{token}/decline declines as the URL's signer, which ends the envelope.
func (s *Sandbox) handleDecline(w http.ResponseWriter, r *http.Request) {
	var in declineInput
	isForm, apiErr := readSigningBody(w, r, &in)
	if apiErr == nil && isForm {
		in.Reason = r.PostForm.Get("reason")
	}
	if apiErr == nil && utf8.RuneCountInString(in.Reason) > maxReasonRunes {
		apiErr = errorf(http.StatusUnprocessableEntity, "reason: must be at most 1000 characters")
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, sg := s.signerByTokenLocked(r.PathValue("token"))
	if e == nil {
		writeError(w, errorf(http.StatusNotFound, "signing link not found"))
		return
	}
	switch {
	case sg.Status == signerDeclined:
		// Already declined by this signer: idempotent.
	case e.Status != envelopeSent:
		writeError(w, errorf(http.StatusConflict, "envelope is "+e.Status))
		return
	case sg.Status == signerSigned:
		writeError(w, errorf(http.StatusConflict, "this signer has already signed"))
		return
	default:
		sg.Status, e.DeclineReason = signerDeclined, in.Reason
		s.finishEnvelopeLocked(e, envelopeDeclined, sg)
		if err := s.commitLocked(); err != nil {
			writeError(w, errStateNotSaved)
			return
		}
	}
	s.answerSigning(w, r, isForm, e, sg)
}

func allSigned(e *envelope) bool {
	for _, sg := range e.Signers {
		if sg.Status != signerSigned {
			return false
		}
	}
	return true
}

// answerSigning returns JSON to API callers and sends a person using the HTML page back to it.
func (s *Sandbox) answerSigning(w http.ResponseWriter, r *http.Request, isForm bool, e *envelope, sg *signer) {
	if isForm {
		http.Redirect(w, r, signingPathPrefix+sg.Token, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, signOutcome{EnvelopeID: e.ID, EnvelopeStatus: e.Status, Role: sg.Role, SignerStatus: sg.Status})
}

var signingPage = template.Must(template.New("sign").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body>
<h1>{{.Subject}}</h1>
<p>Signing as <strong>{{.Name}}</strong> ({{.Role}}). Your status: <strong>{{.SignerStatus}}</strong>. Envelope: <strong>{{.EnvelopeStatus}}</strong>.</p>
<pre style="white-space: pre-wrap; border: 1px solid #ccc; padding: 1em">{{.Document}}</pre>
{{if .CanAct}}
<form method="post" action="{{.Action}}"><button type="submit">Sign</button></form>
<form method="post" action="{{.Action}}/decline"><input name="reason" placeholder="Reason (optional)"> <button type="submit">Decline</button></form>
{{end}}
</body></html>
`))

// GET /sandbox/esign/sign/{token} shows the document and sign/decline buttons to a person.
func (s *Sandbox) handleSigningPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e, sg := s.signerByTokenLocked(r.PathValue("token"))
	var data struct {
		Subject, Document, Name, Role, SignerStatus, EnvelopeStatus, Action string
		CanAct                                                              bool
	}
	if e != nil {
		data.Subject, data.Document, data.EnvelopeStatus = e.Subject, e.Document, e.Status
		data.Name, data.Role, data.SignerStatus = sg.Name, sg.Role, sg.Status
		data.Action = signingPathPrefix + sg.Token
		data.CanAct = e.Status == envelopeSent && sg.Status == signerPending
	}
	s.mu.Unlock()
	if e == nil {
		http.Error(w, "This signing link is not valid.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err := signingPage.Execute(w, data); err != nil {
		s.log.Debug("rendering signing page failed", "error", err)
	}
}
