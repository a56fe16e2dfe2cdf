package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorRateSeeded(t *testing.T) {
	statuses := func(seed uint64) []int {
		s := newServer(t, Options{Faults: Faults{ErrorRate: 0.5, Seed: seed, RetryAfter: 3}})
		var out []int
		for i := 0; i < 100; i++ {
			rec := post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil)
			if rec.Code != 200 {
				apiErr(t, rec, 503, "INJECTED_FAULT")
				assert.Equal(t, "3", rec.Header().Get("Retry-After"))
			}
			out = append(out, rec.Code)
		}
		failed := s.Stats().Requests[503]
		assert.InDelta(t, 50, failed, 20)
		assert.Equal(t, int64(100)-failed, s.Stats().InteractionsAccepted)
		return out
	}
	a := statuses(42)
	assert.Equal(t, a, statuses(42), "same seed, same sequence")
	assert.NotEqual(t, a, statuses(7))

	// Only authenticated requests are affected; a custom status gets no Retry-After.
	s := newServer(t, Options{Faults: Faults{ErrorRate: 1, ErrorStatus: 500, RetryAfter: 3}})
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), map[string]string{"X-Api-Key": ""}), 401, "MISSING_API_KEY")
	rec := post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil)
	apiErr(t, rec, 500, "INJECTED_FAULT")
	assert.Empty(t, rec.Header().Get("Retry-After"))
}

func TestOutageStatus(t *testing.T) {
	clock := newClock()
	s := newServer(t, Options{Clock: clock.Now, Faults: Faults{OutageStart: 10 * time.Second, OutageDuration: 20 * time.Second}})
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)
	clock.Add(10 * time.Second)
	rec := post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), map[string]string{"X-Api-Key": ""})
	apiErr(t, rec, 503, "INJECTED_FAULT") // the whole service is down: even before auth
	assert.Empty(t, rec.Header().Get("Retry-After"))
	clock.Add(19 * time.Second)
	apiErr(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p")), nil), 503, "INJECTED_FAULT")
	clock.Add(time.Second)
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)
	assert.Equal(t, map[int]int64{200: 2, 503: 2}, s.Stats().Requests)

	// SetFaults restarts the window from now.
	s.SetFaults(Faults{OutageDuration: time.Minute, RetryAfter: 4})
	rec = post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil)
	apiErr(t, rec, 503, "INJECTED_FAULT")
	assert.Equal(t, "4", rec.Header().Get("Retry-After"))
}

// postHTTP goes through a real connection, which the reset faults need.
func postHTTP(t *testing.T, url string, body any) (*http.Response, error) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestOutageReset(t *testing.T) {
	clock := newClock()
	s := newServer(t, Options{Clock: clock.Now, Faults: Faults{OutageDuration: time.Minute, OutageMode: OutageReset}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	_, err := postHTTP(t, ts.URL+"/api/v1/telemetry/ingest", interaction("A", "p"))
	require.Error(t, err, "connection dropped without an answer")
	assert.Equal(t, int64(1), s.Stats().ConnectionsDropped)
	assert.Empty(t, s.Stats().Requests)

	clock.Add(time.Minute)
	resp, err := postHTTP(t, ts.URL+"/api/v1/telemetry/ingest", interaction("A", "p"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestResetRate(t *testing.T) {
	s := newServer(t, Options{Faults: Faults{ResetRate: 1}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	_, err := postHTTP(t, ts.URL+"/api/v1/telemetry/batch", batchOf(interaction("A", "p")))
	require.Error(t, err)
	st := s.Stats()
	assert.Equal(t, int64(1), st.ConnectionsDropped)
	assert.Positive(t, st.BytesReceived, "the body was read before the reset")
	assert.Empty(t, s.Interactions())

	// With a fraction, the seeded sequence decides; both outcomes occur.
	s.SetFaults(Faults{ResetRate: 0.5, Seed: 3})
	var fails, oks int
	for i := 0; i < 20; i++ {
		if resp, err := postHTTP(t, ts.URL+"/api/v1/telemetry/ingest", interaction("A", "p")); err != nil {
			fails++
		} else {
			require.Equal(t, 200, resp.StatusCode)
			oks++
		}
	}
	assert.Positive(t, fails)
	assert.Positive(t, oks)
	assert.Len(t, s.Interactions(), oks)
}

func TestRejectMarker(t *testing.T) {
	s := newServer(t, Options{Faults: Faults{RejectMarker: "__REJECT__"}})
	e := apiErr(t, post(t, s, "/api/v1/telemetry/batch",
		batchOf(interaction("A", "fine"), interaction("A", "please __REJECT__ me"), interaction("A", "fine")), nil), 400, "INVALID_REQUEST")
	d := details(t, e)
	require.Len(t, d, 1)
	assert.Equal(t, Detail{Index: 1, Path: "/prompt", Message: d[0].Message}, d[0])
	assert.Empty(t, s.Interactions())
	// The client can split the batch and get the good ones through.
	ok(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "fine"), interaction("A", "fine")), nil), 2)
	apiErr(t, post(t, s, "/api/v1/integrations/dify/telemetry", interaction("A", "__REJECT__"), nil), 400, "INVALID_REQUEST")
}

func TestThrottleFor(t *testing.T) {
	clock := newClock()
	s := newServer(t, Options{Clock: clock.Now, Faults: Faults{ThrottleFor: 30 * time.Second}})
	rec := post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil)
	apiErr(t, rec, 429, "INJECTED_FAULT")
	assert.Equal(t, "1", rec.Header().Get("Retry-After"), "at least 1 even when RetryAfter is 0")
	clock.Add(29 * time.Second)
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 429, "INJECTED_FAULT")
	clock.Add(time.Second)
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)

	s.SetFaults(Faults{ThrottleFor: time.Second, RetryAfter: 5})
	rec = post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil)
	apiErr(t, rec, 429, "INJECTED_FAULT")
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
}

