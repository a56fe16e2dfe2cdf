package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/e2e"
	"github.com/precogx/precogxexporter/internal/genaitest"
)

// redacted is the demo's second part: one support turn whose prompt holds an
// e-mail address, a card number and phone numbers goes through a collector
// with redaction on (examples/demo/redacted.yaml); the demo prints what was
// sent and what PrecogX received.
func redacted(root, work string, dev *e2e.Devserver) error {
	fmt.Println("\nNow with redaction on (examples/demo/redacted.yaml):")
	col, err := e2e.StartCollector(filepath.Join(root, "bin", "otelcol-precogx"), filepath.Join(root, "examples", "demo", "redacted.yaml"),
		filepath.Join(work, "collector-redacted.log"), "PRECOGX_ENDPOINT="+dev.URL+"/api/v1", "PRECOGX_API_KEY="+apiKey,
		"PRECOGX_HASH_KEY=demo-hash-key-change-me")
	if err != nil {
		return err
	}
	defer func() { _ = col.Stop(10 * time.Second) }()

	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "support-desk")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	genaitest.SupportTurns(spans, time.Now().Add(-time.Minute))
	first := genaitest.TraceID("support", 1)
	spans.RemoveIf(func(s ptrace.Span) bool { return s.TraceID() != first })
	body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := col.PostOTLP(ctx, "traces", body); err != nil {
		return err
	}

	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		items, err := dev.Interactions()
		if err != nil {
			return err
		}
		for _, it := range items {
			var ix struct {
				AgentID, Prompt, UserID string
				ToolCalls               []struct{ Input json.RawMessage }
			}
			if json.Unmarshal(it.Interaction, &ix) != nil || ix.AgentID != genaitest.SupportAgent {
				continue
			}
			sent, _ := spans.At(1).Attributes().Get("gen_ai.input.messages")
			var msgs []struct{ Parts []struct{ Content string } }
			_ = json.Unmarshal([]byte(sent.Str()), &msgs)
			fmt.Println("  sent prompt:     ", msgs[0].Parts[0].Content)
			fmt.Println("  received prompt: ", ix.Prompt)
			fmt.Println("  received tool input:", string(ix.ToolCalls[0].Input))
			fmt.Println("  received userId: ", ix.UserID, "(HMAC-SHA256 of", genaitest.SupportIDs[0]+")")
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the redacted interaction did not arrive; collector log: %s", col.LogPath)
}
