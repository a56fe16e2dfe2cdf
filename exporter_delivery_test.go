package precogxexporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/precogx/precogxexporter/internal/devserver"
	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/metadatatest"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// statusHost records the component status events the exporter reports.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []componentstatus.Status
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev.Status())
}

// sixTraces holds six interactions: samples a, b (two), d, e and f.
func sixTraces(t *testing.T) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, f := range []string{"a_semconv_latest_agent", "b_semconv_v126_span_events", "d_openllmetry_indexed", "e_openinference", "f_vercel_ai_sdk"} {
		loadTraces(t, "golden/"+f+".traces.json").ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	}
	return td
}

func TestBadInteractionsAreIsolated(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	// only the first interaction of sample b has this word in its prompt
	srv := newDevserver(t, devserver.Options{Faults: devserver.Faults{RejectMarker: "Observability"}})
	e, err := newExporter(testConfig(srv.endpoint), metadatatest.NewSettings(tt))
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	defer func() { _ = e.shutdown(context.Background()) }()

	err = e.pushTraces(context.Background(), sixTraces(t))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err), "the bad one is not retried")
	assert.Contains(t, err.Error(), "INVALID_REQUEST")
	assert.Len(t, srv.Interactions(), 5, "every good interaction delivered")
	for _, it := range srv.Interactions() {
		assert.NotContains(t, string(it.Interaction), "Observability")
	}
	// [a b1 b2 d e f] rejected; [a b1 b2] rejected; [a] ok; [b1 b2] rejected;
	// [b1] rejected alone, dropped; [b2] ok; [d e f] ok
	assert.Equal(t, []string{"/api/v1/telemetry/batch", "/api/v1/telemetry/batch", "/api/v1/telemetry/ingest",
		"/api/v1/telemetry/batch", "/api/v1/telemetry/ingest", "/api/v1/telemetry/ingest", "/api/v1/telemetry/batch"}, srv.requestPaths())
	ignore := []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
	metadatatest.AssertEqualPrecogxInteractionsFailed(t, tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", "INVALID_REQUEST"))}}, ignore...)
	metadatatest.AssertEqualPrecogxInteractionsSent(t, tt, []metricdata.DataPoint[int64]{{Value: 5}}, ignore...)
}

func TestTooLargeBatchesAreSplit(t *testing.T) {
	td := sixTraces(t)
	ixs, _ := defaultMapper().Map(td)
	largest := 0
	for i := range ixs {
		largest = max(largest, len(precogxapi.AppendInteraction(nil, &ixs[i].Interaction)))
	}
	t.Run("halves fit", func(t *testing.T) {
		srv := newDevserver(t, devserver.Options{MaxBodyBytes: int64(largest) + 2048})
		cfg := testConfig(srv.endpoint)
		cfg.Compression = "none"
		e := startExporter(t, cfg)
		require.NoError(t, e.pushTraces(context.Background(), td))
		assert.Len(t, srv.Interactions(), 6)
		assert.Greater(t, len(srv.requestPaths()), 1)
	})
	t.Run("one interaction still too large is dropped", func(t *testing.T) {
		srv := newDevserver(t, devserver.Options{MaxBodyBytes: int64(largest) - 1})
		cfg := testConfig(srv.endpoint)
		cfg.Compression = "none"
		e := startExporter(t, cfg)
		err := e.pushTraces(context.Background(), td)
		require.Error(t, err)
		assert.True(t, consumererror.IsPermanent(err))
		assert.Contains(t, err.Error(), "HTTP 413")
		assert.Len(t, srv.Interactions(), 5)
	})
}

