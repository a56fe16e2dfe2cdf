// Package redact masks personal data and secrets in text before it leaves
// the collector. It is pure: a string in, the masked string and counts out.
//
// The built-in kinds (secrets, payment cards, e-mail addresses, phone
// numbers, IP addresses) are found in one left-to-right pass over the text:
// at every position where a value may start, the enabled recognisers are
// tried in the order of precedence, and the first that matches is replaced
// by its mask. A value is never preceded or followed by a letter or a digit;
// numeric kinds must also be the whole run of their digit groups. User
// patterns (RE2) run afterwards, in order, on the text between masks.
//
// The recognisers are written here rather than taken from a library: the
// Go PII and secret scanners (gitleaks' rule set, young v0 PII packages)
// scan once per rule with regular expressions, allocate per match and have
// their own boundary and overlap rules, where the exporter's contract fixes
// the boundaries, the whole-run rule and the precedence. The standard
// library serves where it fits: net/netip checks the IPv6 parser in the
// tests (netip.ParseAddr allocates an error for every non-address, so the
// scan cannot call it), regexp runs the user patterns, and the Luhn check
// is ten lines.
package redact // import "github.com/precogx/precogxexporter/internal/redact"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unsafe"
)

// Kind is a kind of redacted value. The built-in kinds are listed in their
// order of precedence: at the same start, the earlier kind wins.
type Kind uint8

const (
	Secret Kind = iota
	Card
	Email
	Phone
	IP
	Pattern // a user pattern

	NumKinds
)

var kindNames = [NumKinds]string{"secret", "card", "email", "phone", "ip", "pattern"}

// masks are short ASCII tokens that no recogniser matches, so redacting
// twice changes nothing.
var masks = [Pattern]string{"[SECRET]", "[CARD]", "[EMAIL]", "[PHONE]", "[IP]"}

// String returns the kind's name as used in the values_redacted counter.
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Mask returns the text that replaces a value of a built-in kind.
func (k Kind) Mask() string {
	if k < Pattern {
		return masks[k]
	}
	return ""
}

// Counts holds how many values of each kind were masked.
type Counts [NumKinds]int64

// Add adds o to c.
func (c *Counts) Add(o *Counts) {
	for k := range c {
		c[k] += o[k]
	}
}

// Kinds is a set of built-in kinds.
type Kinds uint8

// With returns the set with k added.
func (s Kinds) With(k Kind) Kinds { return s | 1<<k }

// Has reports whether k is in the set.
func (s Kinds) Has(k Kind) bool { return s&(1<<k) != 0 }

// Rule is a user pattern: every match of Regex (RE2 syntax) is replaced by
// Replacement, in which $1, ${name} and $$ expand as in
// regexp.Regexp.ReplaceAllString.
type Rule struct {
	Regex       string
	Replacement string
}

type rule struct {
	re   *regexp.Regexp
	repl string
}

// Compile checks a rule. A regex that matches the empty string is refused:
// it would insert its replacement between every two characters.
func Compile(r Rule) (*regexp.Regexp, error) {
	if r.Regex == "" {
		return nil, errors.New("regex must not be empty")
	}
	re, err := regexp.Compile(r.Regex)
	if err != nil {
		return nil, err
	}
	if re.MatchString("") {
		return nil, errors.New("regex matches the empty string")
	}
	return re, nil
}

// Redactor masks the enabled kinds and applies the rules. It is safe for
// concurrent use.
type Redactor struct {
	kinds Kinds
	rules []rule
}

// New returns a Redactor, or an error naming the index of the first rule
// that does not compile.
func New(kinds Kinds, rules []Rule) (*Redactor, error) {
	r := &Redactor{kinds: kinds & (1<<Pattern - 1)}
	for i, ru := range rules {
		re, err := Compile(ru)
		if err != nil {
			return nil, fmt.Errorf("patterns[%d]: %w", i, err)
		}
		r.rules = append(r.rules, rule{re: re, repl: ru.Replacement})
	}
	return r, nil
}

// Active reports whether the Redactor changes anything at all.
func (r *Redactor) Active() bool { return r != nil && (r.kinds != 0 || len(r.rules) > 0) }

