package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/genai"
)

// The exporter's side of the translation (internal/genai, pure): the mapper
// its configuration asks for, the counting, and the GenAI rules the assembly
// stage needs.

func assemblyHints() assembly.Hints {
	return assembly.Hints{IsContentEvent: genai.IsContentEvent, AwaitsLogContent: genai.NewHints().AwaitsLogContent}
}

func newMapper(cfg *Config) (*genai.Mapper, error) {
	mc := cfg.Mapping
	gc := genai.Config{
		AgentID:            mc.AgentID,
		AgentIDAttributes:  mc.AgentIDAttributes,
		Conversation:       mc.Prompt == PromptConversation,
		MetadataAttributes: mc.MetadataAttributes,
		MaxFieldBytes:      mc.MaxFieldBytes,
		Redaction:          redactionOf(cfg.Redaction),
	}
	if cfg.Platform != PlatformGeneric {
		gc.Platform = string(cfg.Platform)
	}
	return genai.New(gc)
}

// mapAndCount maps whole traces (log events joined) and counts what the
// mapping did; log records are counted by the assembly stage, which joins them.
func (e *precogxExporter) mapAndCount(ctx context.Context, td ptrace.Traces) []genai.Interaction {
	ixs, st := e.mapper.Map(td)
	t := e.telemetry
	add := func(c metric.Int64Counter, n int64) {
		if n > 0 {
			c.Add(ctx, n)
		}
	}
	add(t.PrecogxSpansMapped, st.SpansMapped)
	add(t.PrecogxSpansSkipped, st.SpansSkipped)
	add(t.PrecogxInteractionsProduced, st.Interactions)
	add(t.PrecogxFieldsTruncated, st.Truncated)
	add(t.PrecogxContentRawFallback, st.RawFallback)
	e.countRedacted(ctx, &st.Redacted)
	if st.SpansSkipped > 0 {
		e.logger.Debug("skipped spans without GenAI data", zap.Int64("spans", st.SpansSkipped))
	}
	return ixs
}
