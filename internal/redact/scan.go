package redact

import "strings"

// Character classes, one table lookup per byte. Letters and digits are
// ASCII: every value the recognisers know is ASCII, and text in scripts
// without spaces (CJK) must not stick to an address written inside it.
const (
	cLetter = 1 << iota
	cDigit
	cHex
	cLocal  // e-mail local part: letters, digits and .!#$%&'*+/=?^_`{|}~-
	cToken  // provider keys and JWT segments: letters, digits, - and _
	cBearer // bearer tokens: letters, digits and -._~+/
)

const cAlnum = cLetter | cDigit

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = cLetter | cLocal | cToken | cBearer
		case c >= '0' && c <= '9':
			t[c] = cDigit | cHex | cLocal | cToken | cBearer
		}
		if c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
			t[c] |= cHex
		}
	}
	for _, c := range ".!#$%&'*+/=?^_`{|}~-" {
		t[c] |= cLocal
	}
	for _, c := range "-_" {
		t[c] |= cToken
	}
	for _, c := range "-._~+/" {
		t[c] |= cBearer
	}
	return t
}()

// starts[c] is the set of kinds whose values may begin with byte c.
var starts = func() (t [256]Kinds) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if class[b]&cLocal != 0 && b != '.' && b != '\'' {
			t[c] = t[c].With(Email)
		}
		if class[b]&cDigit != 0 {
			t[c] = t[c].With(Card).With(Phone).With(IP)
		}
		if class[b]&cHex != 0 {
			t[c] = t[c].With(IP)
		}
	}
	t['+'] = t['+'].With(Phone)
	t['('] = t['('].With(Phone)
	t[':'] = t[':'].With(IP)
	for _, c := range "-eBbsrAgx" {
		t[c] = t[c].With(Secret)
	}
	return t
}()

func isAlnum(c byte) bool { return class[c]&cAlnum != 0 }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scan is the state of one pass.
type scan struct {
	s  string
	lo int // start of the text not yet replaced: boundaries never look before it

	// e-mail look-ahead: the next '@', the local-part run before it and the
	// address it ends, each read once
	at     int // index of the next '@' at or after the position, len(s) when none
	atFrom int // start of the run of local-part characters that ends at at
	atEnd  int // end of the address, -1 when the domain is not one; -2 not read yet

	// the last run of token characters read (keys, JWT segments), so that
	// each is read once however many prefixes it holds
	tok tokenRun

	// a PEM label or the gap after "Bearer" was read in vain: a failed
	// candidate may have read across spaces (see mayCross)
	wide bool

	// the text has no ':', so no IPv6 address starts at a letter
	noColon bool
}

type tokenRun struct {
	start, end                   int
	lastDigit, lastUp, lastLower int
}

// token returns the end of the run of token characters from p.
func (sc *scan) token(p int) *tokenRun {
	t := &sc.tok
	if p >= t.start && p < t.end {
		return t
	}
	*t = tokenRun{start: p, end: p, lastDigit: -1, lastUp: -1, lastLower: -1}
	s := sc.s
	for ; t.end < len(s) && class[s[t.end]]&cToken != 0; t.end++ {
		switch c := s[t.end]; {
		case isDigit(c):
			t.lastDigit = t.end
		case c >= 'A' && c <= 'Z':
			t.lastUp = t.end
		case c >= 'a' && c <= 'z':
			t.lastLower = t.end
		}
	}
	return t
}

// random reports whether the run from p looks generated: a digit, or both
// upper- and lower-case letters, as keys have and hyphenated words do not.
func (t *tokenRun) random(p int) bool {
	return t.lastDigit >= p || (t.lastUp >= p && t.lastLower >= p)
}

// pass masks the built-in kinds once. It returns s and false when nothing
// matched, without allocating, and whether another pass may find more.
func (r *Redactor) pass(s string, c *Counts) (string, bool, bool) {
	var out []byte
	again := false
	sc := scan{s: s, at: -1, atEnd: -2, noColon: strings.IndexByte(s, ':') < 0}
	active := r.kinds
	if active.Has(Email) && strings.IndexByte(s, '@') < 0 {
		active &^= 1 << Email // no address without an '@': most words start nothing
	}
	n := len(s)
	for i := 0; i < n; {
		ch := s[i]
		kinds := starts[ch] & active
		if kinds == 0 {
			i++
			if isAlnum(ch) {
				// nothing starts at a word's first byte, nor inside it
				for i < n && isAlnum(s[i]) {
					i++
				}
			}
			continue
		}
		if i > sc.lo && isAlnum(s[i-1]) {
			// inside a word: values start at its beginning
			for i++; isAlnum(ch) && i < n && isAlnum(s[i]); {
				i++
			}
			continue
		}
		if class[ch]&cLetter != 0 {
			// most words are just words: rule them out without the recognisers
			kinds = sc.wordKinds(i, kinds)
			if kinds == 0 {
				for i++; i < n && isAlnum(s[i]); {
					i++
				}
				continue
			}
		}
		from, end, k := sc.match(i, kinds)
		if end < 0 {
			i++
			continue
		}
		if out == nil {
			out = make([]byte, 0, n)
		}
		again = again || sc.mayCross(i)
		out = append(out, s[sc.lo:from]...)
		out = append(out, masks[k]...)
		c[k]++
		sc.lo, i = end, end
	}
	if out == nil {
		return s, false, false
	}
	out = append(out, s[sc.lo:]...)
	return bytesString(out), true, again
}

