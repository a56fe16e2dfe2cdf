package pdatautil

import (
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestAppendJSONStringEscapes(t *testing.T) {
	for _, s := range []string{"plain", `quo"te`, `back\slash`, "ctl\x00\x1f\n\r\t", "<html>&", "\u2028\u2029", "emoji 🚀", "bad \xc3\x28"} {
		b := AppendJSONString(nil, s)
		var got string
		require.NoError(t, json.Unmarshal(b, &got), "%q -> %s", s, b)
		if utf8.ValidString(s) {
			assert.Equal(t, s, got)
		} else {
			assert.Equal(t, "bad \ufffd(", got)
		}
	}
}

func TestAppendJSONValue(t *testing.T) {
	v := pcommon.NewValueMap()
	require.NoError(t, v.Map().FromRaw(map[string]any{"s": "x", "i": 3, "f": 1.5, "b": true, "l": []any{1, "a"}, "n": nil}))
	v.Map().PutDouble("nan", math.NaN())
	v.Map().PutEmptyBytes("bytes").FromRaw([]byte("hi"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(AppendJSONValue(nil, v), &got))
	assert.Equal(t, map[string]any{"s": "x", "i": 3.0, "f": 1.5, "b": true, "l": []any{1.0, "a"}, "n": nil, "nan": nil, "bytes": "aGk="}, got)
	assert.Equal(t, "1e-07", string(AppendJSONFloat(nil, 1e-7)))
}
