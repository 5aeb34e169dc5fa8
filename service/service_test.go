package service

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/partnerflow/partnerflow/config"
)

func TestTemporalClientOptionsCompressOnlyBeyondLoopback(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for addr, loopback := range map[string]bool{
		"127.0.0.1:7233": true, "localhost:7233": true, "[::1]:7233": true,
		"temporal.internal:7233": false, "10.0.0.5:7233": false, "no-port": false,
	} {
		o, err := TemporalClientOptions(config.Config{TemporalAddress: addr, TemporalNamespace: "default"}, nil, log)
		require.NoError(t, err)
		require.Equal(t, addr, o.HostPort)
		if loopback {
			require.IsType(t, &client.GrpcCompressionNone{}, o.ConnectionOptions.GrpcCompression, addr)
		} else {
			require.Nil(t, o.ConnectionOptions.GrpcCompression, "%s keeps the SDK default (gzip)", addr)
		}
	}
}