func TestLatency(t *testing.T) {
	s := newServer(t, Options{Faults: Faults{Latency: 30 * time.Millisecond}})
	start := time.Now()
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	// A client that gives up ends the wait; nothing is answered or stored.
	s.SetFaults(Faults{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/telemetry/ingest", strings.NewReader(`{}`)).WithContext(ctx)
	req.Header.Set("X-Api-Key", testKey)
	rec := httptest.NewRecorder()
	start = time.Now()
	s.ServeHTTP(rec, req)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Zero(t, rec.Body.Len())
	assert.Len(t, s.Interactions(), 1)
	assert.Equal(t, map[int]int64{200: 1}, s.Stats().Requests)
}

func TestAdminFaults(t *testing.T) {
	s := newServer(t, Options{})
	put := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPut, "/admin/faults", strings.NewReader(body))
		req.Header.Set("X-Api-Key", testKey)
		s.ServeHTTP(rec, req)
		return rec
	}
	rec := put(`{"error_rate":1,"error_status":502,"latency":"1ms","throttle_for":0,"outage_duration":"0s","seed":9}`)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	var got map[string]any
	require.NoError(t, json.Unmarshal(get(t, s, http.MethodGet, "/admin/faults").Body.Bytes(), &got))
	assert.Equal(t, map[string]any{"error_rate": 1.0, "error_status": 502.0, "retry_after": 0.0, "seed": 9.0,
		"latency": "1ms", "outage_start": "0s", "outage_duration": "0s", "outage_mode": "status",
		"reset_rate": 0.0, "reject_marker": "", "throttle_for": "0s"}, got)
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 502, "INJECTED_FAULT")

	apiErr(t, put(`{"eror_rate":1}`), 400, "INVALID_JSON")
	apiErr(t, put(`{"latency":"soon"}`), 400, "INVALID_JSON")
	apiErr(t, put(`{"error_rate":1.5}`), 400, "INVALID_REQUEST")
	apiErr(t, put(`{"outage_mode":"flaky"}`), 400, "INVALID_REQUEST")
	apiErr(t, get(t, s, http.MethodPost, "/admin/faults"), 405, "METHOD_NOT_ALLOWED")

	require.Equal(t, 200, put(`{}`).Code) // back to no faults
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)
}

func TestFaultsJSONRoundTrip(t *testing.T) {
	f := Faults{ErrorRate: 0.25, ErrorStatus: 500, RetryAfter: 2, Seed: 5, Latency: 1500 * time.Millisecond,
		OutageStart: time.Second, OutageDuration: time.Minute, OutageMode: OutageReset, ResetRate: 0.1,
		RejectMarker: "X", ThrottleFor: 30 * time.Second}
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"latency":"1.5s"`)
	var back Faults
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, f, back)

	require.NoError(t, json.Unmarshal([]byte(`{"latency":2.5}`), &back))
	assert.Equal(t, Faults{Latency: 2500 * time.Millisecond}, back, "numbers are seconds; unset fields reset")
}
