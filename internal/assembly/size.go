package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// spanSize estimates the memory a held span takes.
func spanSize(s ptrace.Span) int64 {
	n := int64(200+len(s.Name())) + pdatautil.MapSize(s.Attributes())
	evs := s.Events()
	for i := 0; i < evs.Len(); i++ {
		n += int64(64+len(evs.At(i).Name())) + pdatautil.MapSize(evs.At(i).Attributes())
	}
	return n
}

func logSize(lr plog.LogRecord) int64 {
	return 160 + pdatautil.MapSize(lr.Attributes()) + pdatautil.ValueSize(lr.Body())
}
