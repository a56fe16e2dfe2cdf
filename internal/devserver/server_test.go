package devserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy" // what the collector's snappy compressor uses
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testKey    = "sk-test-SECRET-0001"
	freeKey    = "sk-free-SECRET-0002"
	revokedKey = "sk-revoked-SECRET-0003"
)

// exampleInteraction is the interaction from the API description.
const exampleInteraction = `{"agentId":"WeatherAgent","prompt":"Weather in Paris?","response":"The weather ...",
 "metadata":{"timestamp":"2026-08-20T14:03:11.000Z","platform":"otel-genai-semconv","model":"gpt-4o-mini","tokens_used":213,
  "response_time_ms":3180,"trace_id":"4bf9","response_ids":["chatcmpl-1"],"finish_reasons":["stop"],
  "content_source":["gen_ai.input/output.messages"],"agent_internal_id":"asst_1","temperature":0.2,"max_tokens":512},
 "toolCalls":[{"name":"get_weather","description":"Get the weather","input":{"location":"Paris"},"output":{"conditions":"rainy"},"execution_time_ms":412,"success":true},
  {"name":"x","description":null,"input":"raw text","output":null,"execution_time_ms":null,"success":false}],
 "userId":"u-1","sessionId":"s-1","conversationId":"c-1"}`

func interaction(agent, prompt string) map[string]any {
	return map[string]any{
		"agentId": agent, "prompt": prompt, "response": "ok",
		"metadata":  map[string]any{"timestamp": "2026-08-20T14:03:11Z"},
		"toolCalls": []any{},
	}
}

func batchOf(items ...map[string]any) map[string]any { return map[string]any{"interactions": items} }

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 8, 20, 14, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Keys == nil {
		opts.Keys = map[string]string{testKey: TierUnlimited, freeKey: TierFree, revokedKey: TierRevoked}
	}
	s, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// post sends body (bytes/string as is, anything else as JSON) with JSON
// content type and the test key; headers override, "" deletes.
func post(t *testing.T, h http.Handler, path string, body any, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		b, err = json.Marshal(v)
		require.NoError(t, err)
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", testKey)
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// get sends an inspection or admin request with the test key.
func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("X-Api-Key", testKey)
	h.ServeHTTP(rec, req)
	return rec
}

func TestAdminEndpointsNeedAKeyUnlessOpen(t *testing.T) {
	s := newServer(t, Options{})
	open := newServer(t, Options{Open: true})
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/interactions"}, {http.MethodDelete, "/api/v1/interactions"},
		{http.MethodGet, "/api/v1/stats"}, {http.MethodGet, "/admin/faults"}, {http.MethodPut, "/admin/faults"},
	} {
		for key, want := range map[string]int{"": 401, "wrong-key": 401, revokedKey: 403} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(`{}`))
			if key != "" {
				req.Header.Set("X-Api-Key", key)
			}
			s.ServeHTTP(rec, req)
			assert.Equal(t, want, rec.Code, "%s %s with key %q", c.method, c.path, key)
		}
		rec := httptest.NewRecorder()
		open.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(`{}`)))
		assert.Less(t, rec.Code, 300, "%s %s on an open server", c.method, c.path)
	}
}

type errorBody struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// apiErr checks the error envelope and returns it.
func apiErr(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) errorBody {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var e errorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
	assert.Equal(t, code, e.Error.Code)
	assert.NotEmpty(t, e.Error.Message)
	return e
}

func details(t *testing.T, e errorBody) []Detail {
	t.Helper()
	var d []Detail
	require.NoError(t, json.Unmarshal(e.Error.Details, &d))
	return d
}

type accepted struct {
	Accepted int      `json:"accepted"`
	IDs      []string `json:"ids"`
}

func ok(t *testing.T, rec *httptest.ResponseRecorder, n int) accepted {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var a accepted
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &a))
	require.Equal(t, n, a.Accepted)
	require.Len(t, a.IDs, n)
	return a
}

type listing struct {
	Count int      `json:"count"`
	Items []Stored `json:"items"`
}

