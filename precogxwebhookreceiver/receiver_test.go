package precogxwebhookreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/precogx/precogxexporter/internal/logtest"
	"github.com/precogx/precogxexporter/precogxwebhookreceiver/internal/metadata"
)

type testReceiver struct {
	url  string // the webhook URL
	base string // http://host:port
	logs *observer.ObservedLogs
	tel  *componenttest.Telemetry
}

// startReceiver starts the receiver on a loopback port picked by the kernel.
func startReceiver(t *testing.T, next consumer.Logs, edit func(*Config), host component.Host) *testReceiver {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	if edit != nil {
		edit(cfg)
	}
	require.NoError(t, cfg.Validate())
	core, logs := observer.New(zapcore.DebugLevel)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	r, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, r.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	base := "http://" + r.(*webhookReceiver).addr.String()
	return &testReceiver{url: base + cfg.Path, base: base, logs: logs, tel: tel}
}

// metric sums the points of an int64 counter of the receiver's telemetry.
func (r *testReceiver) metric(t *testing.T, name string) int64 {
	t.Helper()
	m, err := r.tel.GetMetric(name)
	require.NoError(t, err)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is %T", name, m.Data)
	var n int64
	for _, dp := range sum.DataPoints {
		n += dp.Value
	}
	return n
}

type answer struct {
	status int
	header http.Header
	body   struct {
		Status string `json:"status"`
		Error  *struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
}

func do(t *testing.T, method, url, contentType string, body io.Reader, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if method != http.MethodHead {
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NoError(t, json.Unmarshal(raw, &a.body), "body %s", raw)
	}
	return a
}

func post(t *testing.T, url, body string) answer {
	t.Helper()
	return do(t, http.MethodPost, url, "application/json", strings.NewReader(body))
}

func TestReceiverAcceptsAlert(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, sink, nil, nil)
	before := time.Now()
	a := post(t, r.url, exampleAlert)
	after := time.Now()
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "accepted", a.body.Status)
	assert.Nil(t, a.body.Error)

	require.Equal(t, 1, sink.LogRecordCount())
	ld := sink.AllLogs()[0]
	require.Equal(t, 1, ld.ResourceLogs().Len())
	sl := ld.ResourceLogs().At(0).ScopeLogs()
	require.Equal(t, 1, sl.Len())
	assert.Equal(t, metadata.ScopeName, sl.At(0).Scope().Name())
	lr := sl.At(0).LogRecords().At(0)
	got := logtest.View(lr)
	assert.False(t, got.Observed.Before(before) || got.Observed.After(after), "observed %s not within the request", got.Observed)
	want := mapAlert(t, exampleAlert)
	got.Observed, want.Observed = time.Time{}, time.Time{}
	assert.Equal(t, want, got)

	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"} {
		assert.Equal(t, http.StatusOK, do(t, http.MethodPost, r.url, ct, strings.NewReader(exampleAlert)).status, ct)
	}
	assert.Equal(t, 4, sink.LogRecordCount())

	assert.Equal(t, int64(4), r.metric(t, "otelcol_receiver_accepted_log_records"), "reported through receiverhelper.ObsReport")
}

