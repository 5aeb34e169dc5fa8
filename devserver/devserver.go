// Package devserver runs a real Temporal server in-process on a SQLite file, for `partnerflow
// dev`, the end-to-end tests and the benchmarks. It is the only package that imports
// go.temporal.io/server, so the server is compiled once and production processes (`api`,
// `worker`) need not link it.
package devserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"github.com/partnerflow/partnerflow/internal/privatefile"
)

// Options configures the dev server.
type Options struct {
	// DatabaseFile is the SQLite file holding all Temporal state; it survives restarts.
	DatabaseFile string
	// IP the services bind to; 127.0.0.1 when empty.
	IP string
	// FrontendPort is the gRPC port clients dial (7233 by default in `partnerflow dev`).
	FrontendPort int
	// Namespace is registered at start if it does not exist.
	Namespace string
	// Logger receives the server's logs; LogLevel filters them (the server is chatty at Info).
	Logger   *slog.Logger
	LogLevel slog.Level
}

// Server is a running in-process Temporal server.
type Server struct {
	server  temporal.Server
	address string
}

// Address is the frontend host:port for SDK clients.
func (s *Server) Address() string { return s.address }

// Stop shuts the server down.
func (s *Server) Stop() { _ = s.server.Stop() }

// Start creates the schema and namespace if needed, then starts frontend, history, matching
// and worker services in this process.
func Start(opts Options) (*Server, error) {
	if opts.DatabaseFile == "" {
		return nil, errors.New("devserver: DatabaseFile is required")
	}
	if opts.Namespace == "" {
		return nil, errors.New("devserver: Namespace is required")
	}
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.FrontendPort == 0 {
		p, err := FreePort(opts.IP)
		if err != nil {
			return nil, err
		}
		opts.FrontendPort = p
	}
	// The history holds workflow inputs (ids and terms, no personal data), but nobody else
	// needs to read it either.
	if err := privatefile.Ensure(opts.DatabaseFile); err != nil {
		return nil, fmt.Errorf("devserver: create database file: %w", err)
	}

	sqlCfg := sqlConfig(opts.DatabaseFile)
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, nil)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace config: %w", err)
	}
	// The sqlite plugin creates the schema on first open ("setup": "true") and treats
	// existing tables as benign, so the same call serves first start and restart.
	if err := sqliteschema.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("devserver: register namespace %q: %w", opts.Namespace, err)
	}

	cfg, err := serverConfig(opts, sqlCfg)
	if err != nil {
		return nil, err
	}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for name, svc := range cfg.Services {
		hosts[primitives.ServiceName(name)] = static.SingleLocalHost(net.JoinHostPort(opts.IP, strconv.Itoa(svc.RPC.GRPCPort)))
	}

	logger := newServerLogger(opts.Logger.With("component", "temporal-server"), opts.LogLevel)
	srv, err := startServer(logger,
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, err
	}
	return &Server{server: srv, address: net.JoinHostPort(opts.IP, strconv.Itoa(opts.FrontendPort))}, nil
}

// startServer builds and starts the server. A failure the server only logs as fatal (a port
// taken) makes it panic further on; that comes back as an error naming the fatal message,
// not as a crash with a stack trace.
func startServer(logger serverLogger, opts ...temporal.ServerOption) (srv temporal.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			cause := logger.fatal.String()
			if cause == "" {
				cause = fmt.Sprint(r)
			}
			srv, err = nil, fmt.Errorf("devserver: start: %s", cause)
		}
	}()
	srv, err = temporal.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("devserver: build server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: start: %w", err)
	}
	if cause := logger.fatal.String(); cause != "" {
		_ = srv.Stop()
		return nil, fmt.Errorf("devserver: start: %s", cause)
	}
	return srv, nil
}

const clusterName = "active"

// sqlConfig tunes SQLite for a server that writes on every workflow task: WAL makes commits
// cheap (appends, no rollback journal), synchronous=NORMAL is durable across process crashes
// in WAL mode (only an OS crash can lose the last transactions), and a busy timeout turns lock
// contention into waiting instead of errors.
//
// One connection, deliberately: the server's transactions read before they write, and with
// several connections SQLite answers SQLITE_BUSY_SNAPSHOT (517) when a read snapshot must be
// upgraded to a write — busy_timeout cannot help with that, and the plugin offers no way to
// start transactions IMMEDIATE. Measured: 4 connections failed a lifecycle under provider
// faults with "database is locked (517)"; 1 connection does not.
func sqlConfig(file string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: file,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"setup":        "true",
			"journal_mode": "wal",
			"synchronous":  "NORMAL",
			"busy_timeout": "10000",
			"cache_size":   "-32000",
		},
		MaxConns:     1,
		MaxIdleConns: 1,
	}
}

func serverConfig(opts Options, sqlCfg *config.SQL) (*config.Config, error) {
	var cfg config.Config
	cfg.Global.Membership.MaxJoinDuration = 30 * time.Second
	cfg.Global.Membership.BroadcastAddress = opts.IP
	cfg.Persistence.DefaultStore = "sqlite"
	cfg.Persistence.VisibilityStore = "sqlite"
	// One shard: a single SQLite writer gains nothing from more.
	cfg.Persistence.NumHistoryShards = 1
	cfg.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlCfg}}

	httpPort, err := FreePort(opts.IP)
	if err != nil {
		return nil, err
	}
	frontendAddr := net.JoinHostPort(opts.IP, strconv.Itoa(opts.FrontendPort))
	cfg.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
				HTTPAddress:            net.JoinHostPort(opts.IP, strconv.Itoa(httpPort)),
				ClusterID:              "0b0f5c3e-6d8a-4c1e-9a53-7f0d1c2e9b41", // fixed: the same cluster across restarts
			},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"
	cfg.Services = map[string]config.Service{}
	for _, name := range temporal.DefaultServices {
		svc := config.Service{}
		svc.RPC.BindOnIP = opts.IP
		if name == string(primitives.FrontendService) {
			svc.RPC.GRPCPort = opts.FrontendPort
			svc.RPC.HTTPPort = httpPort
		} else {
			// Internal services only talk to each other through the static hosts above, so
			// any free port will do and a restart may pick new ones.
			p, err := FreePort(opts.IP)
			if err != nil {
				return nil, err
			}
			svc.RPC.GRPCPort = p
		}
		cfg.Services[name] = svc
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	cfg.PublicClient.HostPort = frontendAddr
	return &cfg, nil
}

func dynamicConfig() dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{}
	dc[dynamicconfig.HistoryCacheHostLevelMaxSize.Key()] = 8096
	dc[dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key()] = 100
	// One partition per task queue: the dev stack has one worker process, and with the
	// default four a task added to a partition without a waiting poller is forwarded to the
	// root partition first (measured: 5% more Updates per second with one).
	dc[dynamicconfig.MatchingNumTaskqueueReadPartitions.Key()] = 1
	dc[dynamicconfig.MatchingNumTaskqueueWritePartitions.Key()] = 1
	// Nothing stores payloads outside the history here (no external payload store is set up),
	// so the history service need not walk every new event's payloads to count them (1.6% of
	// the process's CPU under `partnerflow bench updates`).
	dc[dynamicconfig.ExternalPayloadsEnabled.Key()] = false
	return dc
}
