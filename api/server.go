// Package api is the Echo REST API of API.md: brand managers, creators and finance act on
// partnerships through it. Handlers bind and validate input, check the caller against the
// policy, then read the read model or send an Update/Signal to the partnership workflow.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/partnerflow/partnerflow/auth"
)

// Config configures the API server.
type Config struct {
	JWTSecret []byte
	// Verifier checks bearer tokens; nil verifies HS256 with JWTSecret only.
	Verifier              *auth.Verifier
	ESignWebhookSecret    []byte
	PaymentsWebhookSecret []byte
	CORSOrigins           []string
	// RequestTimeout bounds how long a handler waits on the database or Temporal.
	RequestTimeout time.Duration
	// RateLimit is requests per second per subject (0 disables).
	RateLimit float64
	// Registry receives the HTTP metrics; /metrics serves it. Defaults to the global registry.
	Registry *prometheus.Registry
	// Middleware runs first on every request, before request IDs and logging (tracing, so
	// the request's span covers all of it and its trace id reaches the request log line).
	Middleware []echo.MiddlewareFunc
	// ReconcileInterval is how often RunReconciler looks for creates whose workflow never
	// started (default a minute); UnstartedGrace how long such a row is left alone after it
	// was last touched (default 5 minutes, and never less than twice the request timeout
	// plus a minute, so that no start can still land after it).
	ReconcileInterval time.Duration
	UnstartedGrace    time.Duration
	// TransferLookupAfter is stamped on each partnership started (Input.TransferLookupSeconds):
	// how long its transfers wait for the provider's webhook before the provider is asked.
	// Zero leaves the workflow's default (an hour).
	TransferLookupAfter time.Duration
}

// Server is the HTTP API.
type Server struct {
	echo  *echo.Echo
	store Store
	wf    Workflows
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	// claimAbandonAfter is the age at which an Idempotency-Key still "in progress" is taken
	// over: the request timeout plus abandonedClaimMargin.
	claimAbandonAfter time.Duration
	// unstartedRemoved counts the rows the reconciler deleted (reconcile.go): creates whose
	// workflow never started, worth an alert when it climbs.
	unstartedRemoved prometheus.Counter
	// failedAfterClose counts payments reported failed for partnerships whose workflow has
	// closed (webhooks.go): money the app shows paid that the provider says is not.
	failedAfterClose prometheus.Counter
}

// registeredCounter registers a counter, or returns the one already registered under its
// name (several servers in one process, as in tests, share the default registry).
func registeredCounter(r prometheus.Registerer, opts prometheus.CounterOpts) prometheus.Counter {
	c := prometheus.NewCounter(opts)
	if err := r.Register(c); err != nil {
		if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
			if existing, ok := are.ExistingCollector.(prometheus.Counter); ok {
				return existing
			}
		}
	}
	return c
}

