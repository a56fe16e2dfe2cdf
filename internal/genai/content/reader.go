package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// reader reads one JSON text in a single pass, the way json-iterator's
// Iterator did for this package, without its allocations: field names and
// strings without escapes are views of the input, skipped values are views
// too. The input is never written to (the callers' texts are read-only
// views of attribute strings or fresh buffers), so views stay valid.
type reader struct {
	data    []byte
	pos     int
	depth   int
	Error   error
	scratch *Scratch // where messages' first parts go, if set
}

// valueType is the kind of the next value, as json-iterator names them.
type valueType int

const (
	invalidValue valueType = iota
	stringValue
	numberValue
	nilValue
	boolValue
	arrayValue
	objectValue
)

// maxDepth bounds nesting (json-iterator's limit): deeper input is an error,
// not a deep recursion.
const maxDepth = 10000

var (
	errSyntax = errors.New("content: invalid JSON")
	errDepth  = errors.New("content: JSON nested too deep")
)

func newReader(data []byte) *reader { return &reader{data: data} }

func (r *reader) fail(err error) {
	if r.Error == nil {
		r.Error = err
	}
	r.pos = len(r.data)
}

// next skips white space and returns the next byte, 0 at the end (setting
// io.EOF when nothing else went wrong).
func (r *reader) next() byte {
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return c
		}
	}
	if r.Error == nil {
		r.Error = io.EOF
	}
	return 0
}

// WhatIsNext tells the kind of the next value without reading it.
func (r *reader) WhatIsNext() valueType {
	switch c := r.next(); {
	case c == '"':
		return stringValue
	case c == '{':
		return objectValue
	case c == '[':
		return arrayValue
	case c == 'n':
		return nilValue
	case c == 't' || c == 'f':
		return boolValue
	case c == '-' || c >= '0' && c <= '9':
		return numberValue
	}
	return invalidValue
}

func (r *reader) enter() bool {
	if r.depth++; r.depth > maxDepth {
		r.fail(errDepth)
		return false
	}
	return true
}

// ReadArrayCB calls f for each element of an array (f reads or skips it).
func (r *reader) ReadArrayCB(f func(*reader) bool) bool {
	return r.container('[', ']', func() bool { return f(r) })
}

// eachObject calls f for each element of an array that is an object (f
// reads it); other elements are skipped, so one odd element never loses
// the rest.
func (r *reader) eachObject(f func(*reader)) {
	r.container('[', ']', func() bool {
		if r.WhatIsNext() == objectValue {
			f(r)
		} else {
			r.Skip()
		}
		return r.Error == nil
	})
}

// ReadObjectCB calls f for each field of an object with the field's name
// (f reads or skips its value).
func (r *reader) ReadObjectCB(f func(*reader, string) bool) bool {
	return r.container('{', '}', func() bool {
		if r.next() != '"' {
			r.fail(errSyntax)
			return false
		}
		key := r.ReadString()
		if r.Error != nil || r.next() != ':' {
			r.fail(errSyntax)
			return false
		}
		r.pos++
		return f(r, key)
	})
}

// container reads an array or an object: open, then items separated by
// commas, then end; item reads one.
func (r *reader) container(open, end byte, item func() bool) bool {
	if r.next() != open {
		r.fail(errSyntax)
		return false
	}
	r.pos++
	if !r.enter() {
		return false
	}
	defer func() { r.depth-- }()
	if r.next() == end {
		r.pos++
		return true
	}
	for {
		if !item() || r.Error != nil {
			return false
		}
		switch r.next() {
		case ',':
			r.pos++
		case end:
			r.pos++
			return true
		default:
			r.fail(errSyntax)
			return false
		}
	}
}

// ReadString reads a string: a view of the input when it holds no escape,
// else decoded (rare in content: quotes and line breaks of the text); null
// reads as "".
func (r *reader) ReadString() string {
	if c := r.next(); c == 'n' {
		r.literal("null")
		return ""
	} else if c != '"' {
		r.fail(errSyntax)
		return ""
	}
	end, escaped := r.stringEnd(r.pos)
	if end < 0 {
		r.fail(errSyntax)
		return ""
	}
	raw := r.data[r.pos : end+1]
	r.pos = end + 1
	if !escaped {
		return unsafe.String(unsafe.SliceData(raw[1:]), len(raw)-2)
	}
	s, ok := unescape(raw[1 : len(raw)-1])
	if !ok {
		r.fail(errSyntax)
		return ""
	}
	return s
}

