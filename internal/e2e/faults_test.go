//go:build faults

package e2e

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// The fault suite (make test-faults): the built collector against the
// devserver's fault injection. Every scenario sends a known set of turns and
// counts what the devserver accepted: delivered, lost, duplicated, dropped
// for a stated reason. Nothing may be lost.

const (
	faultTurns   = 200
	badMarker    = "BAD-INTERACTION"
	promptMarker = "SECRET-PROMPT"
	answerMarker = "SECRET-ANSWER"
)

// faultTurn adds turn i of a scenario and returns its trace id.
func faultTurn(ss ptrace.SpanSlice, scenario string, i int, bad bool) string {
	id := genaitest.TraceID(scenario, i)
	prompt := fmt.Sprintf("%s-%d", promptMarker, i)
	if bad {
		prompt += " " + badMarker
	}
	genaitest.AgentTurn(ss, id, time.Now(), prompt, fmt.Sprintf("%s-%d", answerMarker, i))
	return hex.EncodeToString(id[:])
}

type faultResult struct {
	Scenario   string
	Sent       int
	Delivered  int
	Lost       int
	Duplicated int
	Dropped    int // rejected by PrecogX as invalid: dropped on purpose, with a logged reason
	Elapsed    time.Duration
}

type faultCase struct {
	name       string
	devArgs    []string
	config     string
	badEvery   int                                       // every n-th turn is invalid (0: none)
	during     func(t *testing.T, s *stack, sent func()) // runs the scenario; sent posts the turns
	settleWait time.Duration                             // how long the scenario may take to deliver
	turns      int                                       // turns to send (default faultTurns)
	noThrottle bool                                      // the server must never answer 429
}

func setFaults(t *testing.T, s *stack, f map[string]any) {
	t.Helper()
	body, _ := json.Marshal(f)
	require.NoError(t, s.dev.Admin(http.MethodPut, "/admin/faults", body, nil))
}

var results []faultResult

func TestFaults(t *testing.T) {
	persistent := filepath.Join("testdata", "collector", "faults-persistent.yaml")
	cases := []faultCase{
		{name: "60 s outage", devArgs: []string{"-outage-duration", "60s"}, settleWait: 100 * time.Second},
		{name: "50% of requests answered 503", devArgs: []string{"-error-rate", "0.5", "-error-status", "503", "-retry-after", "0"}, settleWait: 60 * time.Second},
		{name: "429 with Retry-After for 30 s", devArgs: []string{"-throttle-for", "30s", "-retry-after", "3"}, settleWait: 70 * time.Second},
		{name: "server slower than the timeout for 20 s", settleWait: 70 * time.Second,
			during: func(t *testing.T, s *stack, send func()) {
				setFaults(t, s, map[string]any{"latency": "5s"}) // the collector's timeout is 2s
				send()
				time.Sleep(20 * time.Second)
				setFaults(t, s, map[string]any{})
			}},
		{name: "30% of connections reset mid-request", devArgs: []string{"-reset-rate", "0.3"}, settleWait: 60 * time.Second},
		{name: "one bad interaction in every batch", devArgs: []string{"-reject-marker", badMarker}, badEvery: 10, settleWait: 30 * time.Second},
		{name: "Free-tier key (100/min, burst 200) under steady load, client rate limit on", devArgs: []string{"-keys", testAPIKey + ":free"},
			config: filepath.Join("testdata", "collector", "faults-ratelimit.yaml"), turns: 260, settleWait: 90 * time.Second, noThrottle: true},
		{name: "SIGKILL during an outage, persistent queue, restart", devArgs: []string{"-outage-duration", "40s"}, config: persistent, settleWait: 100 * time.Second,
			during: func(t *testing.T, s *stack, send func()) {
				send()
				time.Sleep(5 * time.Second) // past the assembly window: everything is in the persistent queue
				s.col.Kill()
				t.Log("collector killed with SIGKILL during the outage")
				root, err := RepoRoot()
				require.NoError(t, err)
				col, err := StartCollector(filepath.Join(root, "bin", "otelcol-precogx"), filepath.Join(root, persistent),
					filepath.Join(t.TempDir(), "collector-restarted.log"), s.env...)
				require.NoError(t, err)
				t.Cleanup(func() { _ = col.Stop(10 * time.Second) })
				s.restarted = append(s.restarted, col)
			}},
	}
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) { runFault(t, fc) })
	}
	t.Cleanup(func() {
		var sb strings.Builder
		fmt.Fprintf(&sb, "| scenario | sent | delivered | lost | duplicated | dropped (invalid, reason logged) | time to deliver |\n|---|---|---|---|---|---|---|\n")
		for _, r := range results {
			fmt.Fprintf(&sb, "| %s | %d | %d | %d | %d | %d | %.0f s |\n", r.Scenario, r.Sent, r.Delivered, r.Lost, r.Duplicated, r.Dropped, r.Elapsed.Seconds())
		}
		fmt.Fprint(os.Stderr, "\nFault suite results:\n\n"+sb.String())
		if out := os.Getenv("FAULTS_REPORT"); out != "" {
			_ = os.WriteFile(out, []byte(sb.String()), 0o644)
		}
	})
}

