package precogxwebhookreceiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/precogx/precogxexporter/internal/logtest"
)

// exampleAlert is the API reference's example webhook body.
var exampleAlert = func() string {
	b, err := os.ReadFile(filepath.Join("testdata", "alerts", "example.json"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

var received = time.Date(2026, 8, 20, 14, 3, 12, 0, time.UTC)

func mapAlert(t *testing.T, body string) logtest.Record {
	t.Helper()
	a, err := decodeAlert([]byte(body))
	require.Nil(t, err, "decode %s", body)
	lr := plog.NewLogRecord()
	a.toLogRecord(received, lr)
	return logtest.View(lr)
}

func TestMapExampleAlert(t *testing.T) {
	got := mapAlert(t, exampleAlert)
	assert.Equal(t, logtest.Record{
		Body:           "Prompt injection attempt detected in user input",
		Time:           time.Date(2026, 8, 20, 14, 3, 11, 250_000_000, time.UTC),
		Observed:       received,
		SeverityNumber: plog.SeverityNumberError,
		SeverityText:   "high",
		EventName:      "precogx.threat_detected",
		Attrs: map[string]any{
			"event.name":                "precogx.threat_detected",
			"precogx.threat.type":       "prompt_injection",
			"precogx.threat.severity":   "high",
			"precogx.threat.confidence": 0.95,
			"gen_ai.agent.name":         "customer-support-bot",
		},
	}, got)
}

func TestMapSeverity(t *testing.T) {
	tests := []struct {
		sent string
		want plog.SeverityNumber
	}{
		{"low", plog.SeverityNumberInfo},
		{"LOW", plog.SeverityNumberInfo},
		{"medium", plog.SeverityNumberWarn},
		{"Medium", plog.SeverityNumberWarn},
		{"high", plog.SeverityNumberError},
		{"HiGh", plog.SeverityNumberError},
		{"critical", plog.SeverityNumberFatal},
		{"CRITICAL", plog.SeverityNumberFatal},
		{"severe", plog.SeverityNumberUnspecified},
		{" high", plog.SeverityNumberUnspecified},
		{"", plog.SeverityNumberUnspecified},
	}
	for _, tt := range tests {
		t.Run(tt.sent, func(t *testing.T) {
			got := mapAlert(t, `{"event":"threat_detected","severity":"`+tt.sent+`"}`)
			assert.Equal(t, tt.want, got.SeverityNumber)
			assert.Equal(t, tt.sent, got.SeverityText, "severity text as sent")
			assert.Equal(t, tt.sent, got.Attrs["precogx.threat.severity"])
		})
	}
}

func TestMapTimestamp(t *testing.T) {
	tests := []struct {
		name, ts string // ts is the JSON value
		want     time.Time
	}{
		{"utc", `"2026-08-20T14:03:11Z"`, time.Date(2026, 8, 20, 14, 3, 11, 0, time.UTC)},
		{"offset", `"2026-08-20T16:03:11+02:00"`, time.Date(2026, 8, 20, 14, 3, 11, 0, time.UTC)},
		{"negative offset, nanoseconds", `"2026-08-20T09:33:11.123456789-04:30"`, time.Date(2026, 8, 20, 14, 3, 11, 123456789, time.UTC)},
		{"microseconds", `"2026-08-20T14:03:11.000001Z"`, time.Date(2026, 8, 20, 14, 3, 11, 1000, time.UTC)},
		{"lower-case t and z", `"2026-08-20t14:03:11.5z"`, time.Date(2026, 8, 20, 14, 3, 11, 500_000_000, time.UTC)},
		{"absent", ``, received},
		{"null", `null`, received},
		{"number", `1787234591`, received},
		{"object", `{}`, received},
		{"no zone", `"2026-08-20T14:03:11"`, received},
		{"space separator", `"2026-08-20 14:03:11Z"`, received},
		{"date only", `"2026-08-20"`, received},
		{"hour 24", `"2026-08-20T24:00:00Z"`, received},
		{"empty", `""`, received},
		{"before 1970", `"1969-12-31T23:59:59Z"`, received},
		{"after 2262", `"2300-01-01T00:00:00Z"`, received},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"event":"threat_detected"}`
			if tt.ts != "" {
				body = `{"event":"threat_detected","timestamp":` + tt.ts + `}`
			}
			got := mapAlert(t, body)
			assert.True(t, tt.want.Equal(got.Time), "time %s, want %s", got.Time, tt.want)
			assert.True(t, received.Equal(got.Observed), "observed time is always the receive time")
		})
	}
}

func TestMapMinimalAndOtherEvents(t *testing.T) {
	got := mapAlert(t, `{"event":"threat_detected"}`)
	assert.Equal(t, logtest.Record{
		Time: received, Observed: received, EventName: "precogx.threat_detected",
		Attrs: map[string]any{"event.name": "precogx.threat_detected"},
	}, got, "absent fields leave their attributes, body and severity out")

	got = mapAlert(t, `{"event":"policy_violation","agentId":"a1","threatType":"data_exfiltration","severity":"medium",
		"unknownTopLevel":{"x":1},"details":{"description":"d","ruleId":"r-7"}}`)
	assert.Equal(t, logtest.Record{
		Body: "d", Time: received, Observed: received, SeverityNumber: plog.SeverityNumberWarn, SeverityText: "medium",
		EventName: "precogx.policy_violation",
		Attrs: map[string]any{
			"event.name":              "precogx.policy_violation",
			"precogx.threat.type":     "data_exfiltration",
			"precogx.threat.severity": "medium",
			"gen_ai.agent.name":       "a1",
			"precogx.details.ruleId":  "r-7",
		},
	}, got, "another event passes through the same way; unknown top-level keys are ignored")

	got = mapAlert(t, `{"event":"threat_detected","agentId":null,"severity":null,"details":null}`)
	assert.Equal(t, map[string]any{"event.name": "precogx.threat_detected"}, got.Attrs, "null is absent")
	assert.Empty(t, got.SeverityText)
}

func TestMapDetailsTypes(t *testing.T) {
	got := mapAlert(t, `{"event":"threat_detected","details":{
		"confidence": 1,
		"description": "desc",
		"count": 3,
		"ratio": 0.25,
		"big": 12345678901234567890,
		"flag": true,
		"note": "text",
		"nothing": null,
		"matched": ["ignore", 2, {"k": 1.5}],
		"location": {"field": "prompt", "offsets": [0, 28], "nested": {"deep": false}}
	}}`)
	assert.Equal(t, "desc", got.Body)
	assert.Equal(t, map[string]any{
		"event.name":                "precogx.threat_detected",
		"precogx.threat.confidence": 1.0, // an integer confidence is still a double
		"precogx.details.count":     3.0,
		"precogx.details.ratio":     0.25,
		"precogx.details.big":       1.2345678901234567e19,
		"precogx.details.flag":      true,
		"precogx.details.note":      "text",
		"precogx.details.nothing":   nil,
		"precogx.details.matched":   []any{"ignore", 2.0, map[string]any{"k": 1.5}},
		"precogx.details.location": map[string]any{
			"field": "prompt", "offsets": []any{0.0, 28.0}, "nested": map[string]any{"deep": false},
		},
	}, got.Attrs, "confidence and description are not repeated under precogx.details")

	a, err := decodeAlert([]byte(`{"event":"e","details":{"z":1,"a":2,"m":3}}`))
	require.Nil(t, err)
	lr := plog.NewLogRecord()
	a.toLogRecord(received, lr)
	var keys []string
	for k := range lr.Attributes().All() {
		keys = append(keys, k)
	}
	assert.Equal(t, []string{"event.name", "precogx.details.a", "precogx.details.m", "precogx.details.z"}, keys, "a stable order")
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, body  string
		code, field string
	}{
		{"empty body", ``, codeInvalidJSON, ""},
		{"not JSON", `event=threat_detected`, codeInvalidJSON, ""},
		{"truncated", `{"event":"threat_detected"`, codeInvalidJSON, ""},
		{"trailing data", `{"event":"a"} {"event":"b"}`, codeInvalidJSON, ""},
		{"array", `[{"event":"threat_detected"}]`, codeInvalidRequest, ""},
		{"string", `"threat_detected"`, codeInvalidRequest, ""},
		{"number", `42`, codeInvalidRequest, ""},
		{"null", `null`, codeInvalidRequest, ""},
		{"missing event", `{"agentId":"a"}`, codeMissingField, "event"},
		{"null event", `{"event":null}`, codeMissingField, "event"},
		{"empty event", `{"event":""}`, codeMissingField, "event"},
		{"event number", `{"event":1}`, codeInvalidFieldType, "event"},
		{"event object", `{"event":{"type":"threat_detected"}}`, codeInvalidFieldType, "event"},
		{"agentId number", `{"event":"e","agentId":7}`, codeInvalidFieldType, "agentId"},
		{"threatType array", `{"event":"e","threatType":["a"]}`, codeInvalidFieldType, "threatType"},
		{"severity number", `{"event":"e","severity":3}`, codeInvalidFieldType, "severity"},
		{"details string", `{"event":"e","details":"x"}`, codeInvalidFieldType, "details"},
		{"details array", `{"event":"e","details":[]}`, codeInvalidFieldType, "details"},
		{"confidence string", `{"event":"e","details":{"confidence":"0.9"}}`, codeInvalidFieldType, "details.confidence"},
		{"confidence too large", `{"event":"e","details":{"confidence":1e400}}`, codeInvalidFieldType, "details.confidence"},
		{"description number", `{"event":"e","details":{"description":5}}`, codeInvalidFieldType, "details.description"},
		{"detail number too large", `{"event":"e","details":{"x":{"y":[1,-1e999]}}}`, codeInvalidFieldType, "details.x.y[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := decodeAlert([]byte(tt.body))
			require.NotNil(t, err, "decoded %+v", a)
			assert.Nil(t, a)
			assert.Equal(t, tt.code, err.code)
			assert.Equal(t, tt.field, err.field)
			assert.NotEmpty(t, err.message)
			if tt.field != "" {
				assert.Contains(t, err.message, tt.field, "the message names the field")
			}
		})
	}
}

func TestDecodeKeepsInvalidUTF8Readable(t *testing.T) {
	got := mapAlert(t, "{\"event\":\"threat_detected\",\"details\":{\"description\":\"bad \xff byte\"}}")
	assert.True(t, strings.HasPrefix(got.Body.(string), "bad "), "%q", got.Body)
}
