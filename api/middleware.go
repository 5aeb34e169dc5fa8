package api

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/partnerflow/partnerflow/auth"
)

const identityKey = "identity"

// authenticate requires a valid bearer token on every /v1 route but the webhooks.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// RFC 9110 §11.1: the scheme is case-insensitive ("bearer", "BEARER").
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="partnerflow"`)
			return problem(http.StatusUnauthorized, "a bearer token is required")
		}
		var id auth.Identity
		var err error
		if s.cfg.Verifier != nil {
			id, err = s.cfg.Verifier.Parse(strings.TrimSpace(token))
		} else {
			id, err = auth.Parse(s.cfg.JWTSecret, strings.TrimSpace(token))
		}
		if err != nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="partnerflow", error="invalid_token"`)
			return problem(http.StatusUnauthorized, "the bearer token is invalid or expired")
		}
		c.Set(identityKey, id)
		return next(c)
	}
}

func identity(c echo.Context) auth.Identity {
	id, _ := c.Get(identityKey).(auth.Identity)
	return id
}

// rateLimit bounds requests per subject so one client cannot starve the others.
func (s *Server) rateLimit() echo.MiddlewareFunc {
	if s.cfg.RateLimit <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	st := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(s.cfg.RateLimit), Burst: int(s.cfg.RateLimit * 2), ExpiresIn: 5 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               st,
		IdentifierExtractor: func(c echo.Context) (string, error) { return identity(c).Sub, nil },
		ErrorHandler: func(echo.Context, error) error {
			return problem(http.StatusForbidden, "no identity for rate limiting")
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "1")
			return problem(http.StatusTooManyRequests, "too many requests; slow down")
		},
	})
}

// recoverPanics turns a panic into a logged 500 problem; no stack trace reaches the client.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(c.Request().Context(), "panic in handler", "panic", fmt.Sprint(r),
					"path", c.Path(), "stack", string(debug.Stack()))
				err = problem(http.StatusInternalServerError, "internal error; the request id identifies it in the logs")
			}
		}()
		return next(c)
	}
}

// logRequests writes one structured line per request, with its request id.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		res := c.Response()
		s.log.InfoContext(c.Request().Context(), "http request",
			"method", c.Request().Method, "route", c.Path(), "status", res.Status,
			"duration_ms", time.Since(start).Milliseconds(), "request_id", res.Header().Get(echo.HeaderXRequestID),
			"sub", identity(c).Sub)
		return nil
	}
}