// unescape decodes the escapes of a string's text as json-iterator did:
// other bytes are kept as they are (invalid UTF-8 too), a lone surrogate
// becomes U+FFFD.
func unescape(b []byte) (string, bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, i+1)
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if r2, ok := hex4(b, i+3); ok {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						out = utf8.AppendRune(out, pair)
						i += 6
						continue
					}
				}
			}
			out = utf8.AppendRune(out, r) // U+FFFD for a lone surrogate
		default:
			return "", false
		}
	}
	return string(out), true
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// stringEnd finds the closing quote of the string opening at start: its
// index (-1 when the string is not well-formed) and whether it holds escapes.
func (r *reader) stringEnd(start int) (int, bool) {
	d := r.data
	escaped := false
	i := start + 1
	long := longScan{pdatautil.NewSpecialScan()}
	for {
		i = long.nextSpecial(d, i)
		if i >= len(d) {
			return -1, false
		}
		switch c := d[i]; {
		case c == '"':
			return i, escaped
		case c == '\\':
			if i+1 >= len(d) {
				return -1, false
			}
			escaped = true
			i += 2
		default: // a control character
			return -1, false
		}
	}
}

// longScan is a string's pdatautil.SpecialScan: past its first words a
// string is taken for long text.
type longScan struct{ pdatautil.SpecialScan }

// nextSpecial is the position of the first '"', '\\' or byte below 0x20 in
// d from i on (len(d) when there is none), eight bytes at a time: a word
// that holds one tells where, so short strings and escapes cost no byte loop.
func (l *longScan) nextSpecial(d []byte, i int) int {
	for n := 0; i+8 <= len(d); i, n = i+8, n+1 {
		if n == pdatautil.ShortWords {
			return l.long(d, i)
		}
		if m := pdatautil.JSONSpecial(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(d); i++ {
		if c := d[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

func (l *longScan) long(d []byte, i int) int {
	end := l.Next(unsafe.String(unsafe.SliceData(d), len(d)), i) // a view: d is never written to
	return i + pdatautil.FirstControl(d[i:end])
}

// Skip reads past the next value, checking that it is well-formed.
func (r *reader) Skip() {
	switch r.WhatIsNext() {
	case stringValue:
		r.ReadString()
	case objectValue:
		r.ReadObjectCB(func(r *reader, _ string) bool {
			r.Skip()
			return r.Error == nil
		})
	case arrayValue:
		r.ReadArrayCB(func(r *reader) bool {
			r.Skip()
			return r.Error == nil
		})
	case nilValue:
		r.literal("null")
	case boolValue:
		if r.data[r.pos] == 't' {
			r.literal("true")
		} else {
			r.literal("false")
		}
	case numberValue:
		r.number()
	default:
		r.fail(errSyntax)
	}
}

// SkipAndReturnBytes skips the next value and returns its text (a view).
func (r *reader) SkipAndReturnBytes() []byte {
	r.next()
	start := r.pos
	r.Skip()
	if r.Error != nil && r.Error != io.EOF {
		return nil
	}
	return r.data[start:r.pos:r.pos]
}

func (r *reader) literal(lit string) {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		r.fail(errSyntax)
		return
	}
	r.pos += len(lit)
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *reader) number() {
	d, i := r.data, r.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		r.fail(errSyntax)
		return
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			r.fail(errSyntax)
			return
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			r.fail(errSyntax)
			return
		}
	}
	r.pos = i
}

// complete reports a clean read with nothing but white space after the value.
// valid is json.Valid with the reader, which FuzzReader holds to the same
// answers: half the cost on a tool's arguments, a quarter on a 1 KiB
// message list (BenchmarkValid; encoding/json steps a state machine per byte).
func valid(data []byte) bool {
	r := reader{data: data}
	r.Skip()
	return r.complete()
}

func (r *reader) complete() bool {
	if r.Error != nil {
		return false
	}
	r.next()
	return r.pos == len(r.data)
}
