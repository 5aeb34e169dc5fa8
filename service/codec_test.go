package service

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/partnerflow/partnerflow/auth"
	"github.com/partnerflow/partnerflow/partnership"
	"github.com/partnerflow/partnerflow/payloadcodec"
)

var testPayloadKeys = "k2:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)) +
	",k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))

// TestAPIEncryptsPayloadsAndServesTheCodecToAdmins: with PARTNERFLOW_PAYLOAD_KEYS the API's
// Temporal client sends Update arguments encrypted and decrypts the results (the Update's
// acknowledgement, and the state a query returns when the read model is behind it), and
// /codec decodes payloads for admins only.
func TestAPIEncryptsPayloadsAndServesTheCodecToAdmins(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.PayloadKeys = testPayloadKeys
	cfg.CodecCORSOrigins = []string{"https://temporal-ui.example"}
	dc, err := DataConverter(cfg)
	require.NoError(t, err)
	// The acknowledged version is ahead of the seeded read-model row (version 0), so the API
	// answers with the workflow's state from a query: both payloads arrive encrypted.
	result, err := dc.ToPayloads(partnership.Ack{Stage: partnership.StageCancelled, Version: 7})
	require.NoError(t, err)
	state, err := dc.ToPayloads(partnership.State{ID: "p1", Stage: partnership.StageCancelled})
	require.NoError(t, err)
	require.Equal(t, payloadcodec.EncodingEncrypted, string(state.Payloads[0].Metadata[converter.MetadataEncoding]))
	front := &fakeFrontend{result: result, queryResult: state}
	tel, err := NewTelemetryWithExporter("partnerflow-api", nil)
	require.NoError(t, err)
	st, pid := seedPartnership(t)
	a, err := NewAPI(ctx, cfg, st, fakeClient(t, cfg, tel, front), tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	req := httptest.NewRequest(http.MethodPost, "/v1/partnerships/"+pid+"/cancel", strings.NewReader(`{"reason":"secret reason"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken(t))
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"stage":"cancelled"`, "the encrypted result was decrypted")

	arg := front.updates[0].GetRequest().GetInput().GetArgs().GetPayloads()[0]
	require.Equal(t, payloadcodec.EncodingEncrypted, string(arg.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k2", string(arg.Metadata[payloadcodec.MetadataKeyID]), "the first key encrypts")
	require.NotContains(t, string(arg.Data), "secret reason")

	// The Temporal UI/CLI decode the same payload through /codec/decode.
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{arg}})
	require.NoError(t, err)
	creator, err := auth.Issue([]byte(testSecret), auth.Identity{Sub: "ann", Role: partnership.RoleCreator, CreatorID: "c1"}, time.Hour, time.Now())
	require.NoError(t, err)
	codecCall := func(method, token, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		return rec
	}
	require.Equal(t, http.StatusUnauthorized, codecCall(http.MethodPost, "", "").Code)
	require.Equal(t, http.StatusUnauthorized, codecCall(http.MethodPost, "not-a-jwt", "").Code)
	require.Equal(t, http.StatusForbidden, codecCall(http.MethodPost, creator, "").Code, "only admins decode")
	require.Equal(t, http.StatusMethodNotAllowed, codecCall(http.MethodGet, adminToken(t), "").Code)

	ok := codecCall(http.MethodPost, adminToken(t), "https://temporal-ui.example")
	require.Equal(t, http.StatusOK, ok.Code, ok.Body.String())
	require.Equal(t, "https://temporal-ui.example", ok.Header().Get("Access-Control-Allow-Origin"))
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(ok.Body.Bytes(), &decoded))
	require.Contains(t, string(decoded.Payloads[0].Data), "secret reason")
	require.Equal(t, "json/plain", string(decoded.Payloads[0].Metadata[converter.MetadataEncoding]))

	pre := codecCall(http.MethodOptions, "", "https://temporal-ui.example")
	require.Equal(t, http.StatusNoContent, pre.Code, "CORS preflight needs no token")
	require.Contains(t, pre.Header().Get("Access-Control-Allow-Headers"), "Authorization")
	other := codecCall(http.MethodPost, adminToken(t), "https://evil.example")
	require.Empty(t, other.Header().Get("Access-Control-Allow-Origin"), "other origins get no CORS grant")
}

func TestNoCodecEndpointWithoutKeys(t *testing.T) {
	cfg := testConfig()
	tel, err := NewTelemetryWithExporter("partnerflow-api", nil)
	require.NoError(t, err)
	st, _ := seedPartnership(t)
	a, err := NewAPI(context.Background(), cfg, st, fakeClient(t, cfg, tel, &fakeFrontend{}), tel, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/codec/decode", strings.NewReader(`{"payloads":[]}`))
	req.Header.Set("Authorization", "Bearer "+adminToken(t))
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func TestTemporalClientOptionsSecurity(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cfg := testConfig()
	opts, err := TemporalClientOptions(cfg, nil, log)
	require.NoError(t, err)
	require.Nil(t, opts.ConnectionOptions.TLS)
	require.Nil(t, opts.Credentials)
	require.Nil(t, opts.DataConverter, "the SDK default without keys")

	cfg.TemporalAPIKey, cfg.TemporalTLSServerName = "cloud-key", "ns.acct.tmprl.cloud"
	opts, err = TemporalClientOptions(cfg, nil, log)
	require.NoError(t, err)
	require.NotNil(t, opts.Credentials)
	require.Equal(t, "ns.acct.tmprl.cloud", opts.ConnectionOptions.TLS.ServerName)

	cfg = testConfig()
	cfg.TemporalTLSCertFile = "/nonexistent/client.pem"
	_, err = TemporalClientOptions(cfg, nil, log)
	require.ErrorContains(t, err, "PARTNERFLOW_TEMPORAL_TLS_CERT_FILE")
	_, err = DialTemporal(context.Background(), cfg, nil, log, time.Minute)
	require.ErrorContains(t, err, "PARTNERFLOW_TEMPORAL_TLS_CERT_FILE", "a configuration error fails at once, without retrying")

	cfg = testConfig()
	cfg.PayloadKeys = testPayloadKeys
	opts, err = TemporalClientOptions(cfg, nil, log)
	require.NoError(t, err)
	p, err := opts.DataConverter.ToPayload("x")
	require.NoError(t, err)
	require.Equal(t, payloadcodec.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.NotNil(t, opts.FailureConverter)
}
