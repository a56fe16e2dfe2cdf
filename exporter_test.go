package precogxexporter

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/devserver"
	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/metadata"
)

const testKey = "test-secret-key-42"

// recordingServer wraps the devserver and remembers each request's path and headers.
type recordingServer struct {
	*devserver.Server
	mu       sync.Mutex
	paths    []string
	arrivals []time.Time
	headers  []http.Header
	endpoint string
}

func newDevserver(t *testing.T, opts devserver.Options) *recordingServer {
	t.Helper()
	if opts.Keys == nil {
		opts.Keys = map[string]string{testKey: "unlimited", "revoked-key": "revoked"}
	}
	srv, err := devserver.New(opts)
	require.NoError(t, err)
	rs := &recordingServer{Server: srv}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.paths = append(rs.paths, r.URL.Path)
		rs.arrivals = append(rs.arrivals, time.Now())
		rs.headers = append(rs.headers, r.Header.Clone())
		rs.mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	rs.endpoint = hs.URL + "/api/v1"
	return rs
}

func (rs *recordingServer) requestPaths() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.paths...)
}

func testConfig(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.APIKey = testKey
	cfg.Timeout = 2 * time.Second
	return cfg
}

func startExporter(t *testing.T, cfg *Config) *precogxExporter {
	t.Helper()
	e, err := newExporter(cfg, exportertest.NewNopSettings(metadata.Type))
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = e.shutdown(context.Background()) })
	return e
}

