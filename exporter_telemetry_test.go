package precogxexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/precogx/precogxexporter/internal/devserver"
	"github.com/precogx/precogxexporter/internal/metadatatest"
)

func TestOwnTelemetry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	srv := newDevserver(t, devserver.Options{Faults: devserver.Faults{RejectMarker: "capital"}})
	cfg := testConfig(srv.endpoint)
	cfg.MaxBatchInteractions = 1
	cfg.Mapping.MaxFieldBytes = 20
	e, err := newExporter(cfg, metadatatest.NewSettings(tt))
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = e.shutdown(context.Background()) })

	// sample b: two interactions, the second is rejected by the server (400)
	td := loadTraces(t, "golden/b_semconv_v126_span_events.traces.json")
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty().SetName("GET /health")
	err = e.pushTraces(context.Background(), td)
	require.Error(t, err)

	ignore := []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
	one := func(v int64, kv ...attribute.KeyValue) []metricdata.DataPoint[int64] {
		return []metricdata.DataPoint[int64]{{Value: v, Attributes: attribute.NewSet(kv...)}}
	}
	metadatatest.AssertEqualPrecogxSpansMapped(t, tt, one(2), ignore...)
	metadatatest.AssertEqualPrecogxSpansSkipped(t, tt, one(1), ignore...)
	metadatatest.AssertEqualPrecogxInteractionsProduced(t, tt, one(2), ignore...)
	metadatatest.AssertEqualPrecogxFieldsTruncated(t, tt, one(4), ignore...) // both prompts and responses are over 20 bytes
	metadatatest.AssertEqualPrecogxInteractionsSent(t, tt, one(1), ignore...)
	metadatatest.AssertEqualPrecogxInteractionsFailed(t, tt, one(1, attribute.String("reason", "INVALID_REQUEST")), ignore...)
	metadatatest.AssertEqualPrecogxRequests(t, tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.Int("status_code", 200))},
		{Value: 1, Attributes: attribute.NewSet(attribute.Int("status_code", 400))},
	}, append(ignore, metricdatatest.IgnoreValue())...)
}

// Log events reach the mapping one way, joined to their spans by the
// assembly stage, which alone counts them (log_records_mapped and
// log_records_skipped); the shared sample c through both pipelines gives
// its expected payload.
func TestLogEventsTakeTheAssemblyPath(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.Assembly.Wait = 200 * time.Millisecond
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	set := metadatatest.NewSettings(tt)
	tr, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	lg, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, tr.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, lg.Start(context.Background(), componenttest.NewNopHost()))

	ld := loadLogs(t, "golden/c_semconv_v128_log_events.logs.json")
	records := ld.LogRecordCount()
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty().Body().SetStr("an ordinary log line")
	require.NoError(t, lg.ConsumeLogs(context.Background(), ld))
	require.NoError(t, tr.ConsumeTraces(context.Background(), loadTraces(t, "golden/c_semconv_v128_log_events.traces.json")))
	require.NoError(t, tr.Shutdown(context.Background())) // flushes what assembly holds
	require.NoError(t, lg.Shutdown(context.Background()))

	items := srv.Interactions()
	require.Len(t, items, 1)
	assertJSONEqual(t, golden(t, "c_semconv_v128_log_events")[0], items[0].Interaction)

	ignore := []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
	metadatatest.AssertEqualPrecogxLogRecordsMapped(t, tt, []metricdata.DataPoint[int64]{{Value: int64(records)}}, ignore...)
	metadatatest.AssertEqualPrecogxLogRecordsSkipped(t, tt, []metricdata.DataPoint[int64]{{Value: 1}}, ignore...)
}
