package genai

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"github.com/precogx/precogxexporter/internal/redact"
)

// allRedaction turns every kind on, with a pattern and keyed id hashing.
func allRedaction() Redaction {
	return Redaction{Kinds: redact.Kinds(0).With(redact.Email).With(redact.Phone).With(redact.Card).With(redact.Secret).With(redact.IP),
		Patterns:      []redact.Rule{{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}},
		DropIPAddress: true, HashKey: []byte("hash-key-never-printed")}
}

func redactingMapper(t testing.TB, cfg Config, rd Redaction) *Mapper {
	t.Helper()
	cfg.Redaction = rd
	m, err := New(cfg)
	require.NoError(t, err)
	return m
}

func redactionConfig() Config {
	cfg := testConfig
	cfg.MetadataAttributes = genaitest.RedactionAttributes
	return cfg
}

func TestRule13RedactorOnlyWhenSomethingIsMasked(t *testing.T) {
	rd, err := newRedactor(Redaction{})
	require.NoError(t, err)
	assert.Nil(t, rd, "no redactor when everything is off")
	_, err = New(Config{Redaction: Redaction{Patterns: []redact.Rule{{Regex: "(unclosed"}}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redaction.patterns[0]")
}

func TestRule13RedactionCoversEveryField(t *testing.T) {
	td := genaitest.RedactionTurn()
	before := ptrace.NewTraces()
	td.CopyTo(before)
	ixs, st := redactingMapper(t, redactionConfig(), allRedaction()).Map(td)
	require.Len(t, ixs, 1)
	body := precogxapi.AppendInteraction(nil, &ixs[0].Interaction)
	for _, v := range genaitest.RedactionValues {
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
		st.Redacted, "ip: three in text, one metadata.ip_address left out")

	// the spans are not touched: a retry maps them again
	assert.Equal(t, before, td)
}

// TestRule13RedactionBeforeTruncation cuts the turn at every max_field_bytes:
// wherever the cut falls, no part of an original value goes out.
func TestRule13RedactionBeforeTruncation(t *testing.T) {
	fragments := []string{"jane", "doe@", "example", "7946", "0958", "555-", "4111", "1111", "55555", "4444", "AKIA", "EXAMPLE",
		"Ab3d", "203.", "db8:", "EMP-"}
	full := 0
	for limit := 1; limit <= 400; limit++ {
		cfg := redactionConfig()
		cfg.MaxFieldBytes = limit
		ixs, st := redactingMapper(t, cfg, allRedaction()).Map(genaitest.RedactionTurn())
		require.Len(t, ixs, 1)
		body := string(precogxapi.AppendInteraction(nil, &ixs[0].Interaction))
		for _, f := range fragments {
			require.NotContains(t, body, f, "max_field_bytes %d", limit)
		}
		if st.Truncated == 0 {
			full++
		}
	}
	assert.Positive(t, full, "large limits cut nothing")
}

// TestRule13RedactionOffLeavesPayloadsAlone: with every kind on, the shared
// samples and golden inputs (which hold no personal data) map to the same
// payloads, ids aside; with redaction off, byte for byte.
func TestRule13RedactionOffLeavesPayloadsAlone(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.traces.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	rc := Redaction{Kinds: redact.Kinds(0).With(redact.Email).With(redact.Phone).With(redact.Card).With(redact.Secret),
		Patterns: allRedaction().Patterns}
	for _, f := range files {
		rel := filepath.Base(f)
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		require.NoError(t, err)
		plain, _ := defaultMapper().Map(td)
		off, _ := redactingMapper(t, testConfig, Redaction{}).Map(td)
		on, st := redactingMapper(t, testConfig, rc).Map(td)
		assert.Equal(t, batchJSON(plain), batchJSON(off), rel)
		assert.Equal(t, string(batchJSON(plain)), string(batchJSON(on)), "%s: nothing to mask, nothing masked", rel)
		assert.Equal(t, redact.Counts{}, st.Redacted, rel)
	}
}

// TestRule13RedactionJSONShapes: plain strings, escapes, nesting, keys, numbers,
// and JSON that is returned as it was when nothing matches.
func TestRule13RedactionJSONShapes(t *testing.T) {
	rd, err := newRedactor(Redaction{Kinds: redact.Kinds(0).With(redact.Email).With(redact.Card)})
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

// TestRule13RedactionSkipsDroppedToolCalls: calls over maxToolCalls, which limit
// drops, are not scanned (nor counted).
func TestRule13RedactionSkipsDroppedToolCalls(t *testing.T) {
	llm := chatSpan("llm", "agent", 1, 2, userHi, answerOK)
	spans := []tSpan{{ID: "agent", Name: "invoke_agent", End: 1000, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}}, llm}
	for i := range maxToolCalls + 44 {
		spans = append(spans, tSpan{ID: fmt.Sprintf("t%d", i), Parent: "agent", Name: "execute_tool", Start: int64(3 + i), End: int64(4 + i),
			Attrs: map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "t", "gen_ai.tool.call.arguments": `{"to":"a@b.io"}`}})
	}
	ixs, st := redactingMapper(t, testConfig, Redaction{Kinds: redact.Kinds(0).With(redact.Email)}).Map(makeTraces(nil, spans...))
	require.Len(t, ixs, 1)
	assert.Len(t, ixs[0].ToolCalls, maxToolCalls)
	assert.Equal(t, int64(maxToolCalls), st.Redacted[redact.Email])
	assert.NotContains(t, string(precogxapi.AppendInteraction(nil, &ixs[0].Interaction)), "a@b.io")
}

// TestRule13HashedIDsRemembered: within a Map call an id is hashed once
// (a batch holds many turns of few users), the result equals the HMAC, at
// most maxHashed ids are kept, and nothing is kept after the call.
func TestRule13HashedIDsRemembered(t *testing.T) {
	m := redactingMapper(t, testConfig, Redaction{HashKey: []byte("k")})
	rd := m.redactor
	mac := hmac.New(sha256.New, []byte("k"))
	mac.Write([]byte("user-7"))
	want := hex.EncodeToString(mac.Sum(nil))

	hashed := map[string]string{}
	assert.Equal(t, want, rd.hash("user-7", hashed))
	assert.Equal(t, map[string]string{"user-7": want}, hashed)
	hashed["user-7"] = "remembered"
	assert.Equal(t, "remembered", rd.hash("user-7", hashed), "a second sighting is not hashed again")
	for i := range 2 * maxHashed {
		rd.hash(fmt.Sprint("u", i), hashed)
	}
	assert.Len(t, hashed, maxHashed)

	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := range 3 {
		genaitest.AgentTurn(ss, genaitest.TraceID("hash", i), time.Unix(1_800_000_000, 0), "hi", "ok")
	}
	out, _ := m.Map(td)
	require.Len(t, out, 3)
	mac.Reset()
	mac.Write([]byte("u-1"))
	for _, ix := range out {
		assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), ix.UserID)
	}
	r := m.runs.Get().(*run)
	assert.Empty(t, r.hashed, "a pooled run keeps no id")
	m.runs.Put(r)
}
