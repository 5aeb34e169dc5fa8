package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestIssueAndParse(t *testing.T) {
	now := time.Now()
	tok, err := Issue(secret, Identity{Sub: "ann", Role: "brand_manager", BrandID: "b1"}, time.Hour, now)
	require.NoError(t, err)
	id, err := Parse(secret, tok)
	require.NoError(t, err)
	require.Equal(t, Identity{Sub: "ann", Role: "brand_manager", BrandID: "b1"}, id)
}

func TestParseRejects(t *testing.T) {
	now := time.Now()
	valid, err := Issue(secret, Identity{Sub: "c", Role: "creator", CreatorID: "c1"}, time.Hour, now)
	require.NoError(t, err)
	expired, err := Issue(secret, Identity{Sub: "c", Role: "creator", CreatorID: "c1"}, time.Minute, now.Add(-2*time.Hour))
	require.NoError(t, err)
	future := jwt.NewWithClaims(jwt.SigningMethodHS256, &Claims{Role: "admin", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "x", NotBefore: jwt.NewNumericDate(now.Add(time.Hour)), ExpiresAt: jwt.NewNumericDate(now.Add(2 * time.Hour))}})
	futureTok, _ := future.SignedString(secret)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, &Claims{Role: "admin", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "x", ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}})
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExp := jwt.NewWithClaims(jwt.SigningMethodHS256, &Claims{Role: "admin", RegisteredClaims: jwt.RegisteredClaims{Subject: "x"}})
	noExpTok, _ := noExp.SignedString(secret)
	badRole := jwt.NewWithClaims(jwt.SigningMethodHS256, &Claims{Role: "root", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "x", ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}})
	badRoleTok, _ := badRole.SignedString(secret)
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]

	for name, tok := range map[string]string{
		"expired": expired, "not yet valid": futureTok, "alg none": noneTok, "no exp": noExpTok,
		"unknown role": badRoleTok, "tampered": tampered, "other secret": mustIssue(t, []byte("another-secret-another-secret-xx")), "garbage": "abc",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(secret, tok)
			require.Error(t, err)
		})
	}
}

func TestIssueRefusesInconsistentIdentity(t *testing.T) {
	_, err := Issue(secret, Identity{Sub: "a", Role: "brand_manager"}, time.Hour, time.Now())
	require.ErrorIs(t, err, ErrInvalidClaims)
	_, err = Issue(secret, Identity{Sub: "a", Role: "creator"}, time.Hour, time.Now())
	require.ErrorIs(t, err, ErrInvalidClaims)
}

func mustIssue(t *testing.T, s []byte) string {
	tok, err := Issue(s, Identity{Sub: "a", Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	return tok
}
