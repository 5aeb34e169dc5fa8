package sandbox

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/google/uuid"
)

// newID returns prefix followed by 24 random hex digits, in the style of Stripe object ids.
func newID(prefix string) string {
	return prefix + randomHex(12)
}

// newToken returns an unguessable URL-safe token; signing URLs are bearer credentials.
func newToken() string { return randomHex(32) }

// newEnvelopeID returns a GUID, as DocuSign envelope ids are.
func newEnvelopeID() string { return uuid.NewString() }

// newMediaID returns a long decimal id, as Instagram media ids are.
func newMediaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	// Clear the top bit so the id stays within int64 for clients that parse it as a number.
	return "17" + strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10)
}

func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms (it panics instead).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