func TestReceiverRefusals(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, sink, nil, nil)
	big := `{"event":"threat_detected","details":{"description":"` + strings.Repeat("x", 2<<20) + `"}}`
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		code, field                           string
	}{
		{"invalid JSON", "POST", "", "application/json", `{"event":`, 400, codeInvalidJSON, ""},
		{"array", "POST", "", "application/json", `[` + exampleAlert + `]`, 400, codeInvalidRequest, ""},
		{"missing event", "POST", "", "application/json", `{"agentId":"a"}`, 400, codeMissingField, "event"},
		{"wrong type", "POST", "", "application/json", `{"event":"e","details":{"confidence":"high"}}`, 400, codeInvalidFieldType, "details.confidence"},
		{"2 MiB", "POST", "", "application/json", big, 413, codePayloadTooLarge, ""},
		{"text/plain", "POST", "", "text/plain", exampleAlert, 415, codeUnsupportedMedia, ""},
		{"form", "POST", "", "application/x-www-form-urlencoded", exampleAlert, 415, codeUnsupportedMedia, ""},
		{"json suffix", "POST", "", "application/vnd.api+json", exampleAlert, 415, codeUnsupportedMedia, ""},
		{"no content type", "POST", "", "", exampleAlert, 415, codeUnsupportedMedia, ""},
		{"bad content type", "POST", "", "application/json; charset", exampleAlert, 415, codeUnsupportedMedia, ""},
		{"GET", "GET", "", "", "", 405, codeMethodNotAllowed, ""},
		{"PUT", "PUT", "", "application/json", exampleAlert, 405, codeMethodNotAllowed, ""},
		{"other path", "POST", "/precogx/webhook/x", "application/json", exampleAlert, 404, codeNotFound, ""},
		{"root", "POST", "/", "application/json", exampleAlert, 404, codeNotFound, ""},
		{"trailing slash", "POST", "/precogx/webhook/", "application/json", exampleAlert, 404, codeNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := r.url
			if tt.path != "" {
				url = r.base + tt.path
			}
			a := do(t, tt.method, url, tt.contentType, strings.NewReader(tt.body))
			assert.Equal(t, tt.status, a.status)
			require.NotNil(t, a.body.Error, "the API's error shape")
			assert.Equal(t, tt.code, a.body.Error.Code)
			assert.NotEmpty(t, a.body.Error.Message)
			assert.NotNil(t, a.body.Error.Details)
			if tt.field != "" {
				assert.Equal(t, tt.field, a.body.Error.Details["field"])
			}
			if tt.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", a.header.Get("Allow"))
			}
		})
	}
	assert.Zero(t, sink.LogRecordCount(), "no record for any refused request")
}

func gzipped(t *testing.T, s string) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return &b
}