func list(t *testing.T, h http.Handler, query string) listing {
	t.Helper()
	rec := get(t, h, http.MethodGet, "/api/v1/interactions"+query)
	require.Equal(t, http.StatusOK, rec.Code)
	var l listing
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &l))
	require.Equal(t, l.Count, len(l.Items))
	return l
}

func TestAcceptStoreAndList(t *testing.T) {
	s := newServer(t, Options{})
	a1 := ok(t, post(t, s, "/api/v1/telemetry/ingest", exampleInteraction, nil), 1)
	a2 := ok(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p1"), interaction("B", "p2")), nil), 2)
	a3 := ok(t, post(t, s, "/api/v1/integrations/flowise/telemetry", interaction("A", "p3"),
		map[string]string{"X-Api-Key": "", "Authorization": "Bearer " + testKey}), 1)

	ids := map[string]bool{}
	for _, id := range append(append(a1.IDs, a2.IDs...), a3.IDs...) {
		assert.True(t, strings.HasPrefix(id, "ix_"), id)
		ids[id] = true
	}
	assert.Len(t, ids, 4, "ids are unique")

	l := list(t, s, "")
	require.Equal(t, 4, l.Count)
	assert.JSONEq(t, exampleInteraction, string(l.Items[0].Interaction), "stored exactly as sent")
	assert.Equal(t, []string{"/api/v1/telemetry/ingest", "/api/v1/telemetry/batch", "/api/v1/telemetry/batch", "/api/v1/integrations/flowise/telemetry"},
		[]string{l.Items[0].Path, l.Items[1].Path, l.Items[2].Path, l.Items[3].Path})
	assert.Equal(t, "generic", l.Items[1].Platform)
	assert.Equal(t, "flowise", l.Items[3].Platform)
	assert.Equal(t, a1.IDs[0], l.Items[0].ID)
	assert.False(t, l.Items[0].ReceivedAt.IsZero())

	// receivedAt is RFC 3339 with nanoseconds on the wire.
	raw := get(t, s, http.MethodGet, "/api/v1/interactions").Body.String()
	assert.Regexp(t, `"receivedAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`, raw)

	f := list(t, s, "?agentId=A")
	require.Equal(t, 2, f.Count)
	assert.Equal(t, a2.IDs[0], f.Items[0].ID)
	assert.Equal(t, a3.IDs[0], f.Items[1].ID)

	got := s.Interactions()
	require.Len(t, got, 4)
	got[0].Interaction[0] = 'X' // a copy: must not affect the server
	assert.JSONEq(t, exampleInteraction, string(s.Interactions()[0].Interaction))

	for _, p := range []string{"n8n", "dify", "custom"} {
		ok(t, post(t, s, "/api/v1/integrations/"+p+"/telemetry", interaction("C", "p"), nil), 1)
	}

	assert.Equal(t, http.StatusNoContent, get(t, s, http.MethodDelete, "/api/v1/interactions").Code)
	assert.Equal(t, 0, list(t, s, "").Count)
}

func TestAuth(t *testing.T) {
	s := newServer(t, Options{})
	for _, tc := range []struct {
		name    string
		headers map[string]string
		status  int
		code    string
	}{
		{"missing", map[string]string{"X-Api-Key": ""}, 401, "MISSING_API_KEY"},
		{"basic auth is not a key", map[string]string{"X-Api-Key": "", "Authorization": "Basic Zm9vOmJhcg=="}, 401, "MISSING_API_KEY"},
		{"unknown", map[string]string{"X-Api-Key": "sk-nope"}, 401, "INVALID_API_KEY"},
		{"unknown bearer", map[string]string{"X-Api-Key": "", "Authorization": "Bearer sk-nope"}, 401, "INVALID_API_KEY"},
		{"revoked", map[string]string{"X-Api-Key": revokedKey}, 403, "FORBIDDEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// An invalid body proves auth runs before parsing.
			apiErr(t, post(t, s, "/api/v1/telemetry/ingest", "not json", tc.headers), tc.status, tc.code)
		})
	}
	assert.Empty(t, s.Interactions())
}

