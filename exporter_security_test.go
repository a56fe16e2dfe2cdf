package precogxexporter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/precogx/precogxexporter/internal/devserver"
	"github.com/precogx/precogxexporter/internal/metadatatest"
)

// SECURITY.md, redirects are never followed: a 3xx is the outcome; nothing goes to the Location.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var elsewhere atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				elsewhere.Add(1)
			}))
			defer other.Close()
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", "http://user:pw@"+strings.TrimPrefix(other.URL, "http://")+"/steal/path?q=secret-query#frag")
				w.WriteHeader(status)
			}))
			defer hs.Close()
			e := startExporter(t, testConfig(hs.URL))
			err := e.pushTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json"))
			require.Error(t, err)
			assert.True(t, consumererror.IsPermanent(err), "a redirect is a permanent failure of that request")
			assert.Zero(t, elsewhere.Load(), "nothing reaches the redirect target")
			assert.Contains(t, err.Error(), "redirect to "+other.URL+" refused")
			for _, leak := range []string{"/steal/path", "secret-query", "frag", "user:pw", testKey} {
				assert.NotContains(t, err.Error(), leak)
			}
		})
	}
}

// SECURITY.md, server text is bounded and scrubbed: server text is cut and scrubbed of the key; reasons are documented codes or digits.
func TestServerTextIsScrubbedAndBounded(t *testing.T) {
	long := strings.Repeat("A", 30<<10)
	tests := []struct {
		name, body, reason string
	}{
		{"key in message", `{"error":{"code":"INVALID_REQUEST","message":"your header x-api-key: ` + testKey + ` is odd"}}`, "INVALID_REQUEST"},
		{"key as code", `{"error":{"code":"` + testKey + `","message":"m"}}`, "400"},
		{"huge undocumented code", `{"error":{"code":"` + long + `","message":"` + long + `"}}`, "400"},
		{"raw text echo", "x-api-key: " + testKey + "\nAuthorization: Bearer " + testKey, "400"},
		{"code of another type", `{"error":{"code":42,"message":{"nested":"` + testKey + `"}}}`, "400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer hs.Close()
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			core, logs := observer.New(zap.DebugLevel)
			set := metadatatest.NewSettings(tel)
			set.Logger = zap.New(core)
			cfg := testConfig(hs.URL)
			cfg.MaxBatchInteractions = 1
			e, err := newExporter(cfg, set)
			require.NoError(t, err)
			require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
			defer func() { _ = e.shutdown(context.Background()) }()

			err = e.pushTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json"))
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testKey)
			assert.Less(t, len(err.Error()), 1024, "server text is cut to 256 bytes per field")
			for _, l := range logs.All() {
				assert.NotContains(t, l.Message, testKey)
				for k, v := range l.ContextMap() {
					assert.NotContains(t, toString(v), testKey, "log field %s", k)
				}
			}
			metadatatest.AssertEqualPrecogxInteractionsFailed(t, tel, []metricdata.DataPoint[int64]{
				{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", tt.reason))}},
				ignoreTime()...)
		})
	}
}

// SECURITY.md, plain http to a remote host: plain http to another host warns at start; loopback does not.
func TestPlainHTTPToRemoteHostWarns(t *testing.T) {
	for endpoint, warn := range map[string]bool{
		"http://10.1.2.3:8088/api/v1":    true,
		"http://precogx.internal/api/v1": true,
		"http://127.0.0.1:8088/api/v1":   false,
		"http://localhost:8088/api/v1":   false,
		"https://api.precogx.ai/api/v1":  false,
	} {
		core, logs := observer.New(zap.WarnLevel)
		set := metadatatest.NewSettings(componenttest.NewTelemetry())
		set.Logger = zap.New(core)
		e, err := newExporter(testConfig(endpoint), set)
		require.NoError(t, err)
		require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
		_ = e.shutdown(context.Background())
		if warn {
			require.Equal(t, 1, logs.Len(), endpoint)
			assert.Contains(t, logs.All()[0].Message, "unencrypted")
			assert.NotContains(t, logs.All()[0].Message, testKey)
		} else {
			assert.Zero(t, logs.Len(), endpoint)
		}
	}
}

func TestSecretsOf(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1")
	cfg.Headers.Set("X-Tenant-Token", "tenant-token-value")
	cfg.Headers.Set("X-Short", "acme")
	assert.Equal(t, []string{testKey, "tenant-token-value"}, secretsOf(cfg), "the key and header values of 8 bytes or more")
}

// SECURITY.md, nothing hangs: a shutdown does not wait out the client-side rate limit.
func TestShutdownEndsRateLimitWaits(t *testing.T) {
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.MaxBatchInteractions = 1
	cfg.RateLimit = RateLimitConfig{RequestsPerMinute: 12, Burst: 1} // one request per 5 s
	e := startExporter(t, cfg)
	done := make(chan error, 1)
	go func() { done <- e.pushTraces(context.Background(), sixTraces(t)) }()
	time.Sleep(300 * time.Millisecond) // the first went, the second waits 5 s
	start := time.Now()
	e.beginShutdown()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(4 * time.Second):
		t.Fatal("the rate-limit wait held the shutdown")
	}
	assert.Less(t, time.Since(start), 4*time.Second)
	assert.Len(t, srv.Interactions(), 6, "what waited is sent, not dropped")
}

func ignoreTime() []metricdatatest.Option {
	return []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
}

func toString(v any) string { return fmt.Sprint(v) }
