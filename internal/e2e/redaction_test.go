package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

const hashKey = "e2e-hash-key-0f9c2a"

// TestRedactionThroughTheCollector sends support turns full of personal data
// and secrets through the built collector with examples/demo/redacted.yaml
// and searches every request body the devserver received, raw and decoded,
// for each original value; the look-alikes must arrive unchanged.
func TestRedactionThroughTheCollector(t *testing.T) {
	bodies := t.TempDir()
	s := startStackWith(t, filepath.Join("examples", "demo", "redacted.yaml"), []string{"PRECOGX_HASH_KEY=" + hashKey}, "-bodies", bodies)
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "support-desk")
	genaitest.SupportTurns(rs.ScopeSpans().AppendEmpty().Spans(), time.Now().Add(-time.Minute))
	body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.col.PostOTLP(ctx, "traces", body))

	items, err := s.dev.WaitInteractions(3, 20*time.Second)
	require.NoError(t, err)
	require.Len(t, items, 3)

	files, err := filepath.Glob(filepath.Join(bodies, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(raw) + "\n" + strings.Join(jsonStrings(t, raw), "\n")
		for _, v := range genaitest.SupportValues {
			assert.NotContains(t, text, v, "%s", filepath.Base(f))
		}
		for _, id := range genaitest.SupportIDs {
			assert.NotContains(t, text, id)
		}
	}

	var stored []string
	for _, it := range items {
		stored = append(stored, jsonStrings(t, it.Interaction)...)
		var ix struct {
			UserID, SessionID, ConversationID string
			Metadata                          map[string]any
		}
		require.NoError(t, json.Unmarshal(it.Interaction, &ix))
		assert.Equal(t, []string{hmacHex(genaitest.SupportIDs[0]), hmacHex(genaitest.SupportIDs[1]), hmacHex(genaitest.SupportIDs[2])},
			[]string{ix.UserID, ix.SessionID, ix.ConversationID})
		assert.NotContains(t, ix.Metadata, "ip_address")
	}
	all := strings.Join(stored, "\n")
	for _, d := range genaitest.SupportDecoys {
		assert.Contains(t, all, d, "a look-alike is not a value")
	}
	for _, m := range []string{"[EMAIL]", "[PHONE]", "[CARD]", "[SECRET]", "[IP]", "[CONTRACT]"} {
		assert.Contains(t, all, m)
	}
	log := s.col.Log()
	for _, v := range genaitest.SupportValues {
		assert.NotContains(t, log, v, "the collector log")
	}
}

func hmacHex(id string) string {
	m := hmac.New(sha256.New, []byte(hashKey))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

// jsonStrings returns every string of a JSON document, keys included, decoded.
func jsonStrings(t *testing.T, raw []byte) []string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
