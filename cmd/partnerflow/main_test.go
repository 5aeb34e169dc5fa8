package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/devdata"
)

func TestTokenUsesTheDataDirSecret(t *testing.T) {
	dir := t.TempDir()
	secrets, err := devdata.LoadOrCreateSecrets(dir)
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	require.NoError(t, run([]string{"token", "--data-dir", dir, "--role", "creator", "--sub", "maya", "--creator", "c1", "--ttl", "10m"}, &out, &errOut))
	id, err := auth.Parse([]byte(secrets.JWTSecret), string(bytes.TrimSpace(out.Bytes())))
	require.NoError(t, err)
	require.Equal(t, auth.Identity{Sub: "maya", Role: "creator", CreatorID: "c1"}, id)
}

func TestTokenRefusesInconsistentIdentity(t *testing.T) {
	dir := t.TempDir()
	_, err := devdata.LoadOrCreateSecrets(dir)
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	require.Error(t, run([]string{"token", "--data-dir", dir, "--role", "brand_manager", "--sub", "ann"}, &out, &errOut), "brand managers need --brand")
	require.Error(t, run([]string{"token", "--data-dir", dir, "--role", "root", "--sub", "ann"}, &out, &errOut))
	require.Error(t, run([]string{"token", "--data-dir", dir, "--role", "admin", "--sub", "ann", "--ttl", "-1s"}, &out, &errOut))
	require.Empty(t, out.String())
}

func TestTokenWithoutSecret(t *testing.T) {
	t.Setenv("PARTNERFLOW_JWT_SECRET", "")
	var out, errOut bytes.Buffer
	require.ErrorContains(t, run([]string{"token", "--role", "admin", "--sub", "a"}, &out, &errOut), "no secret")
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	require.ErrorContains(t, run([]string{"frobnicate"}, &out, &errOut), "unknown command")
	require.Contains(t, errOut.String(), "partnerflow dev")
	require.Error(t, run(nil, &out, &errOut))
}

func TestSecretsAreStableAndPrivate(t *testing.T) {
	dir := t.TempDir()
	a, err := devdata.LoadOrCreateSecrets(dir)
	require.NoError(t, err)
	b, err := devdata.LoadOrCreateSecrets(dir)
	require.NoError(t, err)
	require.Equal(t, a, b, "a restart keeps the same secrets, so tokens stay valid")
	require.Len(t, a.JWTSecret, 64)
}

func TestAPIRefusesIncompleteConfiguration(t *testing.T) {
	t.Setenv("PARTNERFLOW_DATABASE_URL", "")
	t.Setenv("PARTNERFLOW_JWT_SECRET", "")
	var out, errOut bytes.Buffer
	err := run([]string{"api"}, &out, &errOut)
	require.ErrorContains(t, err, "PARTNERFLOW_DATABASE_URL")
	require.ErrorContains(t, err, "PARTNERFLOW_JWT_SECRET")
}

func TestDevRefusesABadTeamAddress(t *testing.T) {
	t.Setenv("PARTNERFLOW_FINANCE_EMAIL", "finance team")
	var out, errOut bytes.Buffer
	err := run([]string{"dev", "--data-dir", t.TempDir()}, &out, &errOut)
	require.ErrorContains(t, err, `PARTNERFLOW_FINANCE_EMAIL: "finance team" is not an e-mail address`)
	require.Empty(t, out.String(), "nothing started")
}
