package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/api"
)

var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
)

// checkAgainstOpenAPI validates a request and its response against the document the server
// serves, so the document cannot drift from what the server does.
func checkAgainstOpenAPI(t *testing.T, req *http.Request, body []byte, res response) {
	t.Helper()
	docOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err == nil {
			docRouter, err = gorillamux.NewRouter(doc)
		}
		docErr = err
	})
	require.NoError(t, docErr, "the OpenAPI document does not load")

	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := docRouter.FindRoute(r)
	if err != nil && (res.Status == http.StatusNotFound || res.Status == http.StatusMethodNotAllowed) {
		return // no such route, and the server said so
	}
	require.NoError(t, err, "%s %s is not in the OpenAPI document", req.Method, req.URL.Path)
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// Requests are only checked when the server accepted them: tests send invalid input on
	// purpose, and the server's answer to it is what matters.
	if res.Status < 400 {
		require.NoError(t, openapi3filter.ValidateRequest(context.Background(), in), "request does not match the document")
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(res.Body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), out),
		"%s %s → %d does not match the document: %s", req.Method, req.URL.Path, res.Status, res.Body)
}
