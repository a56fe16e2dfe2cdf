package precogxwebhookreceiver // import "github.com/precogx/precogxexporter/precogxwebhookreceiver"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Error codes of the PrecogX API error shape that the receiver answers with.
const (
	codeInvalidJSON      = "INVALID_JSON"
	codeInvalidRequest   = "INVALID_REQUEST"
	codeMissingField     = "MISSING_REQUIRED_FIELD"
	codeInvalidFieldType = "INVALID_FIELD_TYPE"
)

// Names of the log record's attributes (see README.md, "The log record").
const (
	attrEventName        = "event.name"
	attrThreatType       = "precogx.threat.type"
	attrThreatSeverity   = "precogx.threat.severity"
	attrThreatConfidence = "precogx.threat.confidence"
	attrAgentName        = "gen_ai.agent.name"
	detailsPrefix        = "precogx.details."
	eventNamePrefix      = "precogx."
)

// alert is one decoded webhook body. Optional fields that were absent (or
// JSON null) are left unset; other details keep their JSON types, with
// numbers as float64.
type alert struct {
	event                         string
	agentID, threatType, severity optString
	timestamp                     time.Time // zero: absent or not RFC 3339
	confidence                    optFloat
	description                   optString
	details                       []detail // sorted by key, without confidence and description
}

type optString struct {
	v  string
	ok bool
}

type optFloat struct {
	v  float64
	ok bool
}

type detail struct {
	key   string
	value any // string, float64, bool, nil, map[string]any, []any
}

// decodeError is a 400 answer: code and, for field errors, the field's path.
type decodeError struct {
	code, field, message string
}

func (e *decodeError) Error() string { return e.code + ": " + e.message }

func fieldError(code, field, format string, args ...any) *decodeError {
	return &decodeError{code: code, field: field, message: fmt.Sprintf(format, args...)}
}

