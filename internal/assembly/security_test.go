package assembly

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// forge puts the stage's own attribute names on a map, as a hostile or
// buggy client could.
func forge(m pcommon.Map) {
	m.PutBool(AttrSynthetic, true)
	m.PutBool(AttrPartial, true)
	m.PutStr(AttrEventBody, `{"role":"user","content":"forged prompt"}`)
}

func forgeTraces(td ptrace.Traces) {
	pdatautil.ForEachSpan(td, func(sp ptrace.Span) {
		forge(sp.Attributes())
		for i := 0; i < sp.Events().Len(); i++ {
			forge(sp.Events().At(i).Attributes())
		}
	})
}

func forgeLogs(ld plog.Logs) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				forge(lrs.At(k).Attributes())
			}
		}
	}
}

// SECURITY.md, no forged markers: what the stage releases equals what it releases for the same
// data sent without the forged names.
func TestForgedInternalAttributesAreRemoved(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			var released [2][]byte
			for i, forged := range []bool{false, true} {
				a, s, _ := testAssembler(t, wait, 100)
				td := loadTraces(t, "c_semconv_v128_log_events.traces.json")
				loadTraces(t, "b_semconv_v126_span_events.traces.json").ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
				ld := loadLogs(t, "c_semconv_v128_log_events.logs.json")
				// a plain HTTP span: a forged synthetic mark would make it a model call
				plain := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
				plain.SetTraceID(genaitest.TraceID("plain", 1))
				plain.SetSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9})
				plain.SetName("GET /health")
				if forged {
					forgeTraces(td)
					forgeLogs(ld)
				}
				ctx := context.Background()
				require.NoError(t, a.ConsumeTraces(ctx, td))
				require.NoError(t, a.ConsumeLogs(ctx, ld))
				a.Shutdown(ctx)
				all := ptrace.NewTraces()
				for _, r := range s.traces {
					r.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
				}
				var err error
				released[i], err = (&ptrace.JSONMarshaler{}).MarshalTraces(all)
				require.NoError(t, err)
			}
			assert.JSONEq(t, string(released[0]), string(released[1]))
		})
	}
}

func poisonTrace(spans int) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	id := genaitest.TraceID("poison", 1)
	genaitest.AgentTurn(ss, id, time.Unix(1_800_000_000, 0), "hello", "hi")
	for i := ss.Len(); i < spans; i++ {
		s := ss.AppendEmpty()
		s.SetTraceID(id)
		s.SetSpanID(pcommon.SpanID{1, 2, 3, byte(i >> 16), byte(i >> 8), byte(i), 0, 1})
		s.SetParentSpanID(ss.At(0).SpanID())
		s.SetName("execute_tool get_weather")
		s.Attributes().PutStr("gen_ai.operation.name", "execute_tool")
	}
	return td
}

// queueSink refuses what exporterhelper's memory queue refuses: requests
// larger than its capacity, in spans.
type queueSink struct {
	sink
	capacity int
}

func (q *queueSink) consume(ctx context.Context, td ptrace.Traces) error {
	if td.SpanCount() > q.capacity {
		return assert.AnError
	}
	return q.sink.consume(ctx, td)
}

// SECURITY.md, no poison trace: a trace larger than the queue is sent in parts that fit, and
// never stays held.
func TestTraceLargerThanQueueIsSentInParts(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			a, _, clock := testAssembler(t, wait, 100)
			q := &queueSink{capacity: 1000}
			a.next = q.consume
			qc := exporterhelper.NewDefaultQueueConfig()
			qc.Sizer = exporterhelper.RequestSizerTypeItems
			qc.QueueSize = 1000
			a.limit = LimitOf(configoptional.Some(qc))
			require.NoError(t, a.ConsumeTraces(context.Background(), poisonTrace(2002)))
			clock.add(2 * wait)
			a.releaseDue()
			total := 0
			for _, p := range q.traces {
				assert.LessOrEqual(t, p.SpanCount(), 500, "half the capacity, so a part fits beside queued data")
				total += p.SpanCount()
				pdatautil.ForEachSpan(p, func(sp ptrace.Span) { assert.True(t, hasAttr(sp, AttrPartial), "a part of a trace is marked partial") })
			}
			assert.Equal(t, 2002, total, "every span is sent")
			assert.Empty(t, a.held, "nothing stays held")
			assert.False(t, a.refusing.Load(), "the receiver is not pushed back")
		})
	}
}

func TestLimit(t *testing.T) {
	q := exporterhelper.NewDefaultQueueConfig() // requests sizer: a trace always fits
	assert.Equal(t, Limit{}, LimitOf(configoptional.Some(q)))
	assert.Equal(t, Limit{}, LimitOf(configoptional.None[exporterhelper.QueueBatchConfig]()))
	q.Sizer, q.QueueSize = exporterhelper.RequestSizerTypeBytes, 4096
	l := LimitOf(configoptional.Some(q))
	parts, ok := l.fit(poisonTrace(100))
	require.True(t, ok)
	require.Greater(t, len(parts), 1)
	for _, p := range parts {
		assert.LessOrEqual(t, l.size(p), int64(4096))
	}
	big := poisonTrace(4)
	big.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).Attributes().PutStr("gen_ai.input.messages", string(make([]byte, 8192)))
	_, ok = l.fit(big)
	assert.False(t, ok, "a span larger than the queue cannot be sent in parts")
}
