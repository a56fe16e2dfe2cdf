package genai // import "github.com/precogx/precogxexporter/internal/genai"

// Mastra (@mastra/otel-exporter): the agent run's own input and output, and
// the user and session in mastra.metadata.*; its model calls speak semconv.

type mastraFields struct {
	input, output attr
}

var mastraEncoding = &encoding{
	keys: []key{
		{name: "mastra.agent_run.input", field: func(s *span) *attr { return &s.mastra.input }},
		{name: "mastra.agent_run.output", field: func(s *span) *attr { return &s.mastra.output }},
		{name: "mastra.metadata.userId", id: idUser},
		{name: "mastra.metadata.sessionId", id: idSession},
	},
}

var mastraSource = &source{
	label: "mastra agent_run input/output",
	agentIO: func(_ *run, s *span) (in, out string, ok bool) {
		f := &s.mastra
		if !f.input.ok() && !f.output.ok() {
			return "", "", false
		}
		return valueText(f.input.text(), false), valueText(f.output.text(), true), true
	},
}
