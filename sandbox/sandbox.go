// Package sandbox is a local stand-in for the external providers Partnerflow talks to — the
// social platform, e-signature, payments, commerce and e-mail. It serves the same HTTP shapes
// the provider clients in package providers expect, sends signed webhooks like the real
// providers do, and adds control endpoints under /sandbox/ so people and tests can play the
// creator (publish, edit, sign), the shopper (place orders) and the network (inject faults).
//
// The whole lifecycle of a partnership can therefore run on one machine with no network, and a
// kill -9 of the sandbox loses nothing: every mutation is persisted before it is acknowledged.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSettleDelay is how long a transfer stays pending when Config.SettleDelay is zero.
const DefaultSettleDelay = 2 * time.Second

// Config configures a Sandbox. The zero value is a working in-memory sandbox that sends no
// webhooks.
type Config struct {
	// StatePath is the JSON file holding the sandbox's state; empty keeps state in memory only.
	StatePath string
	// PublicURL is the root under which people and the API reach the sandbox, e.g.
	// http://127.0.0.1:8090. It is used in signing URLs, permalinks and tracking links. Empty
	// derives it from each request's Host header, which suits tests on a random port.
	PublicURL string
	// ESignWebhookURL and PaymentsWebhookURL are where webhooks are POSTed. Empty means events
	// are queued (and listed) but not sent until a later run configures the URL.
	ESignWebhookURL    string
	PaymentsWebhookURL string
	// ESignWebhookSecret and PaymentsWebhookSecret sign the webhooks (see package webhooksig).
	// Each is required when the matching URL is set.
	ESignWebhookSecret    []byte
	PaymentsWebhookSecret []byte
	// SettleDelay is how long a transfer stays pending before it is paid or fails; zero means
	// DefaultSettleDelay.
	SettleDelay time.Duration
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
}

// Sandbox holds the simulated providers' state. Create it with New, serve Handler, and run Run
// for the background work (transfer settlement and webhook delivery).
type Sandbox struct {
	cfg           Config
	log           *slog.Logger
	webhookClient *http.Client
	running       atomic.Bool

	// mu guards st and lastSaved. Handlers hold it for a whole read-modify-persist cycle, which
	// serialises creates and so makes idempotency checks race-free without per-key locks.
	mu        sync.Mutex
	st        *state
	lastSaved []byte

	faultsMu sync.Mutex
	faults   map[string]fault

	statsMu sync.Mutex
	stats   map[string]providerStats

	// settleNow and deliverNow wake the settlement and delivery loops before their next tick:
	// a transfer is due or a webhook was queued.
	settleNow, deliverNow chan struct{}
}

// wake nudges a loop without blocking; one pending nudge is as good as many.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// New validates cfg and loads the state from cfg.StatePath when that file exists.
func New(cfg Config) (*Sandbox, error) {
	if err := normalizeConfig(&cfg); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sandbox{
		cfg:           cfg,
		log:           log.With("component", "sandbox"),
		webhookClient: &http.Client{Timeout: webhookTimeout},
		faults:        map[string]fault{},
		settleNow:     make(chan struct{}, 1),
		deliverNow:    make(chan struct{}, 1),
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func normalizeConfig(cfg *Config) error {
	if cfg.PublicURL != "" {
		if err := checkHTTPURL(cfg.PublicURL); err != nil {
			return fmt.Errorf("sandbox: PublicURL: %w", err)
		}
		cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	}
	hooks := []struct {
		name, url string
		secret    []byte
	}{
		{"ESignWebhookURL", cfg.ESignWebhookURL, cfg.ESignWebhookSecret},
		{"PaymentsWebhookURL", cfg.PaymentsWebhookURL, cfg.PaymentsWebhookSecret},
	}
	for _, h := range hooks {
		if h.url == "" {
			continue
		}
		if err := checkHTTPURL(h.url); err != nil {
			return fmt.Errorf("sandbox: %s: %w", h.name, err)
		}
		if len(h.secret) == 0 {
			return fmt.Errorf("sandbox: %s is set but its secret is empty", h.name)
		}
	}
	if cfg.SettleDelay < 0 {
		return errors.New("sandbox: SettleDelay must not be negative")
	}
	if cfg.SettleDelay == 0 {
		cfg.SettleDelay = DefaultSettleDelay
	}
	return nil
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return nil
}

// Run settles transfers and delivers webhooks until ctx is done, then returns nil. Only one Run
// may be active per Sandbox, since two would deliver every webhook twice.
func (s *Sandbox) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("sandbox: Run is already active")
	}
	defer s.running.Store(false)

	var wg sync.WaitGroup
	// Separate loops so a slow webhook receiver never delays settlement.
	wg.Go(func() { s.every(ctx, s.settleTick(), s.settleNow, s.settleDue) })
	wg.Go(func() { s.every(ctx, deliveryTick, s.deliverNow, s.deliverDue) })
	wg.Wait()
	return nil
}

// every runs fn at every tick of interval and whenever now is nudged.
func (s *Sandbox) every(ctx context.Context, interval time.Duration, now <-chan struct{}, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-now:
		}
	}
}

// settleTick polls often enough that a transfer settles close to its SettleDelay without
// spinning when the delay is long.
func (s *Sandbox) settleTick() time.Duration {
	return min(max(s.cfg.SettleDelay/4, 10*time.Millisecond), 250*time.Millisecond)
}

// publicURL is the root used in URLs handed out to clients.
func (s *Sandbox) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func now() time.Time { return time.Now().UTC() }
