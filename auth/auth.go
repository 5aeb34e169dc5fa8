// Package auth issues and verifies the bearer tokens of the API: HS256 JWTs whose claims say
// who the caller is (sub), what they are (role) and which brand or creator they act for.
package auth

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/partnerflow/partnerflow/partnership"
)

// Claims are the token claims of API.md.
type Claims struct {
	Role      string `json:"role"`
	BrandID   string `json:"brand_id,omitempty"`
	CreatorID string `json:"creator_id,omitempty"`
	jwt.RegisteredClaims
}

// Identity is the authenticated caller.
type Identity struct {
	Sub       string
	Role      string
	BrandID   string
	CreatorID string
}

// Actor is the identity as workflows record it.
func (i Identity) Actor() partnership.Actor { return partnership.Actor{Sub: i.Sub, Role: i.Role} }

// ErrInvalidClaims is returned for tokens whose claims do not describe a usable identity.
var ErrInvalidClaims = errors.New("auth: invalid claims")

// IdentityFrom maps verified claims to an identity, refusing inconsistent ones: an unknown
// role, a brand manager without a brand, a creator without a creator id.
func IdentityFrom(c *Claims) (Identity, error) {
	id := Identity{Sub: c.Subject, Role: c.Role, BrandID: c.BrandID, CreatorID: c.CreatorID}
	switch {
	case id.Sub == "":
		return id, fmt.Errorf("%w: sub is required", ErrInvalidClaims)
	case !slices.Contains(partnership.Roles, id.Role):
		return id, fmt.Errorf("%w: role must be one of %v", ErrInvalidClaims, partnership.Roles)
	case id.Role == partnership.RoleBrandManager && id.BrandID == "":
		return id, fmt.Errorf("%w: a brand_manager token needs brand_id", ErrInvalidClaims)
	case id.Role == partnership.RoleCreator && id.CreatorID == "":
		return id, fmt.Errorf("%w: a creator token needs creator_id", ErrInvalidClaims)
	}
	return id, nil
}

// Issue signs a token for the identity, valid for ttl.
func Issue(secret []byte, id Identity, ttl time.Duration, now time.Time) (string, error) {
	c := &Claims{Role: id.Role, BrandID: id.BrandID, CreatorID: id.CreatorID, RegisteredClaims: jwt.RegisteredClaims{
		Subject: id.Sub, IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)), Issuer: Issuer,
	}}
	if _, err := IdentityFrom(c); err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// Issuer names Partnerflow as the token issuer.
const Issuer = "partnerflow"

// Parse verifies an HS256 token signed with secret (exp required) and returns its identity.
func Parse(secret []byte, token string) (Identity, error) {
	v := &Verifier{secret: secret, methods: []string{jwt.SigningMethodHS256.Alg()}, now: time.Now}
	return v.Parse(token)
}