func TestSchemaViolations(t *testing.T) {
	s := newServer(t, Options{})
	for _, tc := range []struct {
		name   string
		mutate func(m map[string]any)
		path   string
	}{
		{"missing agentId", func(m map[string]any) { delete(m, "agentId") }, "/agentId"},
		{"empty agentId", func(m map[string]any) { m["agentId"] = "" }, "/agentId"},
		{"agentId too long", func(m map[string]any) { m["agentId"] = strings.Repeat("a", 257) }, "/agentId"},
		{"agentId number", func(m map[string]any) { m["agentId"] = 7 }, "/agentId"},
		{"prompt number", func(m map[string]any) { m["prompt"] = 1 }, "/prompt"},
		{"missing toolCalls", func(m map[string]any) { delete(m, "toolCalls") }, "/toolCalls"},
		{"unknown property", func(m map[string]any) { m["extra"] = 1 }, "/extra"},
		{"userId number", func(m map[string]any) { m["userId"] = 1 }, "/userId"},
		{"missing timestamp", func(m map[string]any) { m["metadata"] = map[string]any{} }, "/metadata/timestamp"},
		{"bad timestamp", func(m map[string]any) { m["metadata"] = map[string]any{"timestamp": "yesterday"} }, "/metadata/timestamp"},
		{"tokens_used string", func(m map[string]any) { m["metadata"].(map[string]any)["tokens_used"] = "12" }, "/metadata/tokens_used"},
		{"tokens_used negative", func(m map[string]any) { m["metadata"].(map[string]any)["tokens_used"] = -1 }, "/metadata/tokens_used"},
		{"max_tokens fractional", func(m map[string]any) { m["metadata"].(map[string]any)["max_tokens"] = 1.5 }, "/metadata/max_tokens"},
		{"response_ids not strings", func(m map[string]any) { m["metadata"].(map[string]any)["response_ids"] = []any{1} }, "/metadata/response_ids/0"},
		{"truncated string", func(m map[string]any) { m["metadata"].(map[string]any)["truncated"] = "yes" }, "/metadata/truncated"},
		{"tool without name", func(m map[string]any) { m["toolCalls"] = []any{map[string]any{"success": true}} }, "/toolCalls/0/name"},
		{"tool without success", func(m map[string]any) { m["toolCalls"] = []any{map[string]any{"name": "t"}} }, "/toolCalls/0/success"},
		{"tool description number", func(m map[string]any) {
			m["toolCalls"] = []any{map[string]any{"name": "t", "success": true, "description": 3}}
		}, "/toolCalls/0/description"},
		{"tool negative time", func(m map[string]any) {
			m["toolCalls"] = []any{map[string]any{"name": "t", "success": true, "execution_time_ms": -5}}
		}, "/toolCalls/0/execution_time_ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := interaction("A", "p")
			tc.mutate(m)
			d := details(t, apiErr(t, post(t, s, "/api/v1/telemetry/ingest", m, nil), 400, "INVALID_REQUEST"))
			require.NotEmpty(t, d)
			assert.Equal(t, 0, d[0].Index)
			assert.Equal(t, tc.path, d[0].Path, "%+v", d)
			assert.NotEmpty(t, d[0].Message)
		})
	}
	// Not an object at all.
	d := details(t, apiErr(t, post(t, s, "/api/v1/telemetry/ingest", `[1]`, nil), 400, "INVALID_REQUEST"))
	assert.Equal(t, "", d[0].Path)
	assert.Empty(t, s.Interactions())
}