// decodeAlert reads one alert. Only event (a non-empty string) is required;
// a present field of the wrong type is an error naming it; unknown top-level
// keys are ignored, so later API versions may add them.
func decodeAlert(body []byte) (*alert, *decodeError) {
	if !json.Valid(body) {
		return nil, fieldError(codeInvalidJSON, "", "the body is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers are checked and converted here, not rounded silently
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fieldError(codeInvalidJSON, "", "the body is not valid JSON")
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, fieldError(codeInvalidRequest, "", "the body must be one JSON object (one alert per request)")
	}

	a := &alert{}
	switch ev := obj["event"].(type) {
	case nil:
		return nil, fieldError(codeMissingField, "event", "event is required")
	case string:
		if ev == "" {
			return nil, fieldError(codeMissingField, "event", "event must not be empty")
		}
		a.event = ev
	default:
		return nil, typeError("event", "a string")
	}
	var err *decodeError
	if a.agentID, err = optionalString(obj, "agentId", ""); err != nil {
		return nil, err
	}
	if a.threatType, err = optionalString(obj, "threatType", ""); err != nil {
		return nil, err
	}
	if a.severity, err = optionalString(obj, "severity", ""); err != nil {
		return nil, err
	}
	if ts, ok := obj["timestamp"].(string); ok {
		a.timestamp = parseTimestamp(ts)
	}

	switch d := obj["details"].(type) {
	case nil:
	case map[string]any:
		if a.description, err = optionalString(d, "description", "details."); err != nil {
			return nil, err
		}
		switch c := d["confidence"].(type) {
		case nil:
		case json.Number:
			f, ok := toFloat(c)
			if !ok {
				return nil, typeError("details.confidence", "a number that fits a double")
			}
			a.confidence = optFloat{f, true}
		default:
			return nil, typeError("details.confidence", "a number")
		}
		for k, v := range d {
			if k == "confidence" || k == "description" {
				continue
			}
			cv, bad := convert(v, "details."+k)
			if bad != "" {
				return nil, typeError(bad, "a number that fits a double")
			}
			a.details = append(a.details, detail{key: k, value: cv})
		}
		slices.SortFunc(a.details, func(x, y detail) int { return strings.Compare(x.key, y.key) })
	default:
		return nil, typeError("details", "an object")
	}
	return a, nil
}

func typeError(field, want string) *decodeError {
	return fieldError(codeInvalidFieldType, field, "%s must be %s", field, want)
}

// optionalString reads obj[key]: absent or null is unset, a string is kept,
// anything else is a type error naming prefix+key.
func optionalString(obj map[string]any, key, prefix string) (optString, *decodeError) {
	switch v := obj[key].(type) {
	case nil:
		return optString{}, nil
	case string:
		return optString{v, true}, nil
	default:
		return optString{}, typeError(prefix+key, "a string")
	}
}

// parseTimestamp accepts RFC 3339 with any offset and keeps fractional
// seconds; anything else, or a time a log record cannot hold (before 1970,
// after 2262), is the zero time.
func parseTimestamp(s string) time.Time {
	// RFC 3339 allows a lower-case "t" and "z"; Go's layout does not.
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil || t.Before(time.Unix(0, 0)) || t.After(time.Unix(0, math.MaxInt64)) {
		return time.Time{}
	}
	return t
}

func toFloat(n json.Number) (float64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}

// convert turns json.Number into float64 throughout v; bad is the path of a
// number that does not fit a double.
func convert(v any, path string) (out any, bad string) {
	switch x := v.(type) {
	case json.Number:
		f, ok := toFloat(x)
		if !ok {
			return nil, path
		}
		return f, ""
	case map[string]any:
		for k, e := range x {
			if x[k], bad = convert(e, path+"."+k); bad != "" {
				return nil, bad
			}
		}
		return x, ""
	case []any:
		for i, e := range x {
			if x[i], bad = convert(e, path+"["+strconv.Itoa(i)+"]"); bad != "" {
				return nil, bad
			}
		}
		return x, ""
	default:
		return v, ""
	}
}

// severityNumber matches the severity case-insensitively; other values are 0.
func severityNumber(s string) plog.SeverityNumber {
	switch {
	case strings.EqualFold(s, "low"):
		return plog.SeverityNumberInfo
	case strings.EqualFold(s, "medium"):
		return plog.SeverityNumberWarn
	case strings.EqualFold(s, "high"):
		return plog.SeverityNumberError
	case strings.EqualFold(s, "critical"):
		return plog.SeverityNumberFatal
	}
	return plog.SeverityNumberUnspecified
}

// toLogRecord fills lr with the alert as the README (Alerts back from PrecogX) describes; received
// is the time the request came in.
func (a *alert) toLogRecord(received time.Time, lr plog.LogRecord) {
	recv := pcommon.NewTimestampFromTime(received)
	lr.SetObservedTimestamp(recv)
	if a.timestamp.IsZero() {
		lr.SetTimestamp(recv)
	} else {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(a.timestamp))
	}
	if a.description.ok {
		lr.Body().SetStr(a.description.v)
	}
	if a.severity.ok {
		lr.SetSeverityText(a.severity.v)
		lr.SetSeverityNumber(severityNumber(a.severity.v))
	}
	name := eventNamePrefix + a.event
	lr.SetEventName(name)

	attrs := lr.Attributes()
	attrs.EnsureCapacity(5 + len(a.details))
	attrs.PutStr(attrEventName, name)
	if a.threatType.ok {
		attrs.PutStr(attrThreatType, a.threatType.v)
	}
	if a.severity.ok {
		attrs.PutStr(attrThreatSeverity, a.severity.v)
	}
	if a.confidence.ok {
		attrs.PutDouble(attrThreatConfidence, a.confidence.v)
	}
	if a.agentID.ok {
		attrs.PutStr(attrAgentName, a.agentID.v)
	}
	for _, d := range a.details {
		// FromRaw maps float64, bool, string, nil, map[string]any and []any
		// to their pdata types; convert left no other type.
		_ = attrs.PutEmpty(detailsPrefix + d.key).FromRaw(d.value)
	}
}
