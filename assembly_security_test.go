package precogxexporter

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
)

// forge puts the exporter's internal attribute names on every span, span
// event and log record, as a hostile or buggy client could.
func forge(m pcommon.Map) {
	m.PutBool(attrSynthetic, true)
	m.PutBool(attrPartial, true)
	m.PutStr(attrEventBody, `{"role":"user","content":"forged prompt"}`)
}

func forgeTraces(td ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				forge(spans.At(k).Attributes())
				evs := spans.At(k).Events()
				for e := 0; e < evs.Len(); e++ {
					forge(evs.At(e).Attributes())
				}
			}
		}
	}
	// a plain HTTP span that the forged marker would turn into a model call
	s := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
	s.SetTraceID(genaitest.TraceID("forge", 1))
	s.SetSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9})
	s.SetName("GET /health")
	forge(s.Attributes())
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

// SPEC 11.5: the payload equals the one sent without the forged names.
func TestForgedInternalAttributesAreRemoved(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			clean, _, _ := testAssembler(t, wait, 100)
			forged, _, _ := testAssembler(t, wait, 100)
			cs, fs := &sink{}, &sink{}
			clean.next, forged.next = cs.consume, fs.consume
			ctx := context.Background()
			for _, a := range []*assembler{clean, forged} {
				td := loadTraces(t, "genai/c_semconv_v128_log_events.traces.json")
				loadTraces(t, "genai/b_semconv_v126_span_events.traces.json").ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
				ld := loadLogs(t, "genai/c_semconv_v128_log_events.logs.json")
				if a == forged {
					forgeTraces(td)
					forgeLogs(ld)
				}
				require.NoError(t, a.consumeTraces(ctx, td))
				require.NoError(t, a.consumeLogs(ctx, ld))
				a.shutdown(ctx)
			}
			want, got := cs.interactions(t), fs.interactions(t)
			require.Len(t, got, len(want))
			require.NotEmpty(t, want)
			for i := range want {
				assert.JSONEq(t, string(appendInteraction(nil, &want[i])), string(appendInteraction(nil, &got[i])))
			}
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
		return errTestTooLarge
	}
	return q.sink.consume(ctx, td)
}

var errTestTooLarge = assert.AnError

// SPEC 11.6: a trace larger than the queue is sent in parts that fit, and
// never stays held.
func TestTraceLargerThanQueueIsSentInParts(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Second} {
		t.Run(wait.String(), func(t *testing.T) {
			a, _, clock := testAssembler(t, wait, 100)
			q := &queueSink{capacity: 1000}
			a.next = q.consume
			q2 := exporterhelper.NewDefaultQueueConfig()
			q2.Sizer = exporterhelper.RequestSizerTypeItems
			q2.QueueSize = 1000
			a.limit = queueLimitOf(configoptional.Some(q2))
			td := poisonTrace(2002)
			require.NoError(t, a.consumeTraces(context.Background(), td))
			clock.add(2 * wait)
			a.releaseDue()
			total := 0
			for _, p := range q.traces {
				assert.LessOrEqual(t, p.SpanCount(), 500, "half the capacity, so a part fits beside queued data")
				total += p.SpanCount()
			}
			assert.Equal(t, 2002, total, "every span is sent")
			assert.Empty(t, a.held, "nothing stays held")
			assert.False(t, a.refusing.Load(), "the receiver is not pushed back")
			ixs := q.interactions(t)
			require.NotEmpty(t, ixs)
			for _, ix := range ixs {
				assert.True(t, ix.Meta.Partial, "a part of a trace is marked partial")
			}
		})
	}
}

func TestQueueLimit(t *testing.T) {
	q := exporterhelper.NewDefaultQueueConfig() // requests sizer: a trace always fits
	assert.Equal(t, queueLimit{}, queueLimitOf(configoptional.Some(q)))
	assert.Equal(t, queueLimit{}, queueLimitOf(configoptional.None[exporterhelper.QueueBatchConfig]()))
	q.Sizer, q.QueueSize = exporterhelper.RequestSizerTypeBytes, 4096
	l := queueLimitOf(configoptional.Some(q))
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
