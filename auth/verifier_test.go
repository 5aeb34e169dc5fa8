package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// idp is a stand-in identity provider publishing an RSA and an EC key as a JWKS.
func idp(t *testing.T) (*rsa.PrivateKey, *ecdsa.PrivateKey, string) {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	jwks := map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": b64(rk.N.Bytes()), "e": b64(big.NewInt(int64(rk.E)).Bytes())},
		{"kty": "EC", "kid": "ec-1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(ek.X.FillBytes(make([]byte, 32))), "y": b64(ek.Y.FillBytes(make([]byte, 32)))},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jwks)
	}))
	t.Cleanup(srv.Close)
	return rk, ek, srv.URL
}

func signed(t *testing.T, m jwt.SigningMethod, kid string, key any, role string) string {
	t.Helper()
	c := &Claims{Role: role, BrandID: "b1", RegisteredClaims: jwt.RegisteredClaims{Subject: "ann", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
	tok := jwt.NewWithClaims(m, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func TestVerifierAcceptsIdentityProviderTokens(t *testing.T) {
	rk, ek, url := idp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := NewVerifier(ctx, nil, url)
	require.NoError(t, err)

	for name, tok := range map[string]string{
		"RS256": signed(t, jwt.SigningMethodRS256, "rsa-1", rk, "brand_manager"),
		"ES256": signed(t, jwt.SigningMethodES256, "ec-1", ek, "brand_manager"),
	} {
		id, err := v.Parse(tok)
		require.NoError(t, err, name)
		require.Equal(t, Identity{Sub: "ann", Role: "brand_manager", BrandID: "b1"}, id, name)
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, tok := range map[string]string{
		"signed by another key":  signed(t, jwt.SigningMethodRS256, "rsa-1", other, "brand_manager"),
		"HS256 without a secret": signed(t, jwt.SigningMethodHS256, "", []byte("0123456789abcdef0123456789abcdef"), "admin"),
		"RS384 (not configured)": signed(t, jwt.SigningMethodRS384, "rsa-1", rk, "admin"),
		"unknown role from IdP":  signed(t, jwt.SigningMethodRS256, "rsa-1", rk, "root"),
		"alg none":               signed(t, jwt.SigningMethodNone, "", jwt.UnsafeAllowNoneSignatureType, "admin"),
	} {
		_, err := v.Parse(tok)
		require.Error(t, err, name)
	}
}

func TestVerifierWithSecretAndKeySet(t *testing.T) {
	rk, _, url := idp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := NewVerifier(ctx, secret, url)
	require.NoError(t, err)
	hs, err := Issue(secret, Identity{Sub: "svc", Role: "admin"}, time.Hour, time.Now())
	require.NoError(t, err)
	_, err = v.Parse(hs)
	require.NoError(t, err, "HS256 with the configured secret")
	_, err = v.Parse(signed(t, jwt.SigningMethodRS256, "rsa-1", rk, "brand_manager"))
	require.NoError(t, err, "RS256 from the identity provider")

	_, err = NewVerifier(ctx, nil, "")
	require.Error(t, err, "nothing configured")
}

func TestVerifierRemembersOnlyWhatPassedAndOnlyWhileValid(t *testing.T) {
	v, err := NewVerifier(context.Background(), []byte("first-secret-of-32-bytes-or-more!"), "")
	require.NoError(t, err)
	start := time.Now()
	clock := start
	v.now = func() time.Time { return clock }
	ann := Identity{Sub: "ann", Role: "brand_manager", BrandID: "b1"}
	tok, err := Issue(v.secret, ann, 5*time.Minute, start)
	require.NoError(t, err)

	id, err := v.Parse(tok)
	require.NoError(t, err)
	require.Equal(t, ann, id)

	// Another text never matches the remembered one: a forged signature still fails.
	forged := tok[:len(tok)-2] + "xx"
	_, err = v.Parse(forged)
	require.Error(t, err)

	// The key is replaced: the token is trusted for at most reverifyAfter, then checked again.
	v.secret = []byte("second-secret-of-32-bytes-or-more")
	clock = start.Add(reverifyAfter - time.Second)
	_, err = v.Parse(tok)
	require.NoError(t, err, "remembered within reverifyAfter")
	clock = start.Add(reverifyAfter + time.Second)
	_, err = v.Parse(tok)
	require.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid, "checked again after reverifyAfter")

	// A remembered token is never taken after it expires.
	v.secret = []byte("first-secret-of-32-bytes-or-more!")
	short, err := Issue(v.secret, ann, 30*time.Second, start)
	require.NoError(t, err)
	clock = start
	_, err = v.Parse(short)
	require.NoError(t, err)
	clock = start.Add(30*time.Second + leeway + time.Second)
	_, err = v.Parse(short)
	require.ErrorIs(t, err, jwt.ErrTokenExpired)
}

// While a rotation overlaps, tokens signed with a previous secret still pass; nothing else does,
// and without the overlap the old secret's tokens fail.
func TestVerifierAcceptsPreviousSecretsDuringARotation(t *testing.T) {
	ctx := context.Background()
	oldSecret := []byte("old-secret-of-at-least-32-bytes!!")
	newSecret := []byte("new-secret-of-at-least-32-bytes!!")
	ann := Identity{Sub: "ann", Role: "brand_manager", BrandID: "b1"}
	issued := func(secret []byte) string {
		tok, err := Issue(secret, ann, time.Hour, time.Now())
		require.NoError(t, err)
		return tok
	}

	v, err := NewVerifier(ctx, newSecret, "", oldSecret)
	require.NoError(t, err)
	for name, tok := range map[string]string{"new secret": issued(newSecret), "previous secret": issued(oldSecret)} {
		id, err := v.Parse(tok)
		require.NoError(t, err, name)
		require.Equal(t, ann, id, name)
	}
	_, err = v.Parse(issued([]byte("never-configured-secret-32-bytes!")))
	require.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)

	alone, err := NewVerifier(ctx, newSecret, "")
	require.NoError(t, err)
	_, err = alone.Parse(issued(oldSecret))
	require.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid, "the overlap is over")

	_, err = NewVerifier(ctx, nil, "", oldSecret)
	require.ErrorContains(t, err, "need the current one")
	_, err = NewVerifier(ctx, newSecret, "", []byte{})
	require.ErrorContains(t, err, "empty")
}