// String masks s and adds what it masked to c. When nothing matches it
// returns s itself and allocates nothing.
func (r *Redactor) String(s string, c *Counts) string {
	out, _ := r.Text(s, c)
	return out
}

// maxPasses bounds the passes of the built-in kinds. A second pass only
// runs when a value was found right after bytes that an earlier candidate
// may have read on (see mayCross), and finds more only in rare shapes (a
// run that was too long until a later value in it was masked).
const maxPasses = 8

// Text is String that also reports whether s changed.
func (r *Redactor) Text(s string, c *Counts) (string, bool) {
	changed := false
	// A pattern's replacement can free a value its match stood against
	// ("EMP-000000+44…" once "EMP-000000" is replaced): the kinds run again
	// after a pattern changed the text, so that redacting twice is the same
	// as redacting once.
	for range maxPasses {
		if r.kinds != 0 {
			for range maxPasses {
				out, ok, again := r.pass(s, c)
				if ok {
					s, changed = out, true
				}
				if !again {
					break
				}
			}
		}
		rerun := false
		for i := range r.rules {
			if out, ok, loud := r.rules[i].apply(s, c); ok {
				s, changed, rerun = out, true, rerun || loud
			}
		}
		if !rerun || r.kinds == 0 {
			break
		}
	}
	return s, changed
}

// apply replaces the matches of the rule in the text between masks. It
// reports whether s changed and whether a changed match was not quiet (see
// quiet): only then can the built-in kinds find more in the result.
func (ru *rule) apply(s string, c *Counts) (string, bool, bool) {
	var out []byte
	last, n := 0, 0
	loud := false
	for seg := 0; ; {
		ms, me := nextMask(s, seg)
		text := s[seg:ms]
		if text != "" {
			for _, m := range ru.re.FindAllStringSubmatchIndex(text, -1) {
				if m[1] == m[0] {
					continue
				}
				out = append(out, s[last:seg+m[0]]...)
				at := len(out)
				out = ru.re.ExpandString(out, ru.repl, text, m)
				last = seg + m[1]
				if string(out[at:]) != text[m[0]:m[1]] {
					n++ // a replacement that equals its match changes nothing
					loud = loud || !quiet(s, seg+m[0], seg+m[1])
				}
			}
		}
		if ms == len(s) {
			break
		}
		seg = me
	}
	if n == 0 {
		return s, false, false
	}
	c[Pattern] += int64(n)
	out = append(out, s[last:]...)
	return bytesString(out), true, loud
}

// quiet reports whether a match at [a, b) stands between bytes that no
// recogniser reads across, so that replacing it cannot free a value: a
// sentence's words and punctuation, not digit groups (which run over
// spaces), a PEM label (upper case), the gap after "Bearer", or any byte of
// a key, address or local part.
func quiet(s string, a, b int) bool {
	before := a == 0
	if !before {
		switch c := s[a-1]; c {
		case '\n', '\r':
			before = true
		case ' ', '\t', '"', '<', '{':
			if a < 2 {
				before = true
				break
			}
			d := s[a-2]
			before = d >= 'a' && d <= 'z' && d != 'r' || strings.IndexByte(".,;:!?\"'\n", d) >= 0
		}
	}
	if !before {
		return false
	}
	if b == len(s) {
		return true
	}
	switch c := s[b]; c {
	case ',', ';', '!', '?', '"', '\'', ')', ']', '}', '>', '\n', '\r':
		return true
	case ' ', '\t':
		return !isDigit(s[b-1]) // a digit group may go on after a space
	case '.':
		return b+1 == len(s) || s[b+1] == ' ' || s[b+1] == '\n'
	}
	return false
}

// nextMask finds the next mask of a built-in kind at or after i and returns
// its start and end (len(s) twice when there is none).
func nextMask(s string, i int) (int, int) {
	for {
		k := strings.IndexByte(s[i:], '[')
		if k < 0 {
			return len(s), len(s)
		}
		i += k
		for _, m := range masks {
			if strings.HasPrefix(s[i:], m) {
				return i, i + len(m)
			}
		}
		i++
	}
}

// bytesString returns b as a string without copying; b is never written again.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
