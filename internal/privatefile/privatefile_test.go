package privatefile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEnsure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "app.db")
	require.NoError(t, Ensure(path))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	// An existing file keeps its content and mode.
	require.NoError(t, os.WriteFile(path, []byte("db"), 0o600))
	require.NoError(t, os.Chmod(path, 0o640))
	require.NoError(t, Ensure(path))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "db", string(raw))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
}
