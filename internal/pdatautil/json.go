package pdatautil // import "github.com/precogx/precogxexporter/internal/pdatautil"

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"strings"
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
	i := 0
	if len(s) >= longText {
		// the plain prefix of a long text (often all of it) by SpecialScan
		i = plainEnd(s, 0)
	}
	for i < len(s) {
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

// ShortWords is how many words a string scan tests one by one before it
// takes the string for long text and finds its quotes and backslashes with
// the vector byte search (IndexByte): short strings end in them.
const ShortWords = 4

// longText is the length from which AppendJSONString scans the plain prefix
// with SpecialScan: a prompt of 1 KiB of prose in two thirds of the time of the
// word loop; done again after each escape, the scan made text in other
// scripts a fifth slower, so the loop keeps the rest.
const longText = 64

// SpecialScan finds the next '"' or '\\' in a long string by the vector
// byte search (IndexByte). Each position is searched for once (kept until
// the scan passes it), and the backslash only up to the quote (past it is
// another string's), so escapes do not make a scan quadratic. Between two
// such bytes the callers test only what remains (control bytes, bytes from
// 0x80 up) with a word test a third the cost of JSONSpecial.
type SpecialScan struct{ quote, backslash int }

// NewSpecialScan returns a scan that has searched for nothing yet.
func NewSpecialScan() SpecialScan { return SpecialScan{-1, -1} }

// Next is the position of the first '"' or '\\' in s from i on, len(s)
// when there is none.
func (l *SpecialScan) Next(s string, i int) int {
	if l.quote < i {
		l.quote = i + indexOr(s[i:], '"')
	}
	if l.backslash < i {
		l.backslash = i + indexOr(s[i:l.quote], '\\')
	}
	return min(l.quote, l.backslash)
}

// plainEnd is the start of the first word from i on that may not be plain
// (printable ASCII other than '"' and '\\'), or of the word that reaches the
// next quote or backslash.
func plainEnd(s string, i int) int {
	for range ShortWords { // text in other scripts stops here, before any search
		if i+8 > len(s) || !plainASCII8(s, i) {
			return i
		}
		i += 8
	}
	scan := NewSpecialScan()
	end := scan.Next(s, i)
	for ; i+8 <= end; i += 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		if ((w-0x20*ones)&^w|w)&highs != 0 {
			return i
		}
	}
	return i
}

// indexOr is the position of the first c in s, len(s) when none.
func indexOr(s string, c byte) int {
	if k := strings.IndexByte(s, c); k >= 0 {
		return k
	}
	return len(s)
}

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

// FirstControl is the position of the first byte below 0x20 in b (len(b)
// when there is none), eight bytes at a time: (w-0x20*ones)&^w flags such
// bytes, exactly from the lowest one up (a borrow only starts at a flagged
// byte), and bytes from 0x80 up never.
func FirstControl(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if m := (w - 0x20*ones) &^ w & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return i
		}
	}
	return i
}
