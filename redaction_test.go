package precogxexporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/precogx/precogxexporter/internal/devserver"
	"github.com/precogx/precogxexporter/internal/metadatatest"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"github.com/precogx/precogxexporter/internal/redact"
)

// allRedaction turns every kind on, with a pattern and keyed id hashing.
func allRedaction() RedactionConfig {
	return RedactionConfig{Emails: true, PhoneNumbers: true, CreditCards: true, Secrets: true, IPAddresses: true,
		Patterns: []RedactionPattern{{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}},
		HashIDs:  true, HashKey: "hash-key-never-printed"}
}

func redactingMapper(t testing.TB, mcfg MappingConfig, rc RedactionConfig) *mapper {
	t.Helper()
	m := newMapper(mcfg, PlatformGeneric)
	var err error
	m.redactor, err = newRedactor(rc)
	require.NoError(t, err)
	return m
}

func TestRedactionConfig(t *testing.T) {
	cfg := loadConfig(t, "redaction")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, RedactionConfig{Emails: true, PhoneNumbers: true, CreditCards: true, Secrets: true, IPAddresses: true,
		Patterns: []RedactionPattern{{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}, {Regex: `(?i)ticket (\d+)`, Replacement: "ticket #$1"}},
		HashIDs:  true, HashKey: "hash-key-never-printed"}, cfg.Redaction)

	assert.Equal(t, RedactionConfig{}, loadConfig(t, "").Redaction, "everything off by default")
	rd, err := newRedactor(RedactionConfig{})
	require.NoError(t, err)
	assert.Nil(t, rd, "no redactor when everything is off")

	assertNeverPrinted(t, cfg, "hash-key-never-printed")
}

func TestInvalidRedactionConfig(t *testing.T) {
	for name, want := range map[string]string{
		"bad_pattern":      "redaction.patterns[1]: error parsing regexp: missing closing ): `(unclosed`",
		"hash_without_key": "redaction.hash_key: must be set when redaction.hash_ids is true",
		"hash_key_space":   "redaction.hash_key: has leading or trailing white space",
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
			assert.NotContains(t, err.Error(), "hash-key-never-printed")
			assert.NotContains(t, err.Error(), "patterns[0]", "indexes are zero-based: the first pattern is fine")
		})
	}
	for _, key := range []string{" k", "k ", "\tk", "k\x00k", "k\u2028"} {
		errs := (&RedactionConfig{HashIDs: true, HashKey: configopaque.String(key)}).validate()
		assert.NotEmpty(t, errs, "%q", key)
	}
	assert.Empty(t, (&RedactionConfig{HashIDs: true, HashKey: "a key with inner spaces"}).validate())
}

// The original values of the redaction turn, and where they are.
var pii = []string{
	"jane.doe@example.com", "ops@example.org", "+44 20 7946 0958", "(415) 555-2671", "4111 1111 1111 1111", "5555555555554444",
	"AKIAIOSFODNN7EXAMPLE", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w", "203.0.113.7", "2001:db8::42", "198.51.100.23", "EMP-123456",
	"abc.DEF-123", "user-42", "sess-7", "conv-9", "nested@example.net", "deep@example.io",
}