func TestReceiverBodyLimitAppliesToDecodedBody(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, sink, nil, nil)
	big := `{"event":"threat_detected","details":{"description":"` + strings.Repeat("x", 1<<20) + `"}}`
	zb := gzipped(t, big)
	require.Less(t, zb.Len(), 1<<20, "compressed, it fits the limit")
	a := do(t, http.MethodPost, r.url, "application/json", zb, "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.status)
	assert.Equal(t, codePayloadTooLarge, a.body.Error.Code)

	a = do(t, http.MethodPost, r.url, "application/json", gzipped(t, exampleAlert), "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusOK, a.status, "a small gzip body is decoded")
	a = do(t, http.MethodPost, r.url, "application/json", strings.NewReader("not gzip"), "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, codeInvalidRequest, a.body.Error.Code)

	justUnder := `{"event":"e","details":{"description":"` + strings.Repeat("x", 1<<20-60) + `"}}`
	require.LessOrEqual(t, len(justUnder), 1<<20)
	assert.Equal(t, http.StatusOK, post(t, r.url, justUnder).status, "1 MiB is the default limit")
	assert.Equal(t, 2, sink.LogRecordCount())

	small := startReceiver(t, sink, func(c *Config) { c.MaxRequestBodySize = 100 }, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(t, small.url, exampleAlert).status, "max_request_body_size is honoured")
}

func TestReceiverPipelineRefusal(t *testing.T) {
	r := startReceiver(t, consumertest.NewErr(errors.New("queue is full")), nil, nil)
	a := post(t, r.url, exampleAlert)
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "a retryable refusal")
	assert.Equal(t, codeUnavailable, a.body.Error.Code)

	r = startReceiver(t, consumertest.NewErr(consumererror.NewPermanent(errors.New("bad data"))), nil, nil)
	a = post(t, r.url, exampleAlert)
	assert.Equal(t, http.StatusInternalServerError, a.status, "a permanent refusal")
	assert.Equal(t, codeInternal, a.body.Error.Code)

	assert.Equal(t, int64(1), r.metric(t, "otelcol_receiver_refused_log_records"))
	warn := r.logs.FilterLevelExact(zapcore.WarnLevel).All()
	require.Len(t, warn, 1)
	fields := warn[0].ContextMap()
	assert.Equal(t, int64(500), fields["status"])
	assert.Equal(t, "threat_detected", fields["event"])
	assert.Equal(t, "high", fields["severity"])
}

// TestReceiverLogsNoAlertValues: above debug level nothing of an alert is
// logged but event, severity and the outcome; never details or a refused body.
func TestReceiverLogsNoAlertValues(t *testing.T) {
	secrets := []string{"customer-support-bot", "prompt_injection", "Prompt injection attempt", "0.95", "secret-detail", "refused-body-text"}
	withDetail := `{"event":"threat_detected","agentId":"customer-support-bot","threatType":"prompt_injection","severity":"high",
		"details":{"confidence":0.95,"description":"Prompt injection attempt","extra":"secret-detail"}}`
	for _, next := range []consumer.Logs{new(consumertest.LogsSink), consumertest.NewErr(errors.New("down"))} {
		r := startReceiver(t, next, nil, nil)
		post(t, r.url, withDetail)
		post(t, r.url, `{"event":"e","agentId":["refused-body-text"]}`)
		post(t, r.url, `refused-body-text`)
		for _, e := range r.logs.All() {
			line := e.Message + " " + fmt.Sprint(e.ContextMap())
			for _, s := range secrets {
				assert.NotContains(t, line, s, "%s log line", e.Level)
			}
		}
		assert.NotEmpty(t, r.logs.FilterMessage("Webhook request").All(), "each request is logged at debug")
	}
}

// authServer accepts requests with the header "Authorization: Bearer good".
type authServer struct {
	component.StartFunc
	component.ShutdownFunc
	extensionauth.ServerAuthenticateFunc
}

type authHost struct {
	ext map[component.ID]component.Component
}

func (h authHost) GetExtensions() map[component.ID]component.Component { return h.ext }

func TestReceiverAuthenticator(t *testing.T) {
	id := component.MustNewID("testauth")
	host := authHost{ext: map[component.ID]component.Component{id: &authServer{
		ServerAuthenticateFunc: func(ctx context.Context, h map[string][]string) (context.Context, error) {
			if v := h["Authorization"]; len(v) == 1 && v[0] == "Bearer good" {
				return ctx, nil
			}
			return ctx, errors.New("token refused: Bearer wrong")
		},
	}}}
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, sink, func(c *Config) {
		c.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: id}})
	}, host)

	a := post(t, r.url, exampleAlert)
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Equal(t, codeUnauthorized, a.body.Error.Code)
	a = do(t, http.MethodPost, r.url, "application/json", strings.NewReader(exampleAlert), "Authorization", "Bearer wrong")
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.NotContains(t, a.body.Error.Message, "wrong", "the authenticator's text is not echoed")
	assert.Zero(t, sink.LogRecordCount())

	a = do(t, http.MethodPost, r.url, "application/json", strings.NewReader(exampleAlert), "Authorization", "Bearer good")
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, 1, sink.LogRecordCount())
}

func TestReceiverStartErrors(t *testing.T) {
	r := startReceiver(t, consumertest.NewNop(), nil, nil)
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = strings.TrimPrefix(r.base, "http://")
	second, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	assert.Error(t, second.Start(context.Background(), componenttest.NewNopHost()), "the port is taken")
	assert.NoError(t, second.Shutdown(context.Background()))

	cfg = createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: component.MustNewID("missing")}})
	third, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	assert.Error(t, third.Start(context.Background(), componenttest.NewNopHost()), "an authenticator that is not there")
	assert.NoError(t, third.Shutdown(context.Background()))
}
