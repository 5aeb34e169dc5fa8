package sandbox

import (
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// The e-mail provider accepts transactional messages and keeps them for inspection instead of
// delivering them.

const maxSubjectLen = 998 // RFC 5322 line limit

type messageInput struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

func (in *messageInput) validate() *apiError {
	var errs fieldErrors
	if _, err := mail.ParseAddress(in.To); err != nil {
		errs.add("to", "must be an e-mail address")
	}
	if strings.TrimSpace(in.Subject) == "" || len(in.Subject) > maxSubjectLen || strings.ContainsAny(in.Subject, "\r\n") {
		errs.add("subject", fmt.Sprintf("required, one line, at most %d bytes", maxSubjectLen))
	}
	if !utf8.ValidString(in.Text) {
		errs.add("text", "must be valid UTF-8")
	}
	return errs.err()
}

// POST /email/v1/messages
func (s *Sandbox) handleSendMessage(w http.ResponseWriter, r *http.Request) {
	body, apiErr := readBody(w, r)
	var in messageInput
	if apiErr == nil {
		apiErr = decodeLenient(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	key := r.Header.Get(idempotencyHeader)
	s.serveCreate(w, r, providerEmail, body, func() (int, any, *apiError) {
		if e := in.validate(); e != nil {
			return 0, nil, e
		}
		m := &message{ID: newID("msg_"), IdempotencyKey: key, To: in.To, Subject: in.Subject, Text: in.Text, CreatedAt: now()}
		s.st.Messages = append(s.st.Messages, m)
		s.log.Info("message accepted", "message_id", m.ID)
		return http.StatusAccepted, map[string]string{"id": m.ID}, nil
	})
}

type messageItem struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"idempotency_key"`
	To             string    `json:"to"`
	Subject        string    `json:"subject"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"created_at"`
}

// GET /sandbox/messages lists every message accepted, oldest first.
func (s *Sandbox) handleListMessages(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	items := make([]messageItem, 0, len(s.st.Messages))
	for _, m := range s.st.Messages {
		items = append(items, messageItem(*m))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