// New builds the server and its routes.
func New(cfg Config, st Store, wf Workflows, log *slog.Logger) *Server {
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = defaultReconcileInterval
	}
	if cfg.UnstartedGrace <= 0 {
		cfg.UnstartedGrace = defaultUnstartedGrace
	}
	cfg.UnstartedGrace = max(cfg.UnstartedGrace, 2*cfg.RequestTimeout+abandonedClaimMargin)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{echo: e, store: st, wf: wf, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() },
		claimAbandonAfter: cfg.RequestTimeout + abandonedClaimMargin}
	e.HTTPErrorHandler = s.handleError
	e.Validator = newValidator()
	e.Binder = strictBinder{}

	var gatherer prometheus.Gatherer = prometheus.DefaultGatherer
	var registerer prometheus.Registerer = prometheus.DefaultRegisterer
	if cfg.Registry != nil {
		gatherer, registerer = cfg.Registry, cfg.Registry
	}
	s.unstartedRemoved = registeredCounter(registerer, prometheus.CounterOpts{Namespace: "partnerflow",
		Name: "unstarted_partnerships_removed_total",
		Help: "Partnership rows the reconciler deleted because their workflow never started."})
	s.failedAfterClose = registeredCounter(registerer, prometheus.CounterOpts{Namespace: "partnerflow",
		Name: "payments_failed_after_close_total",
		Help: "Payments the provider reported failed for partnerships whose workflow had closed: check each transfer at the provider."})
	e.Use(cfg.Middleware...)
	e.Use(
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}),
		s.recoverPanics,
		s.logRequests,
		echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{Namespace: "partnerflow", Registerer: registerer}),
		middleware.SecureWithConfig(middleware.SecureConfig{
			XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
			ContentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'", ReferrerPolicy: "no-referrer",
		}),
		middleware.BodyLimit("1M"),
	)
	if len(cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: cfg.CORSOrigins}))
	}

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.yaml", s.openAPI)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})))

	hooks := e.Group("/v1/webhooks")
	hooks.POST("/esign", s.esignWebhook)
	hooks.POST("/payments", s.paymentsWebhook)

	v1 := routeGroup{g: e.Group("/v1"), mw: []echo.MiddlewareFunc{s.authenticate, s.rateLimit(), s.idempotency}}
	v1.POST("/brands", s.createBrand)
	v1.GET("/brands/:id", s.getBrand)
	v1.PATCH("/brands/:id", s.patchBrand)
	v1.GET("/brands/:id/changes", s.listBrandChanges)
	v1.POST("/creators", s.createCreator)
	v1.GET("/creators", s.listCreators)
	v1.GET("/creators/:id", s.getCreator)
	v1.PATCH("/creators/:id", s.patchCreator)
	v1.PUT("/creators/:id/payout-profile", s.putPayoutProfile)
	v1.GET("/creators/:id/changes", s.listCreatorChanges)
	v1.POST("/campaigns", s.createCampaign)
	v1.GET("/campaigns", s.listCampaigns)
	v1.GET("/campaigns/:id", s.getCampaign)
	v1.GET("/campaigns/:id/report", s.campaignReport)
	v1.POST("/partnerships", s.createPartnership)
	v1.GET("/partnerships", s.listPartnerships)
	v1.GET("/partnerships/:id", s.getPartnership)
	v1.GET("/partnerships/:id/events", s.listEvents)
	v1.POST("/partnerships/:id/vetting/decision", s.decideVetting)
	v1.POST("/partnerships/:id/negotiation", s.negotiate)
	v1.POST("/partnerships/:id/deliverables/:did/drafts", s.submitDraft)
	v1.POST("/partnerships/:id/deliverables/:did/review", s.reviewDraft)
	v1.POST("/partnerships/:id/deliverables/:did/publication", s.submitPublication)
	v1.POST("/partnerships/:id/payouts", s.triggerPayout)
	v1.POST("/partnerships/:id/payouts/:pid/approve", s.approvePayout)
	v1.POST("/partnerships/:id/cancel", s.cancel)
	v1.POST("/partnerships/:id/retry", s.retryStep)
	v1.GET("/payouts", s.listPayouts)
	v1.POST("/disclosure/check", s.checkDisclosure)
	return s
}

// routeGroup adds routes under a prefix, each with the group's middleware as its own. Echo's
// group middleware does the same for the routes but also adds a catch-all route for the
// prefix, which its router prefers to answering 405: a wrong method on a real route
// (DELETE /v1/partnerships/{id}) was a 404 without an Allow header. Without the catch-all, a
// path that is no route is a 404 before any authentication, as outside /v1.
type routeGroup struct {
	g  *echo.Group
	mw []echo.MiddlewareFunc
}

func (r routeGroup) GET(path string, h echo.HandlerFunc)   { r.g.GET(path, h, r.mw...) }
func (r routeGroup) POST(path string, h echo.HandlerFunc)  { r.g.POST(path, h, r.mw...) }
func (r routeGroup) PUT(path string, h echo.HandlerFunc)   { r.g.PUT(path, h, r.mw...) }
func (r routeGroup) PATCH(path string, h echo.HandlerFunc) { r.g.PATCH(path, h, r.mw...) }

// Handler is the root HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists the registered method+path pairs (for the OpenAPI drift test).
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

func (s *Server) ctx(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "temporal": "ok"}
	ready := true
	if err := s.store.Ping(ctx); err != nil {
		checks["database"], ready = "unavailable", false
	}
	if err := s.wf.Ping(ctx); err != nil {
		checks["temporal"], ready = "unavailable", false
	}
	if ready {
		return c.JSON(http.StatusOK, map[string]any{"ready": true, "checks": checks})
	}
	// Written here rather than through the error handler: probes poll this every few seconds
	// during an outage, and each would otherwise be logged as a failed request.
	var down []string
	for _, name := range []string{"database", "temporal"} {
		if checks[name] != "ok" {
			down = append(down, name)
		}
	}
	p := problem(http.StatusServiceUnavailable, "not ready: "+strings.Join(down, " and ")+" unavailable").p
	p.Instance, p.Checks = c.Request().URL.Path, checks
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	c.Response().Header().Set("Retry-After", "5")
	return c.Blob(http.StatusServiceUnavailable, "application/problem+json", mustMarshal(p))
}
