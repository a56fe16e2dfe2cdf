package pdatautil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestSpansAt(t *testing.T) {
	td := ptrace.NewTraces()
	for _, names := range [][]string{{"a", "b"}, {"c"}, {"d", "e"}} {
		ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
		for _, n := range names {
			ss.AppendEmpty().SetName(n)
		}
	}
	out := SpansAt(td, []bool{false, true, false, true})
	var names []string
	for i := 0; i < out.ResourceSpans().Len(); i++ {
		ss := out.ResourceSpans().At(i).ScopeSpans().At(0).Spans()
		for k := 0; k < ss.Len(); k++ {
			names = append(names, ss.At(k).Name())
		}
	}
	assert.Equal(t, []string{"b", "d"}, names, "by position; positions past keep are dropped")
	assert.Equal(t, 2, out.ResourceSpans().Len(), "empty resources are removed")
	assert.Equal(t, 5, td.SpanCount(), "td is left as it was")
}
