package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testAPIKey = "integration-secret-key-0123456789"

type stack struct {
	root string
	dev  *Devserver
	col  *Collector
	// for scenarios that restart the collector
	env       []string
	restarted []*Collector
	wait      time.Duration // assembly.wait when the config sets another than the default
}

// startStack starts the devserver and the built collector with
// examples/demo/config.yaml; `make test` builds both binaries first.
func startStack(t *testing.T, devArgs ...string) *stack {
	t.Helper()
	return startStackWith(t, filepath.Join("examples", "demo", "config.yaml"), nil, devArgs...)
}

// startStackWith starts the devserver and the collector with a config
// (relative to the repository root) and extra environment.
func startStackWith(t *testing.T, config string, env []string, devArgs ...string) *stack {
	t.Helper()
	root, err := RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(dir, "devserver.log"),
		append([]string{"-keys", testAPIKey + ":unlimited"}, devArgs...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop(5 * time.Second) })
	env = append(env, "PRECOGX_ENDPOINT="+dev.URL+"/api/v1", "PRECOGX_API_KEY="+testAPIKey)
	col, err := StartCollector(filepath.Join(root, "bin", "otelcol-precogx"), filepath.Join(root, config), filepath.Join(dir, "collector.log"), env...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = col.Stop(10 * time.Second) })
	return &stack{root: root, dev: dev, col: col}
}

func (s *stack) post(t *testing.T, signal, sample string) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(s.root, "testdata", "golden", sample))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.col.PostOTLP(ctx, signal, body))
}

// golden returns the interactions of a case's golden payload (testdata/golden).
func golden(t *testing.T, root, name string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "testdata", "golden", name+".golden.json"))
	require.NoError(t, err)
	var payload struct{ Interactions []json.RawMessage }
	require.NoError(t, json.Unmarshal(data, &payload))
	return payload.Interactions
}

func requireSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g))
	require.Equal(t, w, g, "got %s", got)
}

// TestCollectorDeliversSampleA sends sample a through the built collector's
// OTLP/HTTP receiver and checks the payload the devserver stored.
func TestCollectorDeliversSampleA(t *testing.T) {
	s := startStack(t)
	s.post(t, "traces", "a_semconv_latest_agent.traces.json")

	items, err := s.dev.WaitInteractions(1, 20*time.Second)
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "/api/v1/telemetry/ingest", items[0].Path)

	requireSameJSON(t, golden(t, s.root, "a_semconv_latest_agent")[0], items[0].Interaction)

	// Stop to flush logs, then check that neither the key nor content leaked.
	require.NoError(t, s.col.Stop(10*time.Second))
	log := s.col.Log()
	assert.NotContains(t, log, testAPIKey)
	assert.NotContains(t, log, "Weather in Paris?")
	assert.NotContains(t, log, "rainy with a temperature")
	assert.True(t, strings.Contains(log, "Everything is ready"), "collector log: %s", log)
}

// TestCollectorDeliversEverySample sends every traces sample and checks that
// each arrives as its expected interactions, batched.
func TestCollectorDeliversEverySample(t *testing.T) {
	s := startStack(t)
	want := map[string]json.RawMessage{}
	for _, sample := range []string{"a_semconv_latest_agent", "b_semconv_v126_span_events", "d_openllmetry_indexed", "e_openinference", "f_vercel_ai_sdk"} {
		s.post(t, "traces", sample+".traces.json")
		for _, ix := range golden(t, s.root, sample) {
			want[traceIDOf(t, ix)] = ix
		}
	}
	items, err := s.dev.WaitInteractions(len(want), 20*time.Second)
	require.NoError(t, err)
	require.Len(t, items, len(want))
	for _, it := range items {
		exp, ok := want[traceIDOf(t, it.Interaction)]
		require.True(t, ok, "unexpected interaction %s", it.Interaction)
		requireSameJSON(t, exp, it.Interaction)
	}
}

