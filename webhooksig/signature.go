// Package webhooksig signs and verifies webhook bodies with the Partnerflow scheme:
//
//	Partnerflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
//
// The same scheme is used in both directions: the provider sandbox signs the webhooks it sends
// and the API verifies the webhooks it receives. Binding the timestamp into the MAC lets the
// receiver reject replays of old deliveries without keeping a record of every signature seen.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header is the HTTP header that carries the signature.
const Header = "Partnerflow-Signature"

// DefaultTolerance is how far the signed timestamp may be from the receiver's clock, in either
// direction, before a delivery is refused as stale.
const DefaultTolerance = 300 * time.Second

// Errors returned by Verify. They are distinct so a receiver can log why a delivery was refused
// (clock skew and a wrong secret call for different fixes) while answering 401 to all of them.
var (
	// ErrMissing means the header is absent or blank.
	ErrMissing = errors.New("webhooksig: signature header missing")
	// ErrMalformed means the header has no usable timestamp or no v1 signature.
	ErrMalformed = errors.New("webhooksig: signature header malformed")
	// ErrStale means the signature is authentic but its timestamp is outside the tolerance.
	ErrStale = errors.New("webhooksig: signature timestamp outside tolerance")
	// ErrMismatch means no v1 signature matches the body under the secret.
	ErrMismatch = errors.New("webhooksig: signature mismatch")
	// ErrNoSecret means Verify was called with an empty secret. Refusing it keeps a missing
	// configuration value from turning into "every forged body verifies".
	ErrNoSecret = errors.New("webhooksig: empty secret")
)

const (
	timestampKey = "t"
	schemeV1     = "v1"
)

// Sign returns the header value for body signed with secret at time t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := t.Unix()
	return timestampKey + "=" + strconv.FormatInt(ts, 10) + "," + schemeV1 + "=" + hex.EncodeToString(mac(secret, ts, body))
}

// Verify checks header against body and secret. It accepts the header's parts in any order,
// ignores unknown parts (so a future scheme can be added alongside v1) and passes when any v1
// signature matches, which lets a sender sign with an old and a new secret during rotation.
// A non-positive tolerance means DefaultTolerance.
//
// The signature is checked before the timestamp so ErrStale is only reported for authentic
// deliveries, where it points at clock skew or a replay rather than at a wrong secret.
func Verify(header string, body []byte, secret []byte, now time.Time, tolerance time.Duration) error {
	if strings.TrimSpace(header) == "" {
		return ErrMissing
	}
	if len(secret) == 0 {
		return ErrNoSecret
	}
	ts, sigs, err := parse(header)
	if err != nil {
		return err
	}
	want := mac(secret, ts, body)
	matched := false
	for _, sig := range sigs {
		// Compare every candidate, without an early exit, so timing does not reveal which one
		// matched.
		if hmac.Equal(sig, want) {
			matched = true
		}
	}
	if !matched {
		return ErrMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// time.Time.Sub saturates instead of overflowing, so compare both bounds rather than taking
	// an absolute value that would overflow for the most negative duration.
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// parse extracts the timestamp and the decodable v1 signatures from a header value.
func parse(header string) (int64, [][]byte, error) {
	var (
		ts    int64
		hasTS bool
		sigs  [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case timestampKey:
			if hasTS {
				// Two timestamps make it ambiguous which one the MAC covers.
				return 0, nil, ErrMalformed
			}
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err != nil || n <= 0 {
				return 0, nil, ErrMalformed
			}
			ts, hasTS = n, true
		case schemeV1:
			sig, err := hex.DecodeString(strings.TrimSpace(value))
			if err != nil || len(sig) != sha256.Size {
				// An undecodable candidate cannot match; others still may.
				continue
			}
			sigs = append(sigs, sig)
		}
	}
	if !hasTS || len(sigs) == 0 {
		return 0, nil, ErrMalformed
	}
	return ts, sigs, nil
}

func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(strconv.AppendInt(nil, ts, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
