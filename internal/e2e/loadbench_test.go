//go:build loadbench

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// The collector side by side (make bench-collector, SPEC section 9): the
// same load of agent turns (4 spans, 1 KiB user message) through the built
// collector on one core (GOMAXPROCS=1), once with the precogx exporter and
// once with the core otlp_http exporter (encoding: json). It reports the
// collector's CPU per 10,000 spans, its peak RSS, and for precogx the
// freshness: from a turn's last span reaching the collector to PrecogX
// (the devserver) storing it.

const (
	turnsPerRequest = 25 // 100 spans per OTLP request
	loadSeconds     = 20
)

type loadResult struct {
	name          string
	spansPerSec   int
	spans         int
	cpuPer10k     time.Duration
	peakRSS       int64
	p50, p99      time.Duration
	freshnessSeen int
}

// procStat reads a process's CPU time (user+system) and peak RSS.
func procStat(t *testing.T, pid int) (time.Duration, int64) {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// fields after the command name, which is in parentheses
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	cpu := time.Duration(utime+stime) * time.Second / 100 // USER_HZ
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	var hwm int64
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			hwm = kb << 10
		}
	}
	return cpu, hwm
}

// loadRequests pre-encodes the OTLP/protobuf requests of a run, as SDKs send them.
func loadRequests(t *testing.T, n int) [][]byte {
	msg := strings.Repeat("m", 1024)
	reqs := make([][]byte, n)
	base := time.Now()
	for r := range n {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "load")
		ss := rs.ScopeSpans().AppendEmpty().Spans()
		for k := range turnsPerRequest {
			i := r*turnsPerRequest + k
			genaitest.AgentTurn(ss, genaitest.TraceID("load", i), base, fmt.Sprintf("q%d %s", i, msg), "answer")
		}
		b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
		require.NoError(t, err)
		reqs[r] = b
	}
	return reqs
}

// drive posts the requests at the given span rate and returns when each was sent.
func drive(t *testing.T, url string, reqs [][]byte, spansPerSec int) []time.Time {
	interval := time.Second * time.Duration(turnsPerRequest*4) / time.Duration(spansPerSec)
	sent := make([]time.Time, len(reqs))
	var wg sync.WaitGroup
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var failed atomic.Int64
	for i, body := range reqs {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(url+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
			sent[i] = time.Now()
			if err != nil || resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
			if resp != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	require.Zero(t, failed.Load(), "the receiver refused requests")
	return sent
}

func TestCollectorSideBySide(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	bin := filepath.Join(root, "bin", "otelcol-precogx")
	var results []loadResult

	run := func(name, config string, spansPerSec int, env []string, delivered func() int, freshness func(sent []time.Time) []time.Duration) {
		col, err := StartCollector(bin, filepath.Join(root, "testdata", "collector", config), filepath.Join(t.TempDir(), "collector.log"),
			append(env, "GOMAXPROCS=1")...)
		require.NoError(t, err)
		defer func() { _ = col.Stop(20 * time.Second) }()
		reqs := loadRequests(t, spansPerSec*loadSeconds/(turnsPerRequest*4))
		time.Sleep(time.Second)
		cpu0, _ := procStat(t, col.cmd.Process.Pid)
		sent := drive(t, col.OTLPURL, reqs, spansPerSec)
		want := len(reqs) * turnsPerRequest
		deadline := time.Now().Add(60 * time.Second)
		for delivered() < want && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		require.GreaterOrEqual(t, delivered(), want, "%s: everything arrives", name)
		cpu1, hwm := procStat(t, col.cmd.Process.Pid)
		r := loadResult{name: name, spansPerSec: spansPerSec, spans: want * 4, peakRSS: hwm,
			cpuPer10k: (cpu1 - cpu0) * 10_000 / time.Duration(want*4)}
		if freshness != nil {
			lat := freshness(sent)
			slices.Sort(lat)
			if len(lat) > 0 {
				r.p50, r.p99, r.freshnessSeen = lat[len(lat)/2], lat[len(lat)*99/100], len(lat)
			}
		}
		results = append(results, r)
	}

	// precogx -> devserver (a fresh one per run)
	var dev *Devserver
	count := func() int {
		var st struct {
			Accepted int `json:"interactions_accepted"`
		}
		_ = dev.Admin(http.MethodGet, "/api/v1/stats", nil, &st)
		return st.Accepted
	}
	fresh := func(sent []time.Time) []time.Duration {
		items, err := dev.Interactions()
		require.NoError(t, err)
		var out []time.Duration
		for _, it := range items {
			var n int
			if _, err := fmt.Sscanf(strings.SplitN(string(it.Interaction), `"prompt":"q`, 2)[1], "%d", &n); err != nil {
				continue
			}
			out = append(out, it.ReceivedAt.Sub(sent[n/turnsPerRequest]))
		}
		return out
	}
	for _, rate := range []int{5_000, 10_000} {
		dev, err = StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "dev.log"), "-quiet", "-keys", testAPIKey+":unlimited")
		require.NoError(t, err)
		precogxEnv := []string{"PRECOGX_ENDPOINT=" + dev.URL + "/api/v1", "PRECOGX_API_KEY=" + testAPIKey}
		run("precogx", "bench-precogx.yaml", rate, precogxEnv, count, fresh)
		_ = dev.Stop(5 * time.Second)
	}

	// otlp_http (json) -> sink
	var sinkSpans atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	sink := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rd io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			rd = zr
		}
		body, _ := io.ReadAll(rd)
		// count spans without decoding: every span has one spanId field
		sinkSpans.Add(int64(bytes.Count(body, []byte(`"spanId"`))))
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = sink.Serve(l) }()
	defer sink.Shutdown(context.Background())
	sinkEnv := []string{"SINK_ENDPOINT=http://" + l.Addr().String()}
	for _, rate := range []int{5_000, 10_000} {
		sinkSpans.Store(0)
		run("otlp_http (json)", "bench-otlphttp.yaml", rate, sinkEnv, func() int { return int(sinkSpans.Load()) / 4 }, nil)
	}

	var sb strings.Builder
	sb.WriteString("| exporter | spans/s | spans | collector CPU per 10,000 spans | peak RSS | freshness p50 / p99 |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		f := "-"
		if r.freshnessSeen > 0 {
			f = fmt.Sprintf("%d ms / %d ms", r.p50.Milliseconds(), r.p99.Milliseconds())
		}
		fmt.Fprintf(&sb, "| %s | %d | %d | %d ms | %.0f MiB | %s |\n", r.name, r.spansPerSec, r.spans, r.cpuPer10k.Milliseconds(), float64(r.peakRSS)/(1<<20), f)
	}
	fmt.Fprint(os.Stderr, "\n"+sb.String())
}