func TestAuthFailuresAreRateLimitedAndReported(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if refuse.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"INVALID_API_KEY","message":"unknown API key"}}`))
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer hs.Close()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	core, logs := observer.New(zap.InfoLevel)
	set := metadatatest.NewSettings(tt)
	set.Logger = zap.New(core)
	e, err := newExporter(testConfig(hs.URL), set)
	require.NoError(t, err)
	host := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, e.start(context.Background(), host))
	defer func() { _ = e.shutdown(context.Background()) }()

	td := loadTraces(t, "golden/a_semconv_latest_agent.traces.json")
	for range 3 {
		err := e.pushTraces(context.Background(), td)
		require.Error(t, err, "a refused key is a failed send, never a sent one")
		assert.True(t, consumererror.IsPermanent(err), "not retried: the key will not get better")
	}
	require.Equal(t, 1, logs.Len(), "logged once a minute at most")
	entry := logs.All()[0]
	assert.Equal(t, "INVALID_API_KEY", entry.ContextMap()["code"])
	assert.Contains(t, entry.ContextMap()["hint"], "api_key")
	assert.NotContains(t, entry.Message+entry.ContextMap()["message"].(string), testKey)
	metadatatest.AssertEqualPrecogxInteractionsFailed(t, tt, []metricdata.DataPoint[int64]{
		{Value: 3, Attributes: attribute.NewSet(attribute.String("reason", "INVALID_API_KEY"))}},
		metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())

	refuse.Store(false)
	require.NoError(t, e.pushTraces(context.Background(), td))
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK}, host.events)
}

// Through exporterhelper: a 401 shows in otelcol_exporter_send_failed_spans,
// never in otelcol_exporter_sent_spans.
func TestAuthFailureCountsAsFailedSend(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer hs.Close()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	cfg := testConfig(hs.URL)
	cfg.Assembly.Wait = 0
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp, err := NewFactory().CreateTraces(context.Background(), metadatatest.NewSettings(tt), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	td := loadTraces(t, "golden/a_semconv_latest_agent.traces.json")
	spans := td.SpanCount() // the exporter owns td once given
	require.Error(t, exp.ConsumeTraces(context.Background(), td))
	sent := sumCounter(t, tt, "otelcol_exporter_sent_spans")
	failed := sumCounter(t, tt, "otelcol_exporter_send_failed_spans")
	assert.Equal(t, int64(0), sent)
	assert.Equal(t, int64(spans), failed)
}

// The pipelines give the exporter data of its own: it moves and marks what
// it holds.
func TestCapabilitiesMutateData(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1/api/v1")
	set := exportertest.NewNopSettings(metadata.Type)
	tr, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	lg, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	assert.True(t, tr.Capabilities().MutatesData)
	assert.True(t, lg.Capabilities().MutatesData)
}

// The shared instance reports its status to every pipeline that uses it.
func TestStatusReachesEveryPipeline(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer hs.Close()
	cfg := testConfig(hs.URL)
	cfg.Assembly.Wait = 0
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	set := exportertest.NewNopSettings(metadata.Type)
	tr, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	lg, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	traces := &statusHost{Host: componenttest.NewNopHost()}
	logs := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, tr.Start(context.Background(), traces))
	require.NoError(t, lg.Start(context.Background(), logs))
	defer func() { _ = tr.Shutdown(context.Background()); _ = lg.Shutdown(context.Background()) }()

	require.Error(t, tr.ConsumeTraces(context.Background(), loadTraces(t, "golden/a_semconv_latest_agent.traces.json")))
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, traces.events)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, logs.events, "the logs pipeline sees the refused key too")
}

func sumCounter(t *testing.T, tt *componenttest.Telemetry, name string) int64 {
	t.Helper()
	m, err := tt.GetMetric(name)
	if err != nil {
		return 0
	}
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		n += dp.Value
	}
	return n
}

func TestClientRateLimit(t *testing.T) {
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.MaxBatchInteractions = 1
	cfg.RateLimit = RateLimitConfig{RequestsPerMinute: 300, Burst: 6} // 5/s after a burst of 6 - 5 in reserve
	e := startExporter(t, cfg)

	require.NoError(t, e.pushTraces(context.Background(), sixTraces(t)))
	assert.Len(t, srv.Interactions(), 6)
	// the limiter spaces requests at least 200 ms apart after the first;
	// a loaded machine only makes them later
	srv.mu.Lock()
	arrivals := slices.Clone(srv.arrivals)
	srv.mu.Unlock()
	require.Len(t, arrivals, 6)
	for i := 1; i < len(arrivals); i++ {
		assert.GreaterOrEqual(t, arrivals[i].Sub(arrivals[0]), time.Duration(i)*200*time.Millisecond-20*time.Millisecond, "request %d", i)
	}

	t.Run("a cancelled wait gives the reservation back and is retried", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := e.pushTraces(ctx, sixTraces(t))
		require.Error(t, err)
		assert.False(t, consumererror.IsPermanent(err))
		assert.True(t, strings.Contains(err.Error(), "rate limit") || strings.Contains(err.Error(), "canceled"))
	})
}