func TestBatchRejectedWhole(t *testing.T) {
	s := newServer(t, Options{})
	bad := interaction("B", "p")
	delete(bad, "agentId")
	bad["metadata"] = map[string]any{"timestamp": 5}
	e := apiErr(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p"), interaction("A", "p"), bad), nil), 400, "INVALID_REQUEST")
	d := details(t, e)
	require.Len(t, d, 2)
	for _, x := range d {
		assert.Equal(t, 2, x.Index)
	}
	assert.Equal(t, []string{"/agentId", "/metadata/timestamp"}, []string{d[0].Path, d[1].Path})
	assert.Contains(t, e.Error.Message, "1 of 3")
	assert.Empty(t, s.Interactions(), "nothing of a rejected batch is stored")

	for _, body := range []string{`{}`, `{"interactions":[]}`, `{"interactions":null}`, `{"interactions":{}}`, `[]`} {
		apiErr(t, post(t, s, "/api/v1/telemetry/batch", body, nil), 400, "INVALID_REQUEST")
	}
	apiErr(t, post(t, s, "/api/v1/telemetry/batch", `{"interactions":[`, nil), 400, "INVALID_JSON")
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", ``, nil), 400, "INVALID_JSON")
}

func compress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	case "zstd":
		w, _ = zstd.NewWriter(&buf)
	case "lz4":
		w = lz4.NewWriter(&buf)
	case "snappy-framed":
		w = snappy.NewBufferedWriter(&buf)
	case "snappy-block":
		return snappy.Encode(nil, b)
	default:
		t.Fatalf("unknown encoding %s", enc)
	}
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestCompressedBodies(t *testing.T) {
	s := newServer(t, Options{})
	body, err := json.Marshal(batchOf(interaction("A", "p"), interaction("B", "p")))
	require.NoError(t, err)
	for _, tc := range []struct{ header, codec string }{
		{"gzip", "gzip"}, {"zstd", "zstd"}, {"deflate", "zlib"}, {"deflate", "raw-deflate"}, {"zlib", "zlib"},
		{"snappy", "snappy-block"}, {"snappy", "snappy-framed"}, {"x-snappy-framed", "snappy-framed"}, {"lz4", "lz4"}, {"identity", ""},
	} {
		t.Run(tc.header+"/"+tc.codec, func(t *testing.T) {
			b := body
			if tc.codec != "" {
				b = compress(t, tc.codec, body)
			}
			ok(t, post(t, s, "/api/v1/telemetry/batch", b, map[string]string{"Content-Encoding": tc.header}), 2)
		})
	}
	apiErr(t, post(t, s, "/api/v1/telemetry/batch", body, map[string]string{"Content-Encoding": "br"}), 415, "UNSUPPORTED_MEDIA_TYPE")
	apiErr(t, post(t, s, "/api/v1/telemetry/batch", body, map[string]string{"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE")
	apiErr(t, post(t, s, "/api/v1/telemetry/batch", body, map[string]string{"Content-Type": ""}), 415, "UNSUPPORTED_MEDIA_TYPE")
	ok(t, post(t, s, "/api/v1/telemetry/batch", body, map[string]string{"Content-Type": "application/json; charset=utf-8"}), 2)
	apiErr(t, post(t, s, "/api/v1/telemetry/batch", body, map[string]string{"Content-Encoding": "gzip"}), 400, "INVALID_JSON")
}

func TestBodyTooLarge(t *testing.T) {
	s := newServer(t, Options{MaxBodyBytes: 2048})
	big := interaction("A", strings.Repeat("x", 4096))
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", big, nil), 413, "PAYLOAD_TOO_LARGE")
	raw, err := json.Marshal(big)
	require.NoError(t, err)
	for _, tc := range []struct{ header, codec string }{{"gzip", "gzip"}, {"zstd", "zstd"}, {"snappy", "snappy-block"}, {"snappy", "snappy-framed"}, {"lz4", "lz4"}} {
		b := compress(t, tc.codec, raw)
		require.Less(t, len(b), 2048, "compressed body fits, decompressed does not")
		e := apiErr(t, post(t, s, "/api/v1/telemetry/ingest", b, map[string]string{"Content-Encoding": tc.header}), 413, "PAYLOAD_TOO_LARGE")
		assert.Contains(t, e.Error.Message, "decompressed", tc.codec)
	}
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)
}

func TestBatchTooLarge(t *testing.T) {
	s := newServer(t, Options{MaxBatch: 2})
	ok(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p"), interaction("A", "p")), nil), 2)
	e := apiErr(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p"), interaction("A", "p"), interaction("A", "p")), nil), 413, "PAYLOAD_TOO_LARGE")
	assert.JSONEq(t, `{"count":3,"max_batch":2}`, string(e.Error.Details))
	assert.Len(t, s.Interactions(), 2)
}

func TestRoutes(t *testing.T) {
	s := newServer(t, Options{})
	e := apiErr(t, post(t, s, "/api/v1/integrations/zapier/telemetry", interaction("A", "p"), nil), 404, "NOT_FOUND")
	assert.Contains(t, e.Error.Message, "/api/v1/integrations/zapier/telemetry")
	e = apiErr(t, post(t, s, "/api/v1/nope", interaction("A", "p"), nil), 404, "NOT_FOUND")
	assert.Contains(t, e.Error.Message, "/api/v1/nope")
	apiErr(t, get(t, s, http.MethodGet, "/"), 404, "NOT_FOUND")

	rec := get(t, s, http.MethodGet, "/api/v1/telemetry/batch")
	apiErr(t, rec, 405, "METHOD_NOT_ALLOWED")
	assert.Equal(t, "POST", rec.Header().Get("Allow"))
	apiErr(t, get(t, s, http.MethodPost, "/api/v1/interactions"), 405, "METHOD_NOT_ALLOWED")

	rec = get(t, s, http.MethodGet, "/healthz")
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "ok", rec.Body.String())
}

func TestRateLimitFreeTier(t *testing.T) {
	clock := newClock()
	s := newServer(t, Options{Clock: clock.Now})
	free := map[string]string{"X-Api-Key": freeKey}
	for i := 0; i < 200; i++ { // the burst; bodies are invalid to show limiting comes first
		require.Equal(t, 400, post(t, s, "/api/v1/telemetry/ingest", `{}`, free).Code, "request %d", i)
	}
	rec := post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), free)
	apiErr(t, rec, 429, "RATE_LIMIT_EXCEEDED")
	assert.Equal(t, "1", rec.Header().Get("Retry-After"), "100/min refills one token in 0.6 s")
	// Other keys have their own bucket.
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 1)
	clock.Add(700 * time.Millisecond)
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), free), 1)
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), free), 429, "RATE_LIMIT_EXCEEDED")
	assert.Equal(t, int64(2), s.Stats().Requests[429])
}

