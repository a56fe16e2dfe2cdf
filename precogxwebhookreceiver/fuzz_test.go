package precogxwebhookreceiver

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// FuzzDecodeAlert: any body is either refused with a documented code (and
// a field for field errors) or becomes one well-formed log record.
func FuzzDecodeAlert(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "alerts", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatal("no seeds in testdata/alerts")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	for _, s := range []string{`[]`, `{"event":1}`, `{"event":"e","details":{"confidence":"x"}}`, `{"event":"e","details":{"a":[1e999]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, derr := decodeAlert(body)
		if derr != nil {
			if a != nil {
				t.Fatal("an alert and an error")
			}
			switch derr.code {
			case codeInvalidJSON, codeInvalidRequest:
				if derr.field != "" {
					t.Fatalf("%s names field %q", derr.code, derr.field)
				}
			case codeMissingField, codeInvalidFieldType:
				if derr.field == "" || !strings.Contains(derr.message, derr.field) {
					t.Fatalf("%s without its field: %+v", derr.code, derr)
				}
			default:
				t.Fatalf("undocumented code %q", derr.code)
			}
			return
		}
		if !json.Valid(body) || a.event == "" {
			t.Fatalf("accepted %q (event %q)", body, a.event)
		}
		lr := plog.NewLogRecord()
		a.toLogRecord(received, lr)
		if lr.EventName() != "precogx."+a.event {
			t.Fatalf("event name %q", lr.EventName())
		}
		if v, _ := lr.Attributes().Get(attrEventName); v.Str() != lr.EventName() {
			t.Fatalf("event.name %q", v.Str())
		}
		if lr.Timestamp() == 0 || lr.ObservedTimestamp() != pcommon.NewTimestampFromTime(received) {
			t.Fatalf("times %v %v", lr.Timestamp(), lr.ObservedTimestamp())
		}
		if v, ok := lr.Attributes().Get(attrThreatConfidence); ok && v.Type() != pcommon.ValueTypeDouble {
			t.Fatalf("confidence is %s", v.Type())
		}
		for k, v := range lr.Attributes().All() {
			if k == "precogx.details.confidence" || k == "precogx.details.description" {
				t.Fatalf("%s repeated", k)
			}
			if hasInt(v) {
				t.Fatalf("%s holds an int: JSON numbers are doubles", k)
			}
		}
	})
}

func hasInt(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return true
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			if hasInt(e) {
				return true
			}
		}
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			if hasInt(e) {
				return true
			}
		}
	}
	return false
}