// redactionTurn is an agent turn with personal data and secrets in every
// field SPEC section 10.1 lists, and decoys beside them.
func redactionTurn() ptrace.Traces {
	in := `[{"role":"user","parts":[{"type":"text","content":"I am jane.doe@example.com, call +44 20 7946 0958 or (415) 555-2671. ` +
		`Card 4111 1111 1111 1111. Order 4155552671 at 10:30:00 on 2024-01-15, v1.2.3, $1,299.99, EMP-123456."}]}]`
	out := `[{"role":"assistant","parts":[{"type":"text","content":"Done; key AKIAIOSFODNN7EXAMPLE revoked, mail sent to ops@example.org from 203.0.113.7."}]}]`
	agent := tSpan{id: "agent", name: "invoke_agent", end: 100, attrs: map[string]any{
		"gen_ai.operation.name": "invoke_agent", "user.id": "user-42", "session.id": "sess-7", "gen_ai.conversation.id": "conv-9",
		"user_agent.original": "support-bot/2.1 (+mailto:ops@example.org) Chrome/120.0.0.0", "client.address": "198.51.100.23",
		"app.note":  map[string]any{"who": "nested@example.net", "list": []any{"x", map[string]any{"deep": "deep@example.io"}}, "n": 7},
		"app.plain": "token Bearer abc.DEF-123 from 2001:db8::42",
	}}
	tool := tSpan{id: "tool", parent: "agent", name: "execute_tool", start: 20, end: 30, attrs: map[string]any{
		"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "refund", "gen_ai.tool.call.id": "c1",
		"gen_ai.tool.call.arguments": `{"contact@corp.test":"key stays","card":"5555555555554444","amount":129999,` +
			`"meta":{"ip":"2001:db8::42","emails":["a\u0040b.io","ok"],"secret":"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"}}`,
		"gen_ai.tool.call.result": "refunded to card 4111-1111-1111-1111",
	}}
	return makeTraces(map[string]any{"service.name": "support"}, agent, chatSpan("llm", "agent", 1, 10, in, out), tool)
}

func redactionMapping() MappingConfig {
	mcfg := createDefaultConfig().(*Config).Mapping
	mcfg.MetadataAttributes = []string{"app.note", "app.plain"}
	return mcfg
}

func TestRedactionCoversEveryField(t *testing.T) {
	td := redactionTurn()
	before := ptrace.NewTraces()
	td.CopyTo(before)
	ixs, st := redactingMapper(t, redactionMapping(), allRedaction()).mapData(td)
	require.Len(t, ixs, 1)
	body := precogxapi.AppendInteraction(nil, &ixs[0].Interaction)
	for _, v := range pii {
		assert.NotContains(t, string(body), v)
	}
	assert.NotContains(t, string(body), "a@b.io")
	ix := decode(t, &ixs[0])
	assert.Equal(t, "I am [EMAIL], call [PHONE] or [PHONE]. Card [CARD]. Order 4155552671 at 10:30:00 on 2024-01-15, v1.2.3, $1,299.99, [EMPLOYEE].", ix["prompt"])
	assert.Equal(t, "Done; key [SECRET] revoked, mail sent to [EMAIL] from [IP].", ix["response"])
	tc := ix["toolCalls"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"contact@corp.test": "key stays", "card": "[CARD]", "amount": float64(129999),
		"meta": map[string]any{"ip": "[IP]", "emails": []any{"[EMAIL]", "ok"}, "secret": "[SECRET]"}}, tc["input"], "keys and numbers stay")
	assert.Equal(t, "refunded to card [CARD]", tc["output"])
	md := meta(ix)
	assert.Equal(t, "support-bot/2.1 (+mailto:[EMAIL]) Chrome/120.0.0.0", md["user_agent"])
	assert.NotContains(t, md, "ip_address")
	assert.Equal(t, map[string]any{"who": "[EMAIL]", "list": []any{"x", map[string]any{"deep": "[EMAIL]"}}, "n": float64(7)}, md["app.note"])
	assert.Equal(t, "token Bearer [SECRET] from [IP]", md["app.plain"])
	assert.Equal(t, "eef33caea8e27a2c4e7705fc0371ecd2b5a8679825a59bff249d84932f20a6fa", ix["userId"])
	assert.Equal(t, "3b6e654b10de602eeaa17e3252a7dd14886793c32f92ad179ab1b61cfc8c8493", ix["sessionId"])
	assert.Equal(t, "fb2476f4fb796bf7472d1eec598e11551da66df27a7bb535d0f48e06a79761f1", ix["conversationId"])
	assert.Equal(t, redact.Counts{redact.Email: 6, redact.Phone: 2, redact.Card: 3, redact.Secret: 3, redact.IP: 4, redact.Pattern: 1},
		st.redacted, "ip: three in text, one metadata.ip_address left out")

	// the spans are not touched: a retry maps them again
	assert.Equal(t, before, td)
}

