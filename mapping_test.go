package precogxexporter

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.yaml.in/yaml/v3"

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/genai"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

func loadTraces(t testing.TB, name string) ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	require.NoError(t, err)
	return td
}

func loadLogs(t testing.TB, name string) plog.Logs {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(data)
	require.NoError(t, err)
	return ld
}

// joinLogs joins log events to their spans as the assembly stage does before
// the mapping sees them.
func joinLogs(td ptrace.Traces, ld plog.Logs) ptrace.Traces {
	assembly.JoinLogs(td, ld, genai.IsContentEvent)
	return td
}

// golden returns the interactions of a case's golden payload.
func golden(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden", name+".golden.json"))
	require.NoError(t, err)
	var payload struct{ Interactions []json.RawMessage }
	require.NoError(t, json.Unmarshal(data, &payload))
	return payload.Interactions
}

// batchJSON encodes interactions the way a batch request carries them.
func batchJSON(ixs []genai.Interaction) []byte {
	b := []byte(`{"interactions":[`)
	for i := range ixs {
		if i > 0 {
			b = append(b, ',')
		}
		b = precogxapi.AppendInteraction(b, &ixs[i].Interaction)
	}
	return append(b, ']', '}')
}

func defaultMapper() *genai.Mapper {
	m, err := newMapper(createDefaultConfig().(*Config))
	if err != nil {
		panic(err)
	}
	return m
}

// assertJSONEqual compares JSON documents by value, after checking that the
// produced one is valid JSON at all.
func assertJSONEqual(t *testing.T, want, got []byte) {
	t.Helper()
	require.True(t, json.Valid(got), "produced invalid JSON: %s", got)
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g))
	if !assert.Equal(t, w, g) {
		t.Logf("got: %s", got)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden maps every case of testdata/golden, the one fixture scheme:
// <case>.traces.json and/or <case>.logs.json (OTLP/JSON; the logs joined as
// the assembly stage joins them), <case>.mapping.yaml (exporter settings,
// optional), and the payload they become, <case>.golden.json. The cases are
// the acceptance samples of every encoding (a_* to f_*) and what the real
// instrumentation libraries of test/clients emit (clients-*, written there
// by its capture script). Regenerate with `go test -run TestGolden -update .`
// and review the diff.
func TestGolden(t *testing.T) {
	cases := map[string]bool{}
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, ".golden.json") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, ".json"), ".traces"), ".logs")
		cases[name] = true
	}
	require.NotEmpty(t, cases)
	for name := range cases {
		t.Run(name, func(t *testing.T) {
			td, ld := ptrace.NewTraces(), plog.NewLogs()
			if _, err := os.Stat(filepath.Join("testdata", "golden", name+".traces.json")); err == nil {
				td = loadTraces(t, filepath.Join("golden", name+".traces.json"))
			}
			if _, err := os.Stat(filepath.Join("testdata", "golden", name+".logs.json")); err == nil {
				ld = loadLogs(t, filepath.Join("golden", name+".logs.json"))
			}
			m := defaultMapper()
			if cfg, err := os.ReadFile(filepath.Join("testdata", "golden", name+".mapping.yaml")); err == nil {
				m = mapperFromYAML(t, cfg)
			}
			ixs, _ := m.Map(joinLogs(td, ld))
			var got bytes.Buffer
			require.NoError(t, json.Indent(&got, batchJSON(ixs), "", "  "))
			got.WriteByte('\n')
			golden := filepath.Join("testdata", "golden", name+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got.Bytes(), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "no golden file yet: run go test -run TestGolden -update .")
			assertJSONEqual(t, want, got.Bytes())
		})
	}
}

// mapperFromYAML builds a mapper from a case's mapping settings, e.g.
// `mapping: {prompt: conversation}` and `platform: dify`.
func mapperFromYAML(t *testing.T, data []byte) *genai.Mapper {
	t.Helper()
	var raw map[string]any
	require.NoError(t, yaml.Unmarshal(data, &raw))
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, confmap.NewFromStringMap(raw).Unmarshal(cfg))
	m, err := newMapper(cfg)
	require.NoError(t, err)
	return m
}