// mayCross reports whether a candidate that failed before i may have read
// into the value found at i: only then can a second pass, where that value
// is a mask, find more. The runs of the recognisers cross from one byte to
// the next only over the bytes tested here.
func (sc *scan) mayCross(i int) bool {
	s := sc.s
	if i <= sc.lo {
		return false
	}
	switch c := s[i-1]; {
	case class[c]&(cLocal|cToken|cBearer) != 0, c == ':', c == '@', c == ')':
		// local parts, keys, tokens, domains, addresses, digit groups
		return true
	case c == '(':
		// only phone numbers run into a parenthesis, from a digit or a separator after one
		return i-2 >= sc.lo && (isDigit(s[i-2]) || isPhoneSep(s[i-2]) && i-3 >= sc.lo && isDigit(s[i-3]))
	case c == ' ' || c == '\t':
		if i-2 < sc.lo {
			return false
		}
		// digit groups; a PEM label or the gap after "Bearer"
		d := s[i-2]
		return isDigit(d) || d == ')' || sc.wide && (d >= 'A' && d <= 'Z' || d == ' ' || d == '\t' || d == 'r' || d == 'R')
	}
	return false
}

// wordKinds narrows the kinds that may start at the letter at i with cheap
// tests of the next bytes: a secret's prefix, the reach of the next '@', a
// colon after the first hex group.
func (sc *scan) wordKinds(i int, kinds Kinds) Kinds {
	s := sc.s
	if kinds.Has(Secret) && !secretPrefix(s, i) {
		kinds &^= 1 << Secret
	}
	if kinds.Has(Email) && sc.at >= i && (sc.at >= len(s) || i < sc.atFrom) {
		kinds &^= 1 << Email // the run from i cannot reach the next '@'
	}
	if kinds.Has(IP) && sc.noColon {
		kinds &^= 1 << IP
	}
	if kinds.Has(IP) {
		j := i
		for j < len(s) && j-i < 5 && class[s[j]]&cHex != 0 {
			j++
		}
		if j >= len(s) || s[j] != ':' {
			kinds &^= 1 << IP
		}
	}
	return kinds
}

// secretPrefix tests the second byte of the secrets that start with a
// letter ("bearer" all six, in any case).
func secretPrefix(s string, i int) bool {
	switch {
	case i+1 >= len(s):
		return false
	case s[i] == 'B' || s[i] == 'b':
		return len(s)-i >= 8 && strings.EqualFold(s[i:i+6], "bearer")
	}
	second := secondBytes[s[i]]
	for j := 0; j < len(second); j++ {
		if second[j] == s[i+1] {
			return true
		}
	}
	return false
}

// secondBytes[c] lists the second bytes of the key prefixes starting with c.
var secondBytes = func() (t [256]string) {
	t['e'] = "y" // eyJ
	for _, pk := range providerKeys {
		if strings.IndexByte(t[pk.prefix[0]], pk.prefix[1]) < 0 {
			t[pk.prefix[0]] += pk.prefix[1:2]
		}
	}
	return t
}()

// match tries the kinds in their order of precedence at i. It returns where
// the mask starts (after "Bearer " for a bearer token), where the value ends
// (-1 when nothing matched) and its kind.
func (sc *scan) match(i int, kinds Kinds) (int, int, Kind) {
	if kinds.Has(Secret) {
		if from, end := sc.secret(i); end > 0 {
			return from, end, Secret
		}
	}
	if kinds.Has(Card) {
		if end := sc.card(i); end > 0 {
			return i, end, Card
		}
	}
	if kinds.Has(Email) {
		if end := sc.email(i); end > 0 {
			return i, end, Email
		}
	}
	if kinds.Has(Phone) {
		if end := sc.phone(i); end > 0 {
			return i, end, Phone
		}
	}
	if kinds.Has(IP) {
		if end := sc.ip(i); end > 0 {
			return i, end, IP
		}
	}
	return i, -1, 0
}
