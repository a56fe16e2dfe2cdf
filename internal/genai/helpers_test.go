package genai

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// testConfig is the exporter's default mapping configuration.
var testConfig = Config{MaxFieldBytes: 64 << 10}

func defaultMapper() *Mapper { return mustNew(testConfig) }

// mustNew is New for configurations without redaction patterns.
func mustNew(cfg Config) *Mapper {
	m, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return m
}

func withPlatform(cfg Config, platform string) Config {
	cfg.Platform = platform
	return cfg
}

// joinLogs joins log events to their spans as the assembly stage does before
// the mapping sees them.
func joinLogs(td ptrace.Traces, ld plog.Logs) ptrace.Traces {
	assembly.JoinLogs(td, ld, IsContentEvent)
	return td
}

// The rule tests' builders (internal/genaitest), by short names.
type (
	tSpan  = genaitest.Span
	tEvent = genaitest.Event
)

var (
	makeTraces = genaitest.Traces
	chatSpan   = genaitest.Chat
	spanID     = genaitest.SpanID
	putAttrs   = genaitest.PutAttrs
)

const (
	tTrace   = genaitest.Trace
	userHi   = genaitest.UserHi
	answerOK = genaitest.AnswerOK
)

func mapOne(t *testing.T, m *Mapper, td ptrace.Traces) (map[string]any, Stats) {
	t.Helper()
	ixs, st := m.Map(td)
	require.Len(t, ixs, 1)
	return decode(t, &ixs[0]), st
}

func decode(t *testing.T, ix *Interaction) map[string]any {
	t.Helper()
	b := precogxapi.AppendInteraction(nil, &ix.Interaction)
	require.True(t, json.Valid(b), "invalid JSON: %s", b)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func meta(ix map[string]any) map[string]any { return ix["metadata"].(map[string]any) }

// batchJSON encodes interactions the way a batch request carries them.
func batchJSON(ixs []Interaction) []byte {
	b := []byte(`{"interactions":[`)
	for i := range ixs {
		if i > 0 {
			b = append(b, ',')
		}
		b = precogxapi.AppendInteraction(b, &ixs[i].Interaction)
	}
	return append(b, ']', '}')
}

// fixture reads a file of testdata/golden.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
	require.NoError(t, err)
	return data
}
