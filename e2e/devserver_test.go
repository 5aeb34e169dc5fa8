package e2e

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/devserver"
)

// The ports handed to the processes the suite starts are outside the kernel's ephemeral
// range, where none of the suite's own outgoing connections can take one before the process
// binds it, and never the same twice.
func TestFreePortsAreBelowTheEphemeralRangeAndDistinct(t *testing.T) {
	seen := map[int]bool{}
	for range 50 {
		p, err := devserver.FreePort("127.0.0.1")
		require.NoError(t, err)
		require.False(t, seen[p], "port %d handed out twice", p)
		seen[p] = true
		require.GreaterOrEqual(t, p, 10000)
		require.Less(t, p, 32768, "a port from the ephemeral range (Linux's default here)")
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		require.NoError(t, err, "the port is free")
		_ = l.Close()
	}
}

// A frontend port somebody else holds is an error that says so, not a nil listener that
// panics the whole process with a stack trace (as `partnerflow dev` did in CI).
func TestDevServerReportsATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	srv, err := devserver.Start(devserver.Options{
		DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default",
		FrontendPort: l.Addr().(*net.TCPAddr).Port, Logger: slog.New(slog.DiscardHandler), LogLevel: slog.LevelError,
	})
	if err == nil {
		srv.Stop()
	}
	require.Error(t, err)
	require.Contains(t, err.Error(), "listener")
	require.Contains(t, err.Error(), fmt.Sprint(l.Addr().(*net.TCPAddr).Port))
}