// TestRedactionBeforeTruncation cuts the turn at every max_field_bytes:
// wherever the cut falls, no part of an original value goes out.
func TestRedactionBeforeTruncation(t *testing.T) {
	fragments := []string{"jane", "doe@", "example", "7946", "0958", "555-", "4111", "1111", "55555", "4444", "AKIA", "EXAMPLE",
		"Ab3d", "203.", "db8:", "EMP-"}
	full := 0
	for limit := 1; limit <= 400; limit++ {
		mcfg := redactionMapping()
		mcfg.MaxFieldBytes = limit
		ixs, st := redactingMapper(t, mcfg, allRedaction()).mapData(redactionTurn())
		require.Len(t, ixs, 1)
		body := string(precogxapi.AppendInteraction(nil, &ixs[0].Interaction))
		for _, f := range fragments {
			require.NotContains(t, body, f, "max_field_bytes %d", limit)
		}
		if st.truncated == 0 {
			full++
		}
	}
	assert.Positive(t, full, "large limits cut nothing")
}

// TestRedactionOffLeavesPayloadsAlone: with every kind on, the shared
// samples and golden inputs (which hold no personal data) map to the same
// payloads, ids aside; with redaction off, byte for byte.
func TestRedactionOffLeavesPayloadsAlone(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.traces.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	rc := allRedaction()
	rc.HashIDs, rc.IPAddresses = false, false
	for _, f := range files {
		rel, _ := filepath.Rel("testdata", f)
		td := loadTraces(t, rel)
		mcfg := createDefaultConfig().(*Config).Mapping
		plain, _ := defaultMapper().mapData(td)
		off, _ := redactingMapper(t, mcfg, RedactionConfig{}).mapData(td)
		on, st := redactingMapper(t, mcfg, rc).mapData(td)
		assert.Equal(t, batchJSON(plain), batchJSON(off), rel)
		assert.Equal(t, string(batchJSON(plain)), string(batchJSON(on)), "%s: nothing to mask, nothing masked", rel)
		assert.Equal(t, redact.Counts{}, st.redacted, rel)
	}
}

// TestRedactionJSONShapes: plain strings, escapes, nesting, keys, numbers,
// and JSON that is returned as it was when nothing matches.
func TestRedactionJSONShapes(t *testing.T) {
	rd, err := newRedactor(RedactionConfig{Emails: true, CreditCards: true})
	require.NoError(t, err)
	for in, want := range map[string]string{
		`"mail a@b.io"`:                                        `"mail [EMAIL]"`,
		`"line\nx@y.org\t\"q\""`:                               `"line\n[EMAIL]\t\"q\""`,
		`{"a@b.io" : "a@b.io", "n": 7}`:                        `{"a@b.io" : "[EMAIL]", "n": 7}`,
		`[["x\u0040y.org"],{"k":{"k":"4111 1111 1111 1111"}}]`: `[["[EMAIL]"],{"k":{"k":"[CARD]"}}]`,
		`{"k":"\ud83d\ude00 a@b.io"}`:                          `{"k":"😀 [EMAIL]"}`,
		`{"unterminated": "a@b.io`:                             `"{\"unterminated\": \"[EMAIL]"`,
		`{"k":""}`:                                             `{"k":""}`,
	} {
		var c redact.Counts
		assert.Equal(t, want, string(rd.json(precogxapi.RawJSON(in), &c)), in)
	}
	raw := precogxapi.RawJSON(`{"clean":["no values here", 1, true, null]}`)
	var c redact.Counts
	out := rd.json(raw, &c)
	assert.Same(t, &raw[0], &out[0], "unchanged JSON is not copied")
	assert.True(t, bytes.Equal(raw, out))
}

