package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// The security suite (SECURITY.md): the built collector against hostile
// servers on loopback. Every log line, metrics page and health output of
// each run is searched for the key.

const hostileKey = "hostile-suite-key-5f3a9c"

// hostileServer serves h on host:0 (host may be 127.0.0.2: all of
// 127.0.0.0/8 is loopback).
func hostileServer(t *testing.T, host string, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

type hostileRun struct {
	t   *testing.T
	col *Collector
}

// startHostile starts the collector with testdata/collector/hostile.yaml
// against endpoint, with the scenario's environment.
func startHostile(t *testing.T, endpoint string, env ...string) *hostileRun {
	t.Helper()
	root, err := RepoRoot()
	require.NoError(t, err)
	col, err := StartCollectorArgs(filepath.Join(root, "bin", "otelcol-precogx"),
		[]string{"--config=" + filepath.Join(root, "testdata", "collector", "hostile.yaml"), "--feature-gates=+extension.healthcheck.useComponentStatus"},
		filepath.Join(t.TempDir(), "collector.log"),
		append(env, "PRECOGX_ENDPOINT="+endpoint, "PRECOGX_API_KEY="+hostileKey)...)
	require.NoError(t, err)
	r := &hostileRun{t: t, col: col}
	t.Cleanup(func() { _ = col.Stop(15 * time.Second) })
	return r
}

func (r *hostileRun) postTraces(td ptrace.Traces) {
	r.t.Helper()
	body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(r.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(r.t, r.col.PostOTLP(ctx, "traces", body))
}

func (r *hostileRun) postSample(name string) {
	r.t.Helper()
	root, _ := RepoRoot()
	body, err := os.ReadFile(filepath.Join(root, "testdata", "golden", name))
	require.NoError(r.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(r.t, r.col.PostOTLP(ctx, "traces", body))
}

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// outputs are everything a reader of the collector sees: its log, its
// metrics page and its health output.
func (r *hostileRun) outputs() map[string]string {
	return map[string]string{
		"log":     r.col.Log(),
		"metrics": get(r.col.MetricsURL),
		"health":  get(r.col.HealthURL + "?verbose"),
	}
}

// requireNoKey stops nothing: it searches every output now.
func (r *hostileRun) requireNoKey() {
	r.t.Helper()
	for name, out := range r.outputs() {
		assert.NotContains(r.t, out, hostileKey, "the key leaked into the %s", name)
	}
}

// reasonLabels are the reason label values of interactions_failed.
func reasonLabels(metrics string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`interactions_failed[^{]*\{[^}]*reason="([^"]*)"`).FindAllStringSubmatch(metrics, -1) {
		out = append(out, m[1])
	}
	return out
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, timeout, 100*time.Millisecond, what)
}

// SECURITY.md, redirects are never followed: redirects of every kind to another loopback host: nothing goes
// there, the failure is logged with the target's scheme and host only.
func TestHostileRedirects(t *testing.T) {
	var stolen atomic.Int32
	target := hostileServer(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) })
	statuses := []int{301, 302, 303, 307, 308}
	var n atomic.Int32
	api := hostileServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", target+"/collect/secret-path?token=secret-query")
		w.WriteHeader(statuses[int(n.Add(1)-1)%len(statuses)])
	})
	run := startHostile(t, api+"/api/v1", "MAX_BATCH=1")
	for _, s := range []string{"a_semconv_latest_agent", "b_semconv_v126_span_events", "d_openllmetry_indexed", "e_openinference"} {
		run.postSample(s + ".traces.json")
	}
	eventually(t, "five redirects answered", 15*time.Second, func() bool { return n.Load() >= 5 })
	time.Sleep(500 * time.Millisecond)
	assert.Zero(t, stolen.Load(), "the redirect target received nothing")
	assert.Equal(t, int32(5), n.Load(), "a redirect is not retried")
	log := run.col.Log()
	assert.Contains(t, log, "redirect to "+target+" refused")
	assert.NotContains(t, log, "secret-path")
	assert.NotContains(t, log, "secret-query")
	for _, reason := range reasonLabels(run.outputs()["metrics"]) {
		assert.Regexp(t, `^30[1-8]$`, reason)
	}
	run.requireNoKey()
}