func traceIDOf(t *testing.T, ix json.RawMessage) string {
	var v struct {
		Metadata struct {
			TraceID string `json:"trace_id"`
		} `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(ix, &v))
	return v.Metadata.TraceID
}

// TestCollectorRejectsBadConfig checks that the built collector refuses a bad
// exporter section with one line naming the key, and never prints the key.
func TestCollectorRejectsBadConfig(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	bin := filepath.Join(root, "bin", "otelcol-precogx")
	tests := map[string]string{
		"bad_platform.yaml": `'platform' "zapier" is not one of generic, flowise, n8n, dify, custom`,
		"missing_key.yaml":  "api_key: must be set",
		"zero_timeout.yaml": "timeout: must be positive",
		// user info, a query and a key with a trailing newline: named, never quoted
		"endpoint_secrets.yaml": "endpoint: must not carry user info",
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			out, err := exec.Command(bin, "validate", "--config="+filepath.Join(root, "testdata", "collector", file)).CombinedOutput()
			require.Error(t, err, "validate must fail: %s", out)
			assert.Regexp(t, `exporters::precogx|configuration for "precogx"`, string(out), "the component is named")
			assert.Contains(t, string(out), want)
			assert.NotContains(t, string(out), "some-secret-value")
		})
	}
	cmd := exec.Command(bin, "validate", "--config="+filepath.Join(root, "examples", "demo", "config.yaml"))
	cmd.Env = append(os.Environ(), "PRECOGX_ENDPOINT=http://127.0.0.1:1/api/v1", "PRECOGX_API_KEY=k", "OTLP_HTTP_PORT=4318", "HEALTH_PORT=13133", "WEBHOOK_PORT=8089")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the demo config is valid: %s", out)
}

// TestPrintConfigRedactsKey checks the collector's print-config output.
func TestPrintConfigRedactsKey(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	cmd := exec.Command(filepath.Join(root, "bin", "otelcol-precogx"), "print-config", "--config="+filepath.Join(root, "examples", "demo", "config.yaml"))
	cmd.Env = append(os.Environ(), "PRECOGX_ENDPOINT=http://127.0.0.1:1/api/v1", "PRECOGX_API_KEY="+testAPIKey, "OTLP_HTTP_PORT=4318", "HEALTH_PORT=13133", "WEBHOOK_PORT=8089")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "api_key: '[REDACTED]'")
	assert.NotContains(t, string(out), testAPIKey)

	// an endpoint with a password and a query is refused, and print-config never shows them
	out, err = exec.Command(filepath.Join(root, "bin", "otelcol-precogx"), "print-config",
		"--config="+filepath.Join(root, "testdata", "collector", "endpoint_secrets.yaml")).CombinedOutput()
	require.Error(t, err)
	assert.NotContains(t, string(out), "some-secret-value")
}

// TestAuthFailureShowsInHealthCheck: a key PrecogX refuses turns the
// exporter's component status to an error, which health_check reports.
func TestAuthFailureShowsInHealthCheck(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(dir, "devserver.log"), "-keys", testAPIKey+":unlimited")
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop(5 * time.Second) })
	col, err := StartCollectorArgs(filepath.Join(root, "bin", "otelcol-precogx"),
		[]string{"--config=" + filepath.Join(root, "testdata", "collector", "healthv2.yaml"), "--feature-gates=+extension.healthcheck.useComponentStatus"},
		filepath.Join(dir, "collector.log"), "PRECOGX_ENDPOINT="+dev.URL+"/api/v1", "PRECOGX_API_KEY=refused-key-0000")
	require.NoError(t, err)
	t.Cleanup(func() { _ = col.Stop(10 * time.Second) })
	s := &stack{root: root, dev: dev, col: col}
	s.post(t, "traces", "a_semconv_latest_agent.traces.json")

	var status int
	var body []byte
	require.Eventually(t, func() bool {
		resp, err := http.Get(col.HealthURL + "?verbose")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		body, _ = io.ReadAll(resp.Body)
		return status != http.StatusOK
	}, 20*time.Second, 100*time.Millisecond, "health check stayed healthy")
	assert.Contains(t, []int{http.StatusInternalServerError, http.StatusServiceUnavailable}, status)
	assert.Contains(t, string(body), "precogx")
	assert.Contains(t, string(body), "INVALID_API_KEY")
	assert.NotContains(t, string(body), "refused-key-0000")
}
