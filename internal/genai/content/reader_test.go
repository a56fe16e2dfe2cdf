package content

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReaderAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `1E700`, `true`, `false`, `null`, ` [1, "a", {"b": [null]}] `,
		`"\u00e9\ud83d\ude80\"\\\/\b\f\n\r\t"`, `"\ud800"`, `"caf\xc3\xa9"`, `"\x95"`,
		`{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `01`, `1.`, `.5`, `-`, `1e`, `tru`, `nul`, `"abc`, `"a\"`, `"\x`,
		`"\q"`, `"\u12"`, `"\u12g4"`, "\"a\nb\"", "\"a\x00\"", `[1 2]`, `{"a":1}{}`, `"a" "b"`, ``, ` `,
	} {
		assert.Equal(t, json.Valid([]byte(s)), valid([]byte(s)), "%q", s)
	}
}

// TestReaderUTF8BeforeSpace reads text whose UTF-8 bytes 0x80-0x9f come
// before a space at every offset in a word: the word test once took such a
// space for a control character and refused the string.
func TestReaderUTF8BeforeSpace(t *testing.T) {
	for off := range 8 {
		want := strings.Repeat("a", off) + "5 \u20ac pro Monat \u2014 \u00e7a va \u2014 1 \u00fc"
		r := newReader([]byte(`"` + want + `"`))
		require.Equal(t, want, r.ReadString(), "offset %d", off)
		require.True(t, r.complete())
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte(`[{"role":"user","parts":[{"type":"text","content":"Hi \"there\"\n"}]}]`))
	f.Add([]byte(`{"a":[1,-2.5e3,true,false,null,"\u00e9\ud83d\ude80"]}`))
	f.Add([]byte(`["` + strings.Repeat("long enough for the vector search ", 2) + `\"q\" \\ end","\\"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := valid(data), json.Valid(data); got != want {
			t.Fatalf("%q: reader %v, encoding/json %v", data, got, want)
		}
		var want string
		// encoding/json replaces invalid UTF-8, the reader keeps it (as json-iterator did)
		if utf8.Valid(data) && json.Unmarshal(data, &want) == nil {
			r := newReader(data)
			if got := r.ReadString(); got != want || !r.complete() {
				t.Fatalf("%q: read %q, encoding/json %q", data, got, want)
			}
		}
	})
}

func TestReaderDepth(t *testing.T) {
	deep := strings.Repeat(`{"message":`, 100_000) + `{}` + strings.Repeat(`}`, 100_000)
	msgs, ok := ParseMessages([]byte(deep))
	assert.False(t, ok, "nesting beyond the limit is an error, not a deep recursion")
	assert.LessOrEqual(t, len(msgs), 1)
	r := newReader([]byte(strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)))
	r.Skip()
	assert.ErrorIs(t, r.Error, errDepth)
	assert.True(t, valid([]byte(strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth))))
}

func TestReaderEscapedEnum(t *testing.T) {
	// an escaped quote in a role was cut at the quote by the reader before
	// this one and the message fell back to raw text
	msgs, ok := ParseMessages([]byte(`[{"role":"us\"er","parts":[{"type":"text","content":"hi"}]}]`))
	require.True(t, ok)
	require.Len(t, msgs, 1)
	assert.Equal(t, `us"er`, msgs[0].Role)
	assert.Equal(t, "hi", msgs[0].Text())
}

func TestParseMessagesAllocations(t *testing.T) {
	data := []byte(`[{"role":"system","parts":[{"type":"text","content":"Be brief."}]},` +
		`{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat("What is the weather in Paris? ", 40) + `"}]}]`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := ParseMessages(data); !ok {
			t.Fatal("not parsed")
		}
	})
	// the message slice and each message's parts; no field name, no text
	assert.LessOrEqual(t, allocs, 5.0)
}

// BenchmarkValid compares the reader's validity check with encoding/json's
// on a tool's arguments and on a 1 KiB message list.
func BenchmarkValid(b *testing.B) {
	msg := `[{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat("How do I reset my password? ", 37)[:1024] + `"}]}]`
	for _, in := range []struct{ name, data string }{{"args", `{"location":"Paris"}`}, {"messages", msg}} {
		data := []byte(in.data)
		b.Run(in.name+"/reader", func(b *testing.B) {
			for b.Loop() {
				if !valid(data) {
					b.Fatal("invalid")
				}
			}
		})
		b.Run(in.name+"/encoding_json", func(b *testing.B) {
			for b.Loop() {
				if !json.Valid(data) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// TestReaderLongStrings puts an escape, an escaped quote or a control byte
// at every offset of strings longer than the words nextSpecial tests one by
// one, before and after strings with backslashes: the long scan keeps its
// quote and backslash positions across escapes and never looks past the
// string's end for a backslash.
func TestReaderLongStrings(t *testing.T) {
	filler := strings.Repeat("How do I reset my password? ", 4)[:100]
	for _, insert := range []string{`\"`, `\\`, `\n`, `\u00e9`, "\x01", "\x1f", `"`, "\xc3\xa9", `\`} {
		for at := 0; at <= len(filler); at++ {
			text := filler[:at] + insert + filler[at:]
			for _, doc := range []string{
				`"` + text + `"`,
				`["` + text + `","a\\b"]`,
				`{"a":"` + strings.Repeat("x", 40) + `","b":"` + text + `","c":"` + strings.Repeat(`\"`, 30) + `"}`,
			} {
				data := []byte(doc)
				require.Equal(t, json.Valid(data), valid(data), "%q", doc)
			}
			data := []byte(`"` + text + `"`)
			var want string
			if json.Unmarshal(data, &want) == nil {
				r := newReader(data)
				require.Equal(t, want, r.ReadString(), "%q", data)
				require.True(t, r.complete())
			}
		}
	}
	// many escapes in a long string: each position is searched for once
	many := []byte(`"` + strings.Repeat(`ab\"cd\\`, 5000) + `"`)
	r := newReader(many)
	assert.Len(t, r.ReadString(), 5000*6)
	assert.True(t, r.complete())
}