func TestDeliverSingleInteractionToIngest(t *testing.T) {
	srv := newDevserver(t, devserver.Options{})
	e := startExporter(t, testConfig(srv.endpoint))

	require.NoError(t, e.pushTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json")))

	assert.Equal(t, []string{"/api/v1/telemetry/ingest"}, srv.requestPaths())
	assert.Equal(t, testKey, srv.headers[0].Get("x-api-key"))
	assert.Equal(t, "gzip", srv.headers[0].Get("Content-Encoding"))
	items := srv.Interactions()
	require.Len(t, items, 1)
	assertJSONEqual(t, golden(t, "a_semconv_latest_agent")[0], items[0].Interaction)
}

func TestDeliverBatchAndBearer(t *testing.T) {
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.AuthHeader = AuthHeaderBearer
	cfg.Compression = configcompression.TypeZstd
	e := startExporter(t, cfg)

	require.NoError(t, e.pushTraces(context.Background(), loadTraces(t, "golden/b_semconv_v126_span_events.traces.json")))

	assert.Equal(t, []string{"/api/v1/telemetry/batch"}, srv.requestPaths())
	assert.Equal(t, "Bearer "+testKey, srv.headers[0].Get("Authorization"))
	assert.Empty(t, srv.headers[0].Get("x-api-key"))
	assert.Len(t, srv.Interactions(), 2)
}

func TestBatchLimits(t *testing.T) {
	td := ptrace.NewTraces()
	for _, f := range []string{"a_semconv_latest_agent", "b_semconv_v126_span_events", "d_openllmetry_indexed", "e_openinference", "f_vercel_ai_sdk"} {
		loadTraces(t, "golden/"+f+".traces.json").ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	}
	tests := []struct {
		name      string
		maxItems  int
		maxBytes  int
		wantPaths []string
	}{
		{"one batch", 100, 4 << 20, []string{"/api/v1/telemetry/batch"}},
		{"by count", 4, 4 << 20, []string{"/api/v1/telemetry/batch", "/api/v1/telemetry/batch"}},
		{"count of one uses ingest", 1, 4 << 20, repeat("/api/v1/telemetry/ingest", 6)},
		// every interaction is over 1 KiB, so each request carries one
		{"by bytes", 100, 1024, repeat("/api/v1/telemetry/ingest", 6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDevserver(t, devserver.Options{})
			cfg := testConfig(srv.endpoint)
			cfg.MaxBatchInteractions, cfg.MaxRequestBytes = tt.maxItems, tt.maxBytes
			e := startExporter(t, cfg)
			require.NoError(t, e.pushTraces(context.Background(), td))
			assert.Equal(t, tt.wantPaths, srv.requestPaths())
			assert.Len(t, srv.Interactions(), 6)
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestPlatformEndpoint(t *testing.T) {
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.Platform = PlatformN8N
	e := startExporter(t, cfg)

	require.NoError(t, e.pushTraces(context.Background(), loadTraces(t, "golden/b_semconv_v126_span_events.traces.json")))

	assert.Equal(t, repeat("/api/v1/integrations/n8n/telemetry", 2), srv.requestPaths())
	items := srv.Interactions()
	require.Len(t, items, 2)
	assert.Equal(t, "n8n", items[0].Platform)
	assert.Contains(t, string(items[0].Interaction), `"platform":"n8n"`)
}

func TestPermanentErrors(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		path     string
		faults   devserver.Faults
		contains []string
	}{
		{name: "404 wrong base path", key: testKey, path: "/api/v9", contains: []string{"HTTP 404", "/telemetry/ingest"}},
		{name: "400 invalid interaction", key: testKey, faults: devserver.Faults{RejectMarker: "Paris"}, contains: []string{"HTTP 400", "INVALID_REQUEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDevserver(t, devserver.Options{Faults: tt.faults})
			cfg := testConfig(strings.TrimSuffix(srv.endpoint, "/api/v1") + cmp.Or(tt.path, "/api/v1"))
			cfg.APIKey = configopaque.String(tt.key)
			e := startExporter(t, cfg)
			err := e.pushTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json"))
			require.Error(t, err)
			assert.True(t, consumererror.IsPermanent(err), "want permanent: %v", err)
			for _, c := range tt.contains {
				assert.Contains(t, err.Error(), c)
			}
			assert.NotContains(t, err.Error(), tt.key)
			assert.Empty(t, srv.Interactions())
		})
	}
}

func TestRetryableErrors(t *testing.T) {
	tests := []struct {
		name     string
		faults   devserver.Faults
		timeout  time.Duration
		contains []string
	}{
		{name: "503 outage", faults: devserver.Faults{OutageDuration: time.Hour}, contains: []string{"HTTP 503"}},
		{name: "429 with Retry-After", faults: devserver.Faults{ThrottleFor: time.Hour, RetryAfter: 7}, contains: []string{"HTTP 429", "7s"}},
		{name: "503 injected with Retry-After", faults: devserver.Faults{ErrorRate: 1, ErrorStatus: 503, RetryAfter: 3}, contains: []string{"HTTP 503", "3s"}},
		{name: "500 injected", faults: devserver.Faults{ErrorRate: 1, ErrorStatus: 500}, contains: []string{"HTTP 500", "INJECTED_FAULT"}},
		{name: "408 injected", faults: devserver.Faults{ErrorRate: 1, ErrorStatus: 408}, contains: []string{"HTTP 408"}},
		{name: "connection reset", faults: devserver.Faults{ResetRate: 1}, contains: []string{"POST /telemetry/ingest"}},
		{name: "slower than timeout", faults: devserver.Faults{Latency: 1500 * time.Millisecond}, timeout: 300 * time.Millisecond, contains: []string{"exceeded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDevserver(t, devserver.Options{Faults: tt.faults})
			cfg := testConfig(srv.endpoint)
			if tt.timeout > 0 {
				cfg.Timeout = tt.timeout
			}
			e := startExporter(t, cfg)
			td := loadTraces(t, "golden/a_semconv_latest_agent.traces.json")
			start := time.Now()
			err := e.pushTraces(context.Background(), td)
			require.Error(t, err)
			assert.Less(t, time.Since(start), 3*time.Second, "never hangs past the timeout")
			assert.False(t, consumererror.IsPermanent(err), "want retryable: %v", err)
			var te consumererror.Traces
			require.True(t, errors.As(err, &te), "the failed spans are handed back for retry")
			assert.Equal(t, td.SpanCount(), te.Data().SpanCount())
			for _, c := range tt.contains {
				assert.Contains(t, err.Error(), c)
			}
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestGarbageErrorBody(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>bad gateway</html>" + strings.Repeat("x", 200<<10)))
	}))
	defer hs.Close()
	e := startExporter(t, testConfig(hs.URL))
	err := e.pushTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json"))
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "HTTP 502: <html>bad gateway</html>")
	assert.Less(t, len(err.Error()), 1024, "error bodies are cut short")
}

// A failed delivery hands back for retry only the spans of the turns not
// delivered: two traces of one turn each, and one trace of two turns (two
// agent runs under a conversation span not sent), with the batch API and
// with a platform route (one interaction per request).
func TestPartialRetryKeepsOnlyUndeliveredTurns(t *testing.T) {
	twoTurns := genaitest.Traces(map[string]any{"service.name": "svc"},
		genaitest.Span{ID: "agent1", Parent: "conversation", Name: "invoke_agent a", Start: 0, End: 5, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
		genaitest.Chat("llm1", "agent1", 1, 4, genaitest.UserHi, genaitest.AnswerOK),
		genaitest.Span{ID: "agent2", Parent: "conversation", Name: "invoke_agent a", Start: 10, End: 15, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
		genaitest.Chat("llm2", "agent2", 11, 14, genaitest.UserHi, genaitest.AnswerOK),
		genaitest.Span{ID: "db", Parent: "agent2", Name: "SELECT", Start: 12, End: 13})
	tests := []struct {
		name     string
		td       func(*testing.T) ptrace.Traces
		platform Platform
		retried  []string // span names handed back
	}{
		{"two traces, batch API", func(t *testing.T) ptrace.Traces {
			return loadTraces(t, "golden/b_semconv_v126_span_events.traces.json")
		},
			PlatformGeneric, []string{"chat gpt-4"}},
		{"one trace of two turns, batch API", func(*testing.T) ptrace.Traces { return twoTurns }, PlatformGeneric,
			[]string{"invoke_agent a", "chat m", "SELECT"}},
		{"one trace of two turns, platform route", func(*testing.T) ptrace.Traces { return twoTurns }, PlatformDify,
			[]string{"invoke_agent a", "chat m", "SELECT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if calls.Add(1) == 1 {
					w.WriteHeader(http.StatusOK)
					return
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer hs.Close()
			cfg := testConfig(hs.URL)
			cfg.MaxBatchInteractions = 1
			cfg.Platform = tt.platform
			e := startExporter(t, cfg)
			err := e.pushTraces(context.Background(), tt.td(t))
			require.Error(t, err)
			var te consumererror.Traces
			require.True(t, errors.As(err, &te))
			var names []string
			rss := te.Data().ResourceSpans()
			for i := 0; i < rss.Len(); i++ {
				sss := rss.At(i).ScopeSpans()
				for j := 0; j < sss.Len(); j++ {
					for k := 0; k < sss.At(j).Spans().Len(); k++ {
						names = append(names, sss.At(j).Spans().At(k).Name())
					}
				}
			}
			assert.ElementsMatch(t, tt.retried, names, "the delivered turn is not retried")
		})
	}
}

func TestNonGenAISpansAreSkipped(t *testing.T) {
	srv := newDevserver(t, devserver.Options{})
	e := startExporter(t, testConfig(srv.endpoint))
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("GET /health")
	span.Attributes().PutStr("http.request.method", "GET")
	require.NoError(t, e.pushTraces(context.Background(), td))
	assert.Empty(t, srv.requestPaths())
}

// A failed start is followed by a shutdown of every component (traces and
// logs side of the one shared instance); that must not stop the queue twice.
func TestShutdownAfterFailedStart(t *testing.T) {
	f := NewFactory()
	cfg := testConfig("http://127.0.0.1:1/api/v1")
	cfg.Auth = configoptional.Some(configauth.Config{AuthenticatorID: component.MustNewID("missing")})
	set := exportertest.NewNopSettings(metadata.Type)
	tr, err := f.CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	lg, err := f.CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.Error(t, tr.Start(context.Background(), componenttest.NewNopHost()), "the authenticator does not exist")
	require.Error(t, lg.Start(context.Background(), componenttest.NewNopHost()), "the shared start failed: every pipeline is told")
	require.NotPanics(t, func() {
		_ = tr.Shutdown(context.Background())
		_ = lg.Shutdown(context.Background())
	})
}

// gzip without compression_params.level is sent at BestSpeed (the gzip
// header's XFL byte says 4); a level set is kept.
func TestGzipLevel(t *testing.T) {
	for level, xfl := range map[configcompression.Level]byte{0: 4, 9: 2, 6: 0} {
		var got []byte
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, _ = io.ReadAll(r.Body)
		}))
		cfg := testConfig(hs.URL)
		cfg.Compression = configcompression.TypeGzip
		cfg.CompressionParams.Level = level
		e := startExporter(t, cfg)
		require.NoError(t, e.pushTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json")))
		hs.Close()
		require.Greater(t, len(got), 10)
		assert.Equal(t, xfl, got[8], "level %d", level)
	}
}