func runFault(t *testing.T, fc faultCase) {
	queueDir := t.TempDir()
	env := []string{"QUEUE_DIR=" + queueDir}
	config := fc.config
	if config == "" {
		config = filepath.Join("testdata", "collector", "faults.yaml")
	}
	s := startStackWith(t, config, env, fc.devArgs...)
	s.env = append(env, "PRECOGX_ENDPOINT="+s.dev.URL+"/api/v1", "PRECOGX_API_KEY="+testAPIKey)
	scenario := strings.ReplaceAll(strings.Fields(fc.name)[0], "%", "")

	turns := fc.turns
	if turns == 0 {
		turns = faultTurns
	}
	want := map[string]bool{} // trace id -> bad
	send := func() {
		for batch := 0; batch < turns/20; batch++ {
			td := ptrace.NewTraces()
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", "faults")
			ss := rs.ScopeSpans().AppendEmpty().Spans()
			for k := range 20 {
				i := batch*20 + k
				bad := fc.badEvery > 0 && i%fc.badEvery == 0
				want[faultTurn(ss, scenario, i, bad)] = bad
			}
			s.postTraces(t, td)
		}
	}
	start := time.Now()
	if fc.during != nil {
		fc.during(t, s, send)
	} else {
		send()
	}
	good := 0
	for _, bad := range want {
		if !bad {
			good++
		}
	}
	deadline := time.Now().Add(fc.settleWait)
	var items []Stored
	for time.Now().Before(deadline) {
		var err error
		items, err = s.dev.Interactions()
		require.NoError(t, err)
		if countDelivered(t, items, want) >= good {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	elapsed := time.Since(start)
	time.Sleep(3 * time.Second) // let anything resent show up as a duplicate
	items, err := s.dev.Interactions()
	require.NoError(t, err)

	seen := map[string]int{}
	for _, it := range items {
		seen[traceIDOf(t, it.Interaction)]++
	}
	r := faultResult{Scenario: fc.name, Sent: len(want), Elapsed: elapsed}
	for id, bad := range want {
		n := seen[id]
		switch {
		case bad && n == 0:
			r.Dropped++
		case n == 0:
			r.Lost++
		default:
			r.Delivered++
			r.Duplicated += n - 1
		}
	}
	results = append(results, r)
	t.Logf("%+v", r)
	assert.Zero(t, r.Lost, "nothing may be lost")
	if fc.badEvery > 0 {
		assert.Equal(t, turns/fc.badEvery, r.Dropped)
	}
	if fc.noThrottle {
		var st struct {
			Requests map[string]int `json:"requests"`
		}
		require.NoError(t, s.dev.Admin(http.MethodGet, "/api/v1/stats", nil, &st))
		assert.Zero(t, st.Requests["429"], "the client-side limit kept under the tier: %v", st.Requests)
		assert.Greater(t, st.Requests["200"], 200, "more requests than the burst were needed")
	}

	// Every log line of every collector run: no key, no prompt, no answer.
	require.NoError(t, s.col.Stop(20*time.Second))
	logs := s.col.Log()
	for _, c := range s.restarted {
		require.NoError(t, c.Stop(20*time.Second))
		logs += c.Log()
	}
	for _, secret := range []string{testAPIKey, promptMarker, answerMarker} {
		assert.NotContains(t, logs, secret, "a collector log line leaked %q", secret)
	}
	if fc.badEvery > 0 {
		assert.Contains(t, logs, "INVALID_REQUEST", "the drop reason is logged")
	}
}

func countDelivered(t *testing.T, items []Stored, want map[string]bool) int {
	seen := map[string]bool{}
	for _, it := range items {
		if id := traceIDOf(t, it.Interaction); !want[id] {
			if _, ok := want[id]; ok {
				seen[id] = true
			}
		}
	}
	return len(seen)
}
