package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import (
	"bytes"
	"encoding/json"
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// FromRaw normalises a JSON value: a string holding a JSON object or array
// becomes that object or array; text that is not JSON becomes a string.
func FromRaw(raw json.RawMessage) precogxapi.RawJSON {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		return FromText(s)
	}
	if !valid(raw) {
		return pdatautil.AppendJSONString(nil, string(raw))
	}
	return precogxapi.RawJSON(raw)
}

// FromText keeps text that is a JSON object or array as JSON, other text as
// a JSON string.
func FromText(s string) precogxapi.RawJSON {
	t := strings.TrimSpace(s)
	// read-only views: RawJSON is never written to
	if tb := unsafe.Slice(unsafe.StringData(t), len(t)); len(t) > 0 && (t[0] == '{' || t[0] == '[') && valid(tb) {
		return precogxapi.RawJSON(tb)
	}
	if s == "" {
		return nil
	}
	return pdatautil.AppendJSONString(nil, s)
}

// FromValue is an attribute value as JSON: strings as FromText reads them.
func FromValue(v pcommon.Value) precogxapi.RawJSON {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return FromText(v.Str())
	case pcommon.ValueTypeEmpty:
		return nil
	}
	return pdatautil.AppendJSONValue(nil, v)
}

// ValueJSON returns the JSON text of a content attribute, which arrives as a
// JSON string or as a structured value; nil for other types.
func ValueJSON(v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		// read-only view: the parsers never write to their input
		s := v.Str()
		return unsafe.Slice(unsafe.StringData(s), len(s))
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return pdatautil.AppendJSONValue(nil, v)
	}
	return nil
}

// LooksLikeJSON tells broken JSON from plain text, which some
// instrumentations write on purpose (system instructions as a string).
func LooksLikeJSON(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && (t[0] == '[' || t[0] == '{')
}

// unwrapTyped unwraps the AI SDK's {"type":"json"|"text","value":X} tool outputs.
func unwrapTyped(r precogxapi.RawJSON) precogxapi.RawJSON {
	if len(r) == 0 || r[0] != '{' {
		return r
	}
	var tv struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(r, &tv) != nil || len(tv.Value) == 0 {
		return r
	}
	switch tv.Type {
	case "json", "text", "error-text", "error-json":
		return FromRaw(tv.Value)
	}
	return r
}