func TestRateLimitRetryAfterRoundsUp(t *testing.T) {
	s := newServer(t, Options{Clock: newClock().Now})
	// Drain 200 tokens plus one reservation's worth: with rejected requests
	// cancelled, the wait stays at 0.6 s → 1 s.
	lim := func() int {
		return s.rateLimit(freeKey, TierFree)
	}
	for i := 0; i < 200; i++ {
		require.Zero(t, lim())
	}
	for i := 0; i < 5; i++ {
		assert.Equal(t, 1, lim())
	}
}

func TestStats(t *testing.T) {
	s := newServer(t, Options{})
	ok(t, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p"), interaction("B", "p")), nil), 2)
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", `{}`, map[string]string{"X-Api-Key": "bad"}), 401, "INVALID_API_KEY")
	apiErr(t, post(t, s, "/api/v1/nope", `{}`, nil), 404, "NOT_FOUND")
	get(t, s, http.MethodGet, "/healthz") // inspection endpoints are not counted

	rec := get(t, s, http.MethodGet, "/api/v1/stats")
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var st map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
	assert.Equal(t, map[string]any{"200": 1.0, "401": 1.0, "404": 1.0}, st["requests"])
	assert.Equal(t, 2.0, st["interactions_accepted"])
	assert.Greater(t, st["bytes_received"], 10.0)

	s.Reset()
	assert.Equal(t, Stats{Requests: map[int]int64{}}, s.Stats())
	assert.Empty(t, s.Interactions())
}

func TestJSONLStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.jsonl")
	s := newServer(t, Options{StorePath: path})
	first := `{"agentId":"A","prompt":"p<&>","response":"r","metadata":{"timestamp":"2026-08-20T14:03:11Z"},"toolCalls":[]}`
	a := ok(t, post(t, s, "/api/v1/telemetry/batch", `{"interactions":[`+first+`,`+exampleInteraction+`]}`, nil), 2)
	b := ok(t, post(t, s, "/api/v1/integrations/n8n/telemetry", exampleInteraction, nil), 1)

	// Written per request: readable before Close.
	lines := readJSONL(t, path)
	require.Len(t, lines, 3)
	assert.Equal(t, append(a.IDs, b.IDs...), []string{lines[0].ID, lines[1].ID, lines[2].ID})
	assert.Equal(t, "n8n", lines[2].Platform)
	assert.JSONEq(t, exampleInteraction, string(lines[2].Interaction))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(raw), `{"id":"`+lines[0].ID+`",`))
	assert.Contains(t, string(raw), `"interaction":`+first+`}`, "stored as sent, without HTML escaping")

	require.NoError(t, s.Close())
	// A second server appends.
	s2 := newServer(t, Options{StorePath: path})
	ok(t, post(t, s2, "/api/v1/telemetry/ingest", interaction("C", "p"), nil), 1)
	require.NoError(t, s2.Close())
	assert.Len(t, readJSONL(t, path), 4)
}

