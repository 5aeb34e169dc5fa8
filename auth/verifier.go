package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Verifier checks bearer tokens. It accepts HS256 signed with the configured secret and, when
// a JWKS URL is configured, RS256/ES256 signed by the identity provider's published keys.
// Only configured algorithms are accepted; "none" and every other algorithm never are.
type Verifier struct {
	secret  []byte
	jwks    keyfunc.Keyfunc
	methods []string
}

// NewVerifier builds a verifier. secret may be empty when jwksURL is set, and vice versa.
// The key set is fetched now (so a wrong URL fails at start) and refreshed in the background
// until ctx ends, including when a token names a key id not seen yet (key rotation).
func NewVerifier(ctx context.Context, secret []byte, jwksURL string) (*Verifier, error) {
	v := &Verifier{secret: secret}
	if len(secret) > 0 {
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	if jwksURL != "" {
		k, err := keyfunc.NewDefaultCtx(ctx, []string{jwksURL})
		if err != nil {
			return nil, fmt.Errorf("auth: JWKS %s: %w", jwksURL, err)
		}
		v.jwks = k
		v.methods = append(v.methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	if len(v.methods) == 0 {
		return nil, errors.New("auth: configure a JWT secret, a JWKS URL, or both")
	}
	return v, nil
}

// Parse verifies a token (signature, exp required, nbf) and returns its identity.
func (v *Verifier) Parse(token string) (Identity, error) {
	c := &Claims{}
	_, err := jwt.ParseWithClaims(token, c, v.key,
		jwt.WithValidMethods(v.methods), jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return Identity{}, err
	}
	return IdentityFrom(c)
}

// key picks the verification key by algorithm: the shared secret for HS256, the identity
// provider's key (by kid) for RS256/ES256.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	if t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		return v.secret, nil
	}
	if v.jwks == nil {
		return nil, errors.New("auth: no key set configured for " + t.Method.Alg())
	}
	return v.jwks.Keyfunc(t)
}
