package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// exitStatus is an error that asks main for a specific exit code. Container runtimes read
// a healthcheck's code: 0 is healthy, 1 unhealthy, and Docker reserves 2, which main uses
// for every other failure.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string { return e.err.Error() }
func (e *exitStatus) Unwrap() error { return e.err }

// runHealthcheck GETs a URL and succeeds on a 2xx answer. It exists because the production
// image (distroless) has no shell, curl or wget for a compose or Docker HEALTHCHECK to call.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "the URL to GET, e.g. http://127.0.0.1:8080/readyz (required)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("healthcheck: --url is required")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitStatus{code: 1, err: fmt.Errorf("healthcheck: %w", err)}
	}
	defer func() { _ = res.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &exitStatus{code: 1, err: fmt.Errorf("healthcheck: %s answered %s", *url, res.Status)}
	}
	fmt.Fprintf(stdout, "%s: %s\n", *url, res.Status)
	return nil
}