func readJSONL(t *testing.T, path string) []Stored {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []Stored
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var st Stored
		require.NoError(t, json.Unmarshal(sc.Bytes(), &st), sc.Text())
		out = append(out, st)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestKeyNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&logs, format+"\n", args...)
	}
	clock := newClock()
	s := newServer(t, Options{Logf: logf, Clock: clock.Now, MaxBatch: 1, Faults: Faults{RejectMarker: "BAD"}})
	const unknown = "sk-unknown-SECRET-9999"
	var bodies []string
	send := func(body any, headers map[string]string) {
		bodies = append(bodies, post(t, s, "/api/v1/telemetry/ingest", body, headers).Body.String())
	}
	send(interaction("A", "p"), nil)
	send(interaction("A", "BAD"), nil)
	send(`{`, nil)
	send(interaction("A", "p"), map[string]string{"X-Api-Key": unknown})
	send(interaction("A", "p"), map[string]string{"X-Api-Key": "", "Authorization": "Bearer " + unknown})
	send(interaction("A", "p"), map[string]string{"X-Api-Key": revokedKey})
	send(interaction("A", "p"), map[string]string{"Content-Type": "text/plain"})
	for i := 0; i < 201; i++ {
		send(`{}`, map[string]string{"X-Api-Key": freeKey})
	}
	bodies = append(bodies, post(t, s, "/api/v1/telemetry/batch", batchOf(interaction("A", "p"), interaction("A", "p")), nil).Body.String())
	s.SetFaults(Faults{ErrorRate: 1, RetryAfter: 2})
	send(interaction("A", "p"), nil)
	bodies = append(bodies, get(t, s, http.MethodGet, "/api/v1/interactions").Body.String(),
		get(t, s, http.MethodGet, "/api/v1/stats").Body.String(), get(t, s, http.MethodGet, "/admin/faults").Body.String())

	require.NotEmpty(t, logs.String())
	for _, secret := range []string{testKey, freeKey, revokedKey, unknown, "SECRET"} {
		for _, b := range bodies {
			assert.NotContains(t, b, secret)
		}
		assert.NotContains(t, logs.String(), secret)
	}
	_, err := New(Options{Keys: map[string]string{testKey: "gold"}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRET")
}

func TestSchemaOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":["only"]}`), 0o600))
	s := newServer(t, Options{SchemaPath: path})
	ok(t, post(t, s, "/api/v1/telemetry/ingest", `{"only":1}`, nil), 1)
	d := details(t, apiErr(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), nil), 400, "INVALID_REQUEST"))
	assert.Equal(t, "/only", d[0].Path)

	_, err := New(Options{SchemaPath: filepath.Join(t.TempDir(), "missing.json")})
	assert.Error(t, err)
}

func TestNewDefaults(t *testing.T) {
	s, err := New(Options{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, DefaultMaxBatch, s.opts.MaxBatch)
	assert.Equal(t, int64(DefaultMaxBodyBytes), s.opts.MaxBodyBytes)
	ok(t, post(t, s, "/api/v1/telemetry/ingest", interaction("A", "p"), map[string]string{"X-Api-Key": DefaultKey}), 1)
	_, err = New(Options{Faults: Faults{ErrorRate: 2}})
	assert.Error(t, err)
}
