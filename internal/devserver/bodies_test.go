package devserver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBodiesDir: every API body lands in the directory as received after
// decompression, the rejected ones too, and nothing else does.
func TestBodiesDir(t *testing.T) {
	dir := t.TempDir()
	s := newServer(t, Options{BodiesDir: dir})
	body, err := json.Marshal(batchOf(interaction("A", "first"), interaction("B", "second")))
	require.NoError(t, err)
	ok(t, post(t, s, "/api/v1/telemetry/batch", compress(t, "gzip", body), map[string]string{"Content-Encoding": "gzip"}), 2)
	apiErr(t, post(t, s, "/api/v1/telemetry/ingest", map[string]any{"agentId": "A"}, nil), 400, "INVALID_REQUEST")
	get(t, s, "GET", "/api/v1/interactions")

	files, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.Len(t, files, 2)
	first, err := os.ReadFile(filepath.Join(dir, "body-000001.json"))
	require.NoError(t, err)
	assert.Equal(t, body, first)
	second, err := os.ReadFile(filepath.Join(dir, "body-000002.json"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"agentId":"A"}`, string(second))
}
