package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"sync"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"github.com/precogx/precogxexporter/internal/redact"
)

// Redaction is what is masked in a built interaction before it leaves
// (rule 13); the zero value masks nothing.
type Redaction struct {
	// Kinds are the built-in kinds masked in the text fields.
	Kinds redact.Kinds
	// Patterns run after the kinds, in order, on the text between masks.
	Patterns []redact.Rule
	// DropIPAddress leaves metadata.ip_address out.
	DropIPAddress bool
	// HashKey, when set, replaces userId, sessionId and conversationId by
	// the lowercase hex HMAC-SHA256 of the id keyed with it.
	HashKey []byte
}

// redactor applies a Redaction to built interactions.
type redactor struct {
	text   *redact.Redactor // nil when no text is masked
	dropIP bool
	hmacs  *sync.Pool // keyed HMAC-SHA256 states; nil when ids stay as they are
}

// newRedactor returns nil when rd masks nothing.
func newRedactor(rd Redaction) (*redactor, error) {
	text, err := redact.New(rd.Kinds, rd.Patterns)
	if err != nil {
		return nil, fmt.Errorf("redaction.%w", err)
	}
	r := &redactor{dropIP: rd.DropIPAddress}
	if text.Active() {
		r.text = text
	}
	if rd.HashKey != nil {
		key := rd.HashKey
		// a reset HMAC restores its keyed state instead of hashing the key again
		r.hmacs = &sync.Pool{New: func() any { return &hasher{mac: hmac.New(sha256.New, key)} }}
	}
	if r.text == nil && !r.dropIP && r.hmacs == nil {
		return nil, nil
	}
	return r, nil
}

// redact masks the fields of rule 13 in place. It runs before the bounds
// (rule 12): masks are short ASCII, so a cut leaves at most part of a mask.
// The interaction's JSON and custom values may be views of pdata: they are
// replaced, never written to.
func (rd *redactor) redact(ix *precogxapi.Interaction, c *redact.Counts, hashed map[string]string) {
	if rd.text != nil {
		ix.Prompt = rd.text.String(ix.Prompt, c)
		ix.Response = rd.text.String(ix.Response, c)
		ix.Meta.UserAgent = rd.text.String(ix.Meta.UserAgent, c)
		// limit keeps maxToolCalls calls: the others are not worth a scan
		for i := range min(len(ix.ToolCalls), maxToolCalls) {
			tc := &ix.ToolCalls[i]
			tc.Input = rd.json(tc.Input, c)
			tc.Output = rd.json(tc.Output, c)
		}
		for i := range ix.Meta.Custom {
			if v, ok := rd.value(ix.Meta.Custom[i].Value, c); ok {
				ix.Meta.Custom[i].Value = v
			}
		}
	}
	if rd.dropIP && ix.Meta.IPAddress != "" {
		ix.Meta.IPAddress = ""
		c[redact.IP]++
	}
	if rd.hmacs != nil {
		conv := ix.ConversationID
		ix.UserID = rd.hash(ix.UserID, hashed)
		ix.ConversationID = rd.hash(conv, hashed)
		if ix.SessionID == conv { // the conversation id is often the session id
			ix.SessionID = ix.ConversationID
		} else {
			ix.SessionID = rd.hash(ix.SessionID, hashed)
		}
	}
}

// maxHashed bounds the ids a Map call remembers the hashes of.
const maxHashed = 1024

// hash is the lowercase hex HMAC-SHA256 of id keyed with the hash key.
// hashed holds the hashes of the ids seen in this Map call (a batch holds
// many turns of few users and sessions; an HMAC was a third of redaction's
// cost); the caller clears it after the call.
func (rd *redactor) hash(id string, hashed map[string]string) string {
	if id == "" {
		return ""
	}
	if h, ok := hashed[id]; ok {
		return h
	}
	out := rd.hmac(id)
	if len(hashed) < maxHashed {
		hashed[id] = out
	}
	return out
}

func (rd *redactor) hmac(id string) string {
	h := rd.hmacs.Get().(*hasher)
	h.mac.Reset()
	h.buf = append(h.buf[:0], id...)
	h.mac.Write(h.buf)
	h.buf = h.mac.Sum(h.buf[:0])
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], h.buf)
	rd.hmacs.Put(h)
	return string(out[:])
}

// hasher is a keyed HMAC with its scratch buffer, pooled.
type hasher struct {
	mac hash.Hash
	buf []byte
}

// json masks every string value of a JSON document at any depth; object
// keys, numbers and the layout stay. It returns raw itself when nothing
// changed.
func (rd *redactor) json(raw precogxapi.RawJSON, c *redact.Counts) precogxapi.RawJSON {
	var out []byte
	last := 0
	for i := 0; i < len(raw); {
		if raw[i] != '"' {
			i++
			continue
		}
		end, escaped := jsonStringEnd(raw, i)
		if end < 0 {
			// not JSON, which the mapping never produces: mask it as text
			if s, ok := rd.text.Text(string(raw), c); ok {
				return pdatautil.AppendJSONString(nil, s)
			}
			return raw
		}
		k := end
		for k < len(raw) && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\n' || raw[k] == '\r') {
			k++
		}
		if k < len(raw) && raw[k] == ':' {
			i = end // an object key
			continue
		}
		var s string
		switch {
		case escaped:
			var dec string // escapes to the heap: declared only where needed
			if json.Unmarshal(raw[i:end], &dec) != nil {
				i = end
				continue
			}
			s = dec
		case end-i > 2:
			s = unsafe.String(&raw[i+1], end-i-2) // read-only view
		}
		if red, ok := rd.text.Text(s, c); ok {
			out = append(out, raw[last:i]...)
			out = pdatautil.AppendJSONString(out, red)
			last = end
		}
		i = end
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

// jsonStringEnd returns the index after the string that starts at the
// quote at i, and whether it holds escapes; -1 when it never ends.
func jsonStringEnd(raw []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, escaped
}

// value masks every string of a custom metadata value at any depth. A
// changed map or slice is copied: the original belongs to the span.
func (rd *redactor) value(v pcommon.Value, c *redact.Counts) (pcommon.Value, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if s, ok := rd.text.Text(v.Str(), c); ok {
			return pcommon.NewValueStr(s), true
		}
	case pcommon.ValueTypeMap:
		var out pcommon.Value
		changed := false
		v.Map().Range(func(k string, mv pcommon.Value) bool {
			if nv, ok := rd.value(mv, c); ok {
				if !changed {
					out, changed = pcommon.NewValueEmpty(), true
					v.CopyTo(out)
				}
				nv.CopyTo(out.Map().PutEmpty(k))
			}
			return true
		})
		if changed {
			return out, true
		}
	case pcommon.ValueTypeSlice:
		var out pcommon.Value
		changed := false
		for i := 0; i < v.Slice().Len(); i++ {
			if nv, ok := rd.value(v.Slice().At(i), c); ok {
				if !changed {
					out, changed = pcommon.NewValueEmpty(), true
					v.CopyTo(out)
				}
				nv.CopyTo(out.Slice().At(i))
			}
		}
		if changed {
			return out, true
		}
	}
	return v, false
}