// bodyRecorder keeps every request body (decompressed) before the devserver
// sees it, and answers the first failFirst requests with 503.
type bodyRecorder struct {
	mu        sync.Mutex
	bodies    []string
	paths     []string
	failFirst int
}

func (br *bodyRecorder) wrap(t *testing.T, next http.Handler) string {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		body := raw
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			require.NoError(t, err)
			body, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		br.mu.Lock()
		br.bodies, br.paths = append(br.bodies, string(body)), append(br.paths, r.URL.Path)
		fail := len(br.bodies) <= br.failFirst
		br.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/api/v1"
}

// twoTurns is the redaction turn twice, in two traces; the second one's
// prompt carries the devserver's reject marker when reject is set.
func twoTurns(reject bool) ptrace.Traces {
	td := redactionTurn()
	second := redactionTurn()
	spans := second.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		sp := spans.At(i)
		sp.SetTraceID(traceID("1112131415161718191a1b1c1d1e1f20"))
		if v, ok := sp.Attributes().Get("gen_ai.input.messages"); ok && reject {
			v.SetStr(strings.Replace(v.Str(), "I am", "REJECT-ME I am", 1))
		}
	}
	second.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	return td
}

// TestRedactionOnEveryDeliveryPath: batch, ingest, a platform endpoint, a
// batch split after a 400 and a retry after a 503 all carry masked text only.
func TestRedactionOnEveryDeliveryPath(t *testing.T) {
	tests := []struct {
		name      string
		platform  Platform
		maxItems  int
		reject    bool
		failFirst int
		wantPaths []string
		stored    int
	}{
		{"batch", PlatformGeneric, 100, false, 0, []string{"/api/v1/telemetry/batch"}, 2},
		{"ingest", PlatformGeneric, 1, false, 0, repeat("/api/v1/telemetry/ingest", 2), 2},
		{"platform", PlatformN8N, 100, false, 0, repeat("/api/v1/integrations/n8n/telemetry", 2), 2},
		{"split after 400", PlatformGeneric, 100, true, 0,
			[]string{"/api/v1/telemetry/batch", "/api/v1/telemetry/ingest", "/api/v1/telemetry/ingest"}, 1},
		{"retry after 503", PlatformGeneric, 100, false, 1, repeat("/api/v1/telemetry/batch", 2), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := devserver.New(devserver.Options{Keys: map[string]string{testKey: "unlimited"},
				Faults: devserver.Faults{RejectMarker: "REJECT-ME"}})
			require.NoError(t, err)
			br := &bodyRecorder{failFirst: tt.failFirst}
			cfg := testConfig(br.wrap(t, srv))
			cfg.Platform, cfg.MaxBatchInteractions = tt.platform, tt.maxItems
			cfg.Mapping = redactionMapping()
			cfg.Redaction = allRedaction()
			require.NoError(t, cfg.Validate())
			e := startExporter(t, cfg)

			err = e.pushTraces(context.Background(), twoTurns(tt.reject))
			if tt.failFirst > 0 {
				require.Error(t, err)
				// the queue hands the same spans back: they are mapped and masked again
				err = e.pushTraces(context.Background(), twoTurns(tt.reject))
			}
			if tt.reject {
				require.True(t, consumererror.IsPermanent(err), "%v", err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantPaths, br.paths)
			for _, body := range br.bodies {
				assert.Contains(t, body, "[EMAIL]")
				for _, v := range pii {
					assert.NotContains(t, body, v)
				}
			}
			assert.Len(t, srv.Interactions(), tt.stored)
		})
	}
}

