package pdatautil // import "github.com/precogx/precogxexporter/internal/pdatautil"

import "go.opentelemetry.io/collector/pdata/pcommon"

// MapSize estimates the memory a map of attributes takes.
func MapSize(m pcommon.Map) int64 {
	var n int64
	m.Range(func(k string, v pcommon.Value) bool {
		n += int64(32+len(k)) + ValueSize(v)
		return true
	})
	return n
}

// ValueSize estimates the memory a value takes (its JSON length for strings).
func ValueSize(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return int64(len(v.Str()))
	case pcommon.ValueTypeBytes:
		return int64(v.Bytes().Len())
	case pcommon.ValueTypeMap:
		return MapSize(v.Map())
	case pcommon.ValueTypeSlice:
		var n int64
		for i := 0; i < v.Slice().Len(); i++ {
			n += 24 + ValueSize(v.Slice().At(i))
		}
		return n
	}
	return 8
}
