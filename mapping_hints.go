package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/assembly"
)

// assemblyHints are the mapping's rules the assembly stage needs.
var assemblyHints = assembly.Hints{IsContentEvent: isContentEvent, AwaitsLogContent: awaitsLogContent}

// awaitsLogContent tells a semconv model-call span that carries no content:
// instrumentations that record content as log events send it separately.
func awaitsLogContent(span ptrace.Span) bool {
	attrs := span.Attributes()
	op, ok := attrs.Get("gen_ai.operation.name")
	if !ok {
		return false
	}
	switch op.Str() {
	case "chat", "text_completion", "generate_content":
	default:
		return false
	}
	for _, k := range []string{"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt", "gen_ai.completion"} {
		if _, ok := attrs.Get(k); ok {
			return false
		}
	}
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		if strings.HasPrefix(evs.At(i).Name(), "gen_ai.") {
			return false
		}
	}
	return true
}