func TestValuesRedactedCounter(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.Mapping = redactionMapping()
	cfg.Redaction = allRedaction()
	e, err := newExporter(cfg, metadatatest.NewSettings(tt))
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = e.shutdown(context.Background()) })
	require.NoError(t, e.pushTraces(context.Background(), twoTurns(false)))

	kind := func(k string, v int64) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Value: v, Attributes: attribute.NewSet(attribute.String("kind", k))}
	}
	metadatatest.AssertEqualPrecogxValuesRedacted(t, tt, []metricdata.DataPoint[int64]{
		kind("email", 12), kind("phone", 4), kind("card", 6), kind("secret", 6), kind("ip", 8), kind("pattern", 2),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// FuzzRedactJSON: tool input and output stay valid JSON, redacting twice
// changes nothing, and only string values change.
func FuzzRedactJSON(f *testing.F) {
	for _, s := range []string{`{"a@b.io":"a@b.io","n":[1,"4111 1111 1111 1111",{"k":"\u0040x@y.org\n"}]}`, `"+44 20 7946 0958"`,
		`["10.0.0.1","2001:db8::1","sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"]`, `{"k":"\ud83d\ude00 Bearer abc.DEF-123"}`, `null`, `12`} {
		f.Add([]byte(s))
	}
	rd, err := newRedactor(allRedaction())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var c redact.Counts
		out := rd.json(precogxapi.RawJSON(data), &c)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON from %s: %s", data, out)
		}
		if again := rd.json(out, &c); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n in  %s\n out %s\n 2nd %s", data, out, again)
		}
		// numbers as written: 1E020000000 is valid JSON but no float64
		decode := func(b []byte) (v any) {
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			require.NoError(t, d.Decode(&v))
			return v
		}
		before, after := decode(data), decode(out)
		if (c == redact.Counts{}) {
			assert.Equal(t, before, after)
		}
	})
}

// BenchmarkRedactionMapAndEncode is BenchmarkMapAndEncode with every kind
// on, a pattern and id hashing, beside the same run with redaction off.
func BenchmarkRedactionMapAndEncode(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 64 << 10} {
		td := benchTraces(100, size)
		for _, mode := range []string{"off", "on"} {
			b.Run(fmt.Sprintf("msg=%dKiB/redaction=%s", size>>10, mode), func(b *testing.B) {
				rc := RedactionConfig{}
				if mode == "on" {
					rc = allRedaction()
				}
				m := redactingMapper(b, createDefaultConfig().(*Config).Mapping, rc)
				var buf []byte
				b.ReportAllocs()
				for b.Loop() {
					ixs, _ := m.mapData(td)
					for i := range ixs {
						buf = precogxapi.AppendInteraction(buf[:0], &ixs[i].Interaction)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*td.SpanCount()), "ns/span")
			})
		}
	}
}

// TestRedactionSkipsDroppedToolCalls: calls over maxToolCalls, which limit
// drops, are not scanned (nor counted).
func TestRedactionSkipsDroppedToolCalls(t *testing.T) {
	llm := chatSpan("llm", "agent", 1, 2, userHi, answerOK)
	spans := []tSpan{{id: "agent", name: "invoke_agent", end: 1000, attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}}, llm}
	for i := range maxToolCalls + 44 {
		spans = append(spans, tSpan{id: fmt.Sprintf("t%d", i), parent: "agent", name: "execute_tool", start: int64(3 + i), end: int64(4 + i),
			attrs: map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "t", "gen_ai.tool.call.arguments": `{"to":"a@b.io"}`}})
	}
	ixs, st := redactingMapper(t, createDefaultConfig().(*Config).Mapping, RedactionConfig{Emails: true}).mapData(makeTraces(nil, spans...))
	require.Len(t, ixs, 1)
	assert.Len(t, ixs[0].ToolCalls, maxToolCalls)
	assert.Equal(t, int64(maxToolCalls), st.redacted[redact.Email])
	assert.NotContains(t, string(precogxapi.AppendInteraction(nil, &ixs[0].Interaction)), "a@b.io")
}
