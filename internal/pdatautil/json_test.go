package pdatautil

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"strings"
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

// appendJSONStringByByte is AppendJSONString without the eight-byte fast
// path: the outputs must be byte-identical.
func appendJSONStringByByte(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
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
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// TestAppendJSONStringWordBoundaries puts every byte value at every offset
// of a word (and across two), in prose that would take the fast path.
func TestAppendJSONStringWordBoundaries(t *testing.T) {
	const prose = "The quick brown fox jumps over the lazy dog."
	for c := range 256 {
		for at := range 17 {
			s := prose[:at] + string([]byte{byte(c)}) + prose[at:]
			want := appendJSONStringByByte(nil, s)
			require.Equal(t, string(want), string(AppendJSONString(nil, s)), "byte %#x at %d", c, at)
		}
	}
	// texts from longText bytes take the long scan for their plain prefix:
	// every byte value at every offset of one, before and after its first words
	long := strings.Repeat(prose, 3)
	for c := range 256 {
		for at := range 100 {
			s := long[:at] + string([]byte{byte(c)}) + long[at:]
			want := appendJSONStringByByte(nil, s)
			require.Equal(t, string(want), string(AppendJSONString(nil, s)), "byte %#x at %d", c, at)
		}
	}
	for _, s := range []string{"", "1234567", "12345678", "123456789", "café au lait, s'il vous plaît", "\u2028 at eight\u2029", "~~~~~~~~\x7f~~~~~~~"} {
		require.Equal(t, string(appendJSONStringByByte(nil, s)), string(AppendJSONString(nil, s)), "%q", s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("plain prose of some length, \"quoted\" and back\\slashed\n")
	f.Add("bad \xc3\x28 utf-8 \u2028 and 🚀 emoji")
	f.Add(strings.Repeat("plain prose, long enough for the long scan ", 2) + "\"q\" \\ é \x01")
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString(nil, s)
		if want := appendJSONStringByByte(nil, s); string(got) != string(want) {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("%q: invalid JSON %s", s, got)
		}
	})
}

func BenchmarkAppendJSONString(b *testing.B) {
	prose := strings.Repeat("Hello, I ordered a blue sketchbook (order 12345) on 2026-11-02 and it has not arrived yet. ", 12)[:1024]
	for _, tc := range []struct {
		name string
		s    string
	}{{"prose", prose}, {"escapes", strings.ReplaceAll(prose, ". ", ".\n\"")}, {"utf8", strings.ReplaceAll(prose, "e", "é")}} {
		for _, impl := range []struct {
			name   string
			append func([]byte, string) []byte
		}{{"words", AppendJSONString}, {"bytes", appendJSONStringByByte}} {
			b.Run(tc.name+"/"+impl.name, func(b *testing.B) {
				buf := make([]byte, 0, 4096)
				b.SetBytes(int64(len(tc.s)))
				for b.Loop() {
					buf = impl.append(buf[:0], tc.s)
				}
			})
		}
	}
}

// TestJSONSpecialFirstFlag checks the word test against a byte loop on
// every word of two bytes placed over plain filler, and on words of
// bytes that borrow: the lowest flag is always the first byte to escape.
func TestJSONSpecialFirstFlag(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	check := func(w [8]byte) {
		want := 8
		for k, c := range w {
			if special(c) {
				want = k
				break
			}
		}
		m := JSONSpecial(binary.LittleEndian.Uint64(w[:]))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		require.Equal(t, want, got, "% x", w)
	}
	for _, filler := range []byte{'a', ' ', 0x21, 0x80, 0xff, '"' + 1, '\\' + 1} {
		for i := range 8 {
			for j := i; j < 8; j++ {
				for a := range 256 {
					for _, b := range []byte{0x00, 0x1f, 0x20, '"', '\\', 0x7f, 0x80, 0xa0} {
						var w [8]byte
						for k := range w {
							w[k] = filler
						}
						w[j] = b
						w[i] = byte(a)
						check(w)
					}
				}
			}
		}
	}
}

// TestFirstControl checks the word test against a byte loop with two bytes
// placed over filler at every pair of offsets of a 20-byte text (two words
// and a tail), among them bytes that borrow and bytes from 0x80 up.
func TestFirstControl(t *testing.T) {
	values := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0x9f, 0xa0, 0xff}
	for _, filler := range []byte{'a', ' ', 0x80, 0xff} {
		for i := range 20 {
			for j := i; j < 20; j++ {
				for _, a := range values {
					for _, b := range values {
						text := bytes.Repeat([]byte{filler}, 20)
						text[j] = b
						text[i] = a
						want := len(text)
						for k, c := range text {
							if c < 0x20 {
								want = k
								break
							}
						}
						require.Equal(t, want, FirstControl(text), "% x", text)
					}
				}
			}
		}
	}
}
