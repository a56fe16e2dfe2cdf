package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/precogx/precogxexporter/internal/logtest"
)

const webhookToken = "webhook-token-0123456789"

// logSink is an OTLP/HTTP (JSON) logs endpoint: it answers the next status
// of its list (200 when it is empty) and keeps the records it answered 200.
type logSink struct {
	url      string
	mu       sync.Mutex
	statuses []int
	records  []plog.LogRecord
	requests int
}

func startLogSink(t *testing.T) *logSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &logSink{url: "http://" + l.Addr().String()}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
		if r.URL.Path != "/v1/logs" || err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		status := http.StatusOK
		if len(s.statuses) > 0 {
			status, s.statuses = s.statuses[0], s.statuses[1:]
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					c := plog.NewLogRecord()
					lr.CopyTo(c)
					s.records = append(s.records, c)
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *logSink) answer(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses = append(s.statuses, statuses...)
}

func (s *logSink) accepted() []plog.LogRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]plog.LogRecord(nil), s.records...)
}

func (s *logSink) waitAccepted(t *testing.T, n int) []plog.LogRecord {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.accepted()) >= n }, 30*time.Second, 50*time.Millisecond,
		"%d log records at the sink", n)
	return s.accepted()
}

// startWebhookStack starts the devserver posting alerts to the collector's
// precogxwebhook receiver, which feeds the sink.
func startWebhookStack(t *testing.T) (*stack, *logSink) {
	t.Helper()
	sink := startLogSink(t)
	port := FreePort()
	hook := "http://127.0.0.1:" + strconv.Itoa(port) + WebhookPath
	s := startStackWith(t, filepath.Join("testdata", "collector", "webhook.yaml"),
		[]string{"SINK_ENDPOINT=" + sink.url, "WEBHOOK_PORT=" + strconv.Itoa(port), "WEBHOOK_TOKEN=" + webhookToken},
		"-webhook-url", hook, "-webhook-token", webhookToken)
	require.Equal(t, hook, s.col.WebhookURL)
	return s, sink
}

// TestWebhookLoop: an injection turn goes in as spans, out as an interaction;
// the devserver flags it and posts an alert; the sink refuses the first two
// tries (the receiver answers 503, the devserver retries) and then takes the
// record.
func TestWebhookLoop(t *testing.T) {
	s, sink := startWebhookStack(t)
	sink.answer(http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	body, err := os.ReadFile(filepath.Join(s.root, "examples", "demo", "prompt_injection.traces.json"))
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, s.col.PostOTLP(ctx, "traces", body))
	s.post(t, "traces", "a_semconv_latest_agent.traces.json")

	items, err := s.dev.WaitInteractions(2, 20*time.Second)
	require.NoError(t, err)
	var injected Stored
	for _, it := range items {
		if bytes.Contains(it.Interaction, []byte("Ignore all previous instructions")) {
			injected = it
		}
	}
	require.NotEmpty(t, injected.ID, "the injection turn reached the devserver")

	recs := sink.waitAccepted(t, 1)
	time.Sleep(500 * time.Millisecond) // a second alert (for the clean turn) would show by now
	recs = sink.accepted()
	require.Len(t, recs, 1, "one alert: the clean turn is not flagged")
	got := logtest.View(recs[0])
	assert.True(t, got.Time.Equal(injected.ReceivedAt), "the alert's timestamp: %s, want %s", got.Time, injected.ReceivedAt)
	assert.False(t, got.Observed.Before(got.Time))
	got.Time, got.Observed = time.Time{}, time.Time{}
	assert.Equal(t, logtest.Record{
		Body:           "Known prompt-injection phrase in the user prompt",
		SeverityNumber: plog.SeverityNumberError,
		SeverityText:   "high",
		EventName:      "precogx.threat_detected",
		Attrs: map[string]any{
			"event.name":                    "precogx.threat_detected",
			"precogx.threat.type":           "prompt_injection",
			"precogx.threat.severity":       "high",
			"precogx.threat.confidence":     0.9,
			"gen_ai.agent.name":             "SupportAgent",
			"precogx.details.interactionId": injected.ID,
			"precogx.details.phrase":        "ignore all previous instructions",
			"precogx.details.traceId":       "7d3f0a9c2b1e4f5a8c6d0e1f2a3b4c5d",
		},
	}, got)

	require.NoError(t, s.col.Stop(10*time.Second))
	require.NoError(t, s.dev.Stop(5*time.Second))
	devLog := s.dev.Log()
	assert.Contains(t, devLog, "webhook: threat_detected for "+injected.ID+" -> 503, retry in")
	assert.Contains(t, devLog, "webhook: threat_detected for "+injected.ID+" -> 200")
	colLog := s.col.Log()
	assert.Equal(t, 2, strings.Count(colLog, "Alert refused by the pipeline"), "each 503 is logged, with event and severity")
	for _, secret := range []string{"Known prompt-injection phrase", injected.ID, "ignore all previous", "SupportAgent", "Ignore all previous", webhookToken} {
		assert.NotContains(t, colLog, secret, "nothing of the alert but event and severity in the collector's log")
	}
}