// SECURITY.md, server text is bounded and scrubbed: a server that echoes the request headers in its error bodies
// (message, code, raw text) for auth, validation and retryable answers.
func TestHostileEchoingServer(t *testing.T) {
	var n atomic.Int32
	api := hostileServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		var hdr strings.Builder
		_ = r.Header.Write(&hdr)
		echo := strings.NewReplacer(`"`, `'`, "\r", "", "\n", " ").Replace(hdr.String())
		w.Header().Set("Content-Type", "application/json")
		switch n.Add(1) % 4 {
		case 1:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"code":"INVALID_API_KEY","message":"bad key in %s"}}`, echo)
		case 2:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"code":"%s%s","message":"x"}}`, strings.Repeat("Z", 30<<10), echo)
		case 3:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, hdr.String())
		default:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":{"code":"%s","message":"%s"}}`, hostileKey, echo)
		}
	})
	run := startHostile(t, api+"/api/v1", "MAX_BATCH=1", "MAX_ELAPSED=3s")
	for i := 0; i < 6; i++ {
		run.postTraces(genaiTurn(i))
	}
	eventually(t, "every kind of answer given", 20*time.Second, func() bool { return n.Load() >= 8 })
	eventually(t, "the auth failure reaches health", 10*time.Second, func() bool {
		return strings.Contains(get(run.col.HealthURL+"?verbose"), "INVALID_API_KEY")
	})
	outs := run.outputs()
	reasons := reasonLabels(outs["metrics"])
	require.NotEmpty(t, reasons)
	for _, reason := range reasons {
		assert.Regexp(t, `^(INVALID_API_KEY|[0-9]{3})$`, reason, "reason labels are documented codes or statuses")
	}
	assert.Less(t, len(outs["metrics"]), 200<<10, "server text cannot inflate the metrics page")
	run.requireNoKey()
}

// SECURITY.md, Retry-After cannot park or drop: Retry-After values that would park the consumers or drop the
// batch: capped at max_interval (2 s here), retried, delivered.
func TestHostileRetryAfter(t *testing.T) {
	var n atomic.Int32
	var delivered atomic.Int32
	values := []string{"999999999", "Thu, 01 Jan 2058 00:00:00 GMT", "-1", "99999999999999999999999"}
	api := hostileServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		i := int(n.Add(1) - 1)
		if i < len(values) {
			w.Header().Set("Retry-After", values[i])
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		delivered.Add(1)
	})
	run := startHostile(t, api+"/api/v1", "MAX_ELAPSED=0s")
	start := time.Now()
	run.postSample("a_semconv_latest_agent.traces.json")
	eventually(t, "delivered once the API is healthy", 20*time.Second, func() bool { return delivered.Load() == 1 })
	assert.Less(t, time.Since(start), 15*time.Second, "four throttles of at most 2 s each")
	run.requireNoKey()
}

// SECURITY.md, nothing hangs, with a server that never answers: the request ends at the
// timeout, and SIGTERM finishes within timeout + 5 s.
func TestNeverAnsweringServer(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	var got atomic.Int32
	api := hostileServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})
	run := startHostile(t, api+"/api/v1", "PRECOGX_TIMEOUT=1s", "MAX_ELAPSED=0s")
	run.postSample("a_semconv_latest_agent.traces.json")
	eventually(t, "the request was sent", 10*time.Second, func() bool { return got.Load() >= 2 })
	start := time.Now()
	require.NoError(t, run.col.Stop(6*time.Second), "SIGTERM within timeout + 5 s")
	assert.Less(t, time.Since(start), 6*time.Second)
	run.requireNoKey()
}

