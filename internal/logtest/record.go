// Package logtest shows a log record as one comparable value, for the tests
// of the precogxwebhook receiver and of the alert loop through the collector.
package logtest // import "github.com/precogx/precogxexporter/internal/logtest"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Record is what the tests compare of a log record. Attrs keeps pdata's
// value types (float64 for doubles, int64 for ints); Body is nil when empty.
type Record struct {
	Body           any
	Time, Observed time.Time // UTC
	SeverityNumber plog.SeverityNumber
	SeverityText   string
	EventName      string
	Attrs          map[string]any
}

// View returns the Record of lr.
func View(lr plog.LogRecord) Record {
	var body any
	if lr.Body().Type() != pcommon.ValueTypeEmpty {
		body = lr.Body().AsRaw()
	}
	return Record{
		Body:           body,
		Time:           lr.Timestamp().AsTime(),
		Observed:       lr.ObservedTimestamp().AsTime(),
		SeverityNumber: lr.SeverityNumber(),
		SeverityText:   lr.SeverityText(),
		EventName:      lr.EventName(),
		Attrs:          lr.Attributes().AsRaw(),
	}
}