type webhookAnswer struct {
	status int
	allow  string
	Error  struct {
		Code    string         `json:"code"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func postWebhook(t *testing.T, method, url, token, contentType string, body []byte) webhookAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	a := webhookAnswer{status: resp.StatusCode, allow: resp.Header.Get("Allow")}
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode != http.StatusOK {
		require.NoError(t, json.Unmarshal(raw, &a), "error body %q", raw)
	}
	return a
}

// TestWebhookAnswers posts the API reference's example and variants, and bad
// input, straight to the receiver in the built collector.
func TestWebhookAnswers(t *testing.T) {
	s, sink := startWebhookStack(t)
	url := s.col.WebhookURL
	alert := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(s.root, "precogxwebhookreceiver", "testdata", "alerts", name))
		require.NoError(t, err)
		return b
	}

	t.Run("bad input gets its status and no record", func(t *testing.T) {
		big := append([]byte(`{"event":"threat_detected","details":{"description":"`), bytes.Repeat([]byte("x"), 2<<20)...)
		big = append(big, `"}}`...)
		tests := []struct {
			name, method, path, token, contentType string
			body                                   []byte
			status                                 int
			code, field                            string
		}{
			{"invalid JSON", "POST", "", webhookToken, "application/json", []byte(`{"event":`), 400, "INVALID_JSON", ""},
			{"an array", "POST", "", webhookToken, "application/json", append(append([]byte("["), alert("example.json")...), ']'), 400, "INVALID_REQUEST", ""},
			{"a missing field", "POST", "", webhookToken, "application/json", []byte(`{"agentId":"a","severity":"high"}`), 400, "MISSING_REQUIRED_FIELD", "event"},
			{"a wrong type", "POST", "", webhookToken, "application/json", []byte(`{"event":"threat_detected","agentId":42}`), 400, "INVALID_FIELD_TYPE", "agentId"},
			{"a 2 MiB body", "POST", "", webhookToken, "application/json", big, 413, "PAYLOAD_TOO_LARGE", ""},
			{"wrong content type", "POST", "", webhookToken, "text/plain", alert("example.json"), 415, "UNSUPPORTED_MEDIA_TYPE", ""},
			{"no token", "POST", "", "", "application/json", alert("example.json"), 401, "UNAUTHORIZED", ""},
			{"wrong token", "POST", "", "not-the-token", "application/json", alert("example.json"), 401, "UNAUTHORIZED", ""},
			{"GET", "GET", "", webhookToken, "", nil, 405, "METHOD_NOT_ALLOWED", ""},
			{"other path", "POST", "/v1/logs", webhookToken, "application/json", alert("example.json"), 404, "NOT_FOUND", ""},
		}
		for _, tt := range tests {
			u := url
			if tt.path != "" {
				u = strings.TrimSuffix(url, WebhookPath) + tt.path
			}
			a := postWebhook(t, tt.method, u, tt.token, tt.contentType, tt.body)
			assert.Equal(t, tt.status, a.status, tt.name)
			assert.Equal(t, tt.code, a.Error.Code, tt.name)
			if tt.field != "" {
				assert.Equal(t, tt.field, a.Error.Details["field"], tt.name)
			}
			if tt.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", a.allow)
			}
		}
		assert.Empty(t, sink.accepted(), "no record for a refused request")
		sink.mu.Lock()
		assert.Zero(t, sink.requests, "nothing reached the pipeline")
		sink.mu.Unlock()
	})

	t.Run("the pipeline's refusal is the answer", func(t *testing.T) {
		sink.answer(http.StatusServiceUnavailable, http.StatusBadRequest)
		assert.Equal(t, 503, postWebhook(t, "POST", url, webhookToken, "application/json", alert("example.json")).status, "retryable")
		a := postWebhook(t, "POST", url, webhookToken, "application/json", alert("example.json"))
		assert.Equal(t, 500, a.status, "permanent")
		assert.Equal(t, "INTERNAL_ERROR", a.Error.Code)
		assert.Empty(t, sink.accepted())
	})

	t.Run("the example and its variants", func(t *testing.T) {
		before := time.Now()
		for _, name := range []string{"example.json", "critical_details.json", "other_event.json", "minimal.json"} {
			assert.Equal(t, 200, postWebhook(t, "POST", url, webhookToken, "application/json; charset=utf-8", alert(name)).status, name)
		}
		after := time.Now()
		recs := sink.accepted() // 200 means the sink has it: no queue in front of it
		require.Len(t, recs, 4)
		views := make([]logtest.Record, len(recs))
		for i, lr := range recs {
			views[i] = logtest.View(lr)
			assert.False(t, views[i].Observed.Before(before) || views[i].Observed.After(after), "observed time is the receive time")
			views[i].Observed = time.Time{}
		}
		assert.Equal(t, logtest.Record{
			Body: "Prompt injection attempt detected in user input", Time: time.Date(2026, 8, 20, 14, 3, 11, 250_000_000, time.UTC),
			SeverityNumber: plog.SeverityNumberError, SeverityText: "high", EventName: "precogx.threat_detected",
			Attrs: map[string]any{
				"event.name": "precogx.threat_detected", "precogx.threat.type": "prompt_injection", "precogx.threat.severity": "high",
				"precogx.threat.confidence": 0.95, "gen_ai.agent.name": "customer-support-bot",
			},
		}, views[0])
		assert.Equal(t, logtest.Record{
			Body: "Credit card numbers in a tool output", Time: time.Date(2026, 8, 20, 14, 3, 11, 123456789, time.UTC),
			SeverityNumber: plog.SeverityNumberFatal, SeverityText: "CRITICAL", EventName: "precogx.threat_detected",
			Attrs: map[string]any{
				"event.name": "precogx.threat_detected", "precogx.threat.type": "data_exfiltration", "precogx.threat.severity": "CRITICAL",
				"precogx.threat.confidence": 1.0, "gen_ai.agent.name": "billing-agent",
				"precogx.details.interactionId": "ix_0123456789abcdef", "precogx.details.matches": 3.0, "precogx.details.blocked": false,
				"precogx.details.patterns": []any{"card", "iban"}, "precogx.details.location": map[string]any{"field": "toolCalls", "index": 0.0},
			},
		}, views[1])
		// no valid timestamp: the receive time
		for i, want := range []logtest.Record{
			{EventName: "precogx.agent_quarantined", Attrs: map[string]any{"event.name": "precogx.agent_quarantined",
				"gen_ai.agent.name": "customer-support-bot", "precogx.details.reason": "repeated threats"}},
			{EventName: "precogx.threat_detected", Attrs: map[string]any{"event.name": "precogx.threat_detected"}},
		} {
			got := views[2+i]
			assert.False(t, got.Time.Before(before) || got.Time.After(after), "time %s", got.Time)
			got.Time = time.Time{}
			assert.Equal(t, want, got)
		}
	})
}
