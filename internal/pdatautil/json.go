package pdatautil // import "github.com/precogx/precogxexporter/internal/pdatautil"

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// AppendJSONValue writes a pdata value as JSON (maps as objects, bytes as
// base64 text, NaN and infinities as null).
func AppendJSONValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return AppendJSONString(b, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(b, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return AppendJSONFloat(b, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(b, v.Bool())
	case pcommon.ValueTypeMap:
		b = append(b, '{')
		first := true
		v.Map().Range(func(k string, mv pcommon.Value) bool {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = AppendJSONString(b, k)
			b = append(b, ':')
			b = AppendJSONValue(b, mv)
			return true
		})
		return append(b, '}')
	case pcommon.ValueTypeSlice:
		b = append(b, '[')
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONValue(b, s.At(i))
		}
		return append(b, ']')
	case pcommon.ValueTypeBytes:
		return AppendJSONString(b, v.AsString())
	default:
		return append(b, "null"...)
	}
}

// AppendJSONFloat formats like encoding/json does; NaN and infinities as null.
func AppendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start, bytewise := 0, 0
	for i := 0; i < len(s); {
		// eight bytes at a time while they are printable ASCII other than
		// '"' and '\\' (prose mostly is; the byte loop was a tenth of the
		// mapping's CPU); after a word that is not, eight bytes one by one,
		// so that text in other scripts does not pay for the test twice
		if i >= bytewise {
			for i+8 <= len(s) && plainASCII8(s, i) {
				i += 8
			}
			if i == len(s) {
				break
			}
			bytewise = i + 8
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainASCII8 tells whether s[i:i+8] is printable ASCII without '"' and
// '\\', which JSON takes as they are.
func plainASCII8(s string, i int) bool {
	// a read-only view of the eight bytes, read as one word
	w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
	return w&highs == 0 && JSONPlainWord(w)
}

// JSONPlainWord tells whether none of the eight bytes of w (read little
// endian) is '"', '\\' or a control character below 0x20: the bytes a JSON
// string must escape. Bytes from 0x80 up (UTF-8) are plain here.
func JSONPlainWord(w uint64) bool { return JSONSpecial(w) == 0 }

// JSONSpecial flags (high bit of the byte) the bytes of w that JSONPlainWord
// refuses, each test exact for every byte (no carry or borrow crosses a
// byte, so a scan may take the lowest flag as the first byte to escape):
// (b|0x80)-0x20 keeps its high bit unless b&0x7f is below 0x20, and of bytes
// without a high bit (b&0x7f)+0x7f has one unless b is zero, which finds
// the bytes equal to c as zero bytes of w^c*ones.
func JSONSpecial(w uint64) uint64 {
	const lows = ^uint64(highs)
	below := ^((w | highs) - 0x20*ones) &^ w
	q := w ^ '"'*ones
	bs := w ^ '\\'*ones
	return (below | ^((q & lows) + lows | q) | ^((bs & lows) + lows | bs)) & highs
}