// SECURITY.md, nothing hangs: shutdown while the client-side rate limit makes requests wait.
func TestShutdownUnderRateLimit(t *testing.T) {
	root, _ := RepoRoot()
	dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "dev.log"), "-keys", hostileKey+":unlimited")
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop(5 * time.Second) })
	run := startHostile(t, dev.URL+"/api/v1", "MAX_BATCH=1", "RATE_PER_MINUTE=12", "RATE_BURST=1")
	for i := 0; i < 6; i++ {
		run.postTraces(genaiTurn(i))
	}
	_, err = dev.WaitInteractions(1, 10*time.Second)
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, run.col.Stop(7*time.Second), "the limiter wait does not hold the shutdown")
	assert.Less(t, time.Since(start), 7*time.Second)
	items, err := dev.Interactions()
	require.NoError(t, err)
	assert.Len(t, items, 6, "what waited for the limit is sent at shutdown")
	run.requireNoKey()
}

// SECURITY.md, no poison trace: one trace with more spans than the queue holds goes in parts,
// and the receiver keeps accepting other data meanwhile.
func TestPoisonTrace(t *testing.T) {
	root, _ := RepoRoot()
	dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "dev.log"), "-keys", hostileKey+":unlimited")
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop(5 * time.Second) })
	run := startHostile(t, dev.URL+"/api/v1", "QUEUE_SIZE=1000")
	td := genaiTurn(0)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	root0 := spans.At(0)
	for i := spans.Len(); i < 2002; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(root0.TraceID())
		s.SetSpanID(pcommon.SpanID{7, 7, byte(i >> 8), byte(i), 0, 0, 0, 1})
		s.SetParentSpanID(root0.SpanID())
		s.SetName("execute_tool get_weather")
		s.Attributes().PutStr("gen_ai.operation.name", "execute_tool")
		s.Attributes().PutStr("gen_ai.tool.name", "get_weather")
	}
	start := time.Now()
	run.postTraces(td)
	for i := 1; i < 5; i++ {
		run.postTraces(genaiTurn(i)) // accepted meanwhile: no 503
	}
	items, err := dev.WaitInteractions(5, 10*time.Second)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 6*time.Second, "within assembly.wait plus a few seconds")
	partial := 0
	for _, it := range items {
		if strings.Contains(string(it.Interaction), `"partial":true`) {
			partial++
		}
	}
	assert.Positive(t, partial, "the parts are marked partial")
	run.requireNoKey()
}

// SECURITY.md, no forged markers: forged internal attribute names change nothing.
func TestForgedInternalAttributes(t *testing.T) {
	root, _ := RepoRoot()
	dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "dev.log"), "-keys", hostileKey+":unlimited")
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop(5 * time.Second) })
	run := startHostile(t, dev.URL+"/api/v1")
	body, err := os.ReadFile(filepath.Join(root, "testdata", "golden", "a_semconv_latest_agent.traces.json"))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(body)
	require.NoError(t, err)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		spans.At(i).Attributes().PutBool("precogx.partial", true)
		spans.At(i).Attributes().PutBool("precogx.synthetic", true)
	}
	plain := spans.AppendEmpty()
	plain.SetTraceID(genaitest.TraceID("plain", 1))
	plain.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 1})
	plain.SetName("GET /health")
	plain.Attributes().PutBool("precogx.synthetic", true)
	run.postTraces(td)
	_, err = dev.WaitInteractions(1, 10*time.Second)
	require.NoError(t, err)
	time.Sleep(time.Second) // a forged model call would arrive too
	items, err := dev.Interactions()
	require.NoError(t, err)
	require.Len(t, items, 1, "the forged marker made no interaction")
	requireSameJSON(t, golden(t, root, "a_semconv_latest_agent")[0], items[0].Interaction)
	run.requireNoKey()
}

// genaiTurn is one agent turn of 4 spans with its own trace id.
func genaiTurn(i int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "hostile-suite")
	genaitest.AgentTurn(rs.ScopeSpans().AppendEmpty().Spans(), genaitest.TraceID("hstl", i), time.Now(), fmt.Sprintf("question %d", i), "answer")
	return td
}
