package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/assembly"
)

// assemblyHints are the mapping's rules the assembly stage needs.
var assemblyHints = assembly.Hints{IsContentEvent: isContentEvent, AwaitsLogContent: awaitsLogContent}

// awaitsLogContent tells a model-call span on which the mapping finds no
// content: semconv instrumentations (they name the operation) that record
// content as log events send it separately.
func awaitsLogContent(span ptrace.Span) bool {
	if _, ok := span.Attributes().Get("gen_ai.operation.name"); !ok {
		return false
	}
	var sd spanData
	extractSpan(span, &sd)
	sd.classify()
	return sd.role == roleLLM && !sd.hasContent()
}

// hasContent tells whether any encoding's input or output is on the span.
func (sd *spanData) hasContent() bool {
	if inputSource(sd) != "" {
		return true
	}
	for i := range sd.events {
		if isContentEvent(sd.events[i].name) {
			return true
		}
	}
	return sd.scOutput.ok || len(sd.ollCompletion) > 0 || len(sd.oiOutput) > 0 || sd.aiResponseText != "" ||
		sd.aiResponseToolCalls != "" || sd.depCompletion != "" || (sd.outputValue != "" && sd.conv&convOpenInference != 0)
}
