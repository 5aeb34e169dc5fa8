package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Verifier checks bearer tokens. It accepts HS256 signed with the configured secret (or, while
// a rotation overlaps, with one of the previous secrets) and, when a JWKS URL is configured,
// RS256/ES256 signed by the identity provider's published keys. Only configured algorithms are
// accepted; "none" and every other algorithm never are.
type Verifier struct {
	secret []byte
	// hsKeys, while a rotation overlaps, is what an HS256 token may be signed with: the secret,
	// then the previous ones. Empty otherwise: the secret alone is the key.
	hsKeys  jwt.VerificationKeySet
	jwks    keyfunc.Keyfunc
	methods []string
	// verified remembers tokens that passed, by their exact text: a client sends the same
	// token with every request (a polling client several times a second), and decoding and
	// checking it each time was most of what authentication cost (docs/benchmarks.md). Nil
	// when the verifier is built for one token (Parse).
	verified *lru.Cache[string, verifiedToken]
	now      func() time.Time
}

// verifiedToken is a token's identity and until when it may be taken without checking again.
type verifiedToken struct {
	id    Identity
	until time.Time
}

const (
	// leeway is the clock skew allowed on exp and nbf.
	leeway = 5 * time.Second
	// reverifyAfter bounds how long a verified token is trusted without checking it again,
	// so a key removed from the identity provider's set stops working within it.
	reverifyAfter = time.Minute
	// verifiedTokens bounds the memory the verified tokens take (a token is under 2 KB).
	verifiedTokens = 4096
)

// NewVerifier builds a verifier. secret may be empty when jwksURL is set, and vice versa.
// previous are HS256 secrets still accepted while a rotation overlaps (tokens are only ever
// issued with secret); they need secret. The key set is fetched now (so a wrong URL fails at
// start) and refreshed in the background until ctx ends, including when a token names a key id
// not seen yet (key rotation).
func NewVerifier(ctx context.Context, secret []byte, jwksURL string, previous ...[]byte) (*Verifier, error) {
	v := &Verifier{secret: secret, now: time.Now}
	if len(secret) > 0 {
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	if len(previous) > 0 {
		if len(secret) == 0 {
			return nil, errors.New("auth: previous JWT secrets need the current one")
		}
		v.hsKeys.Keys = append(v.hsKeys.Keys, secret)
		for _, p := range previous {
			if len(p) == 0 {
				return nil, errors.New("auth: a previous JWT secret is empty")
			}
			v.hsKeys.Keys = append(v.hsKeys.Keys, p)
		}
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
	cache, err := lru.New[string, verifiedToken](verifiedTokens)
	if err != nil {
		return nil, err
	}
	v.verified = cache
	return v, nil
}

// Parse verifies a token (signature, exp required, nbf) and returns its identity. A token
// that passed before is taken again without checking until it expires, or for at most
// reverifyAfter; only the exact text that passed matches.
func (v *Verifier) Parse(token string) (Identity, error) {
	now := v.now()
	if v.verified != nil {
		if t, ok := v.verified.Get(token); ok && now.Before(t.until) {
			return t.id, nil
		}
	}
	c := &Claims{}
	_, err := jwt.ParseWithClaims(token, c, v.key, jwt.WithValidMethods(v.methods),
		jwt.WithExpirationRequired(), jwt.WithLeeway(leeway), jwt.WithTimeFunc(v.now))
	if err != nil {
		return Identity{}, err
	}
	id, err := IdentityFrom(c)
	if err != nil || v.verified == nil {
		return id, err
	}
	until := c.ExpiresAt.Add(leeway)
	if limit := now.Add(reverifyAfter); limit.Before(until) {
		until = limit
	}
	v.verified.Add(token, verifiedToken{id: id, until: until})
	return id, nil
}

// key picks the verification key by algorithm: the shared secret (and the previous ones, while
// a rotation overlaps) for HS256, the identity provider's key (by kid) for RS256/ES256.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	if t.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		if len(v.hsKeys.Keys) > 0 {
			return v.hsKeys, nil // each is tried in turn
		}
		return v.secret, nil
	}
	if v.jwks == nil {
		return nil, errors.New("auth: no key set configured for " + t.Method.Alg())
	}
	return v.jwks.Keyfunc(t)
}
