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
	sc := scan{s: s, at: -1, atEnd: -2}
	n := len(s)
	for i := 0; i < n; {
		ch := s[i]
		kinds := starts[ch] & r.kinds
		if kinds == 0 {
			i++
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
	return strings.IndexByte(secondBytes[s[i]], s[i+1]) >= 0
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

// Separators of the digit groups of a kind, as class bits.
const (
	sepCard  = 1 << iota // space, dash
	sepPhone             // space, dot, dash
	sepIPv4              // dot
)

var seps = func() (t [256]uint8) {
	t[' '] = sepCard | sepPhone
	t['-'] = sepCard | sepPhone
	t['.'] = sepPhone | sepIPv4
	return t
}()

// after reports whether the value ending at end is followed by a letter or
// a digit, or by a separator of its kind and a digit (then it is not the
// whole run).
func (sc *scan) after(end int, sep uint8) bool {
	s := sc.s
	if end >= len(s) {
		return false
	}
	if isAlnum(s[end]) {
		return true
	}
	return end+1 < len(s) && seps[s[end]]&sep != 0 && isDigit(s[end+1])
}

// before reports whether the value starting at i is preceded by a
// separator of its kind and a digit. Letters and digits right before i are
// ruled out by pass.
func (sc *scan) before(i int, sep uint8) bool {
	s := sc.s
	return i-2 >= sc.lo && seps[s[i-1]]&sep != 0 && isDigit(s[i-2])
}

func digitRun(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

func runOf(s string, i int, cl uint8) int {
	j := i
	for j < len(s) && class[s[j]]&cl != 0 {
		j++
	}
	return j - i
}

// ---- payment cards

// card: the whole run of digit groups joined by one space or one dash (one
// separator kind per number), 13 to 19 digits, a network prefix and Luhn.
func (sc *scan) card(i int) int {
	s := sc.s
	if sc.before(i, sepCard) {
		return -1
	}
	var d [19]byte
	nd, p := 0, i
	var sep byte
	for {
		for p < len(s) && isDigit(s[p]) {
			if nd == len(d) {
				return -1
			}
			d[nd] = s[p] - '0'
			nd++
			p++
		}
		if p+1 < len(s) && (s[p] == ' ' || s[p] == '-') && isDigit(s[p+1]) {
			if sep == 0 {
				sep = s[p]
			} else if s[p] != sep {
				return -1
			}
			p++
			continue
		}
		break
	}
	if nd < 13 || sc.after(p, sepCard) || !cardNetwork(d[:nd]) || !luhn(d[:nd]) {
		return -1
	}
	return p
}

func prefixNum(d []byte, n int) int {
	v := 0
	for _, x := range d[:n] {
		v = v*10 + int(x)
	}
	return v
}

// cardNetwork checks the issuer prefixes of Visa, Mastercard, Amex,
// Discover, JCB and Diners.
func cardNetwork(d []byte) bool {
	p1, p2, p3, p4 := prefixNum(d, 1), prefixNum(d, 2), prefixNum(d, 3), prefixNum(d, 4)
	switch {
	case p1 == 4: // Visa
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
	case p2 == 34 || p2 == 37: // Amex
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65: // Discover
	case p4 >= 3528 && p4 <= 3589: // JCB
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners
	default:
		return false
	}
	return true
}

func luhn(d []byte) bool {
	sum := 0
	for k := range d {
		x := int(d[len(d)-1-k])
		if k%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}

// ---- phone numbers

func isPhoneSep(c byte) bool { return c == ' ' || c == '.' || c == '-' }

func (sc *scan) phone(i int) int {
	var end int
	if sc.s[i] == '+' {
		end = sc.intlPhone(i)
	} else {
		if sc.before(i, sepPhone) {
			return -1
		}
		end = sc.naPhone(i)
	}
	if end < 0 || sc.after(end, sepPhone) {
		return -1
	}
	return end
}

// intlPhone: '+' and 8 to 15 digits in groups joined by one space, dot or
// dash; one group may be parenthesised, with an optional separator on each
// side.
func (sc *scan) intlPhone(i int) int {
	s := sc.s
	p, end, digits := i+1, -1, 0
	paren := false
	for p < len(s) {
		if s[p] == '(' {
			d := digitRun(s, p+1)
			if paren || d == 0 || p+1+d >= len(s) || s[p+1+d] != ')' {
				break
			}
			paren = true
			digits += d
			p += d + 2
			end = p
			if p+1 < len(s) && isPhoneSep(s[p]) && isDigit(s[p+1]) {
				p++
			}
			if p < len(s) && isDigit(s[p]) {
				continue
			}
			break
		}
		d := digitRun(s, p)
		if d == 0 {
			break
		}
		digits += d
		p += d
		end = p
		if digits > 15 {
			return -1
		}
		switch {
		case p+1 < len(s) && isPhoneSep(s[p]) && isDigit(s[p+1]):
			p++
		case p < len(s) && s[p] == '(' && !paren:
		case p+1 < len(s) && isPhoneSep(s[p]) && s[p+1] == '(' && !paren:
			p++
		default:
			return sc.intlEnd(end, digits)
		}
	}
	return sc.intlEnd(end, digits)
}

func (sc *scan) intlEnd(end, digits int) int {
	if end < 0 || digits < 8 || digits > 15 {
		return -1
	}
	return end
}

// naPhone: North American numbers (NXX) NXX-XXXX, NXX-NXX-XXXX,
// NXX.NXX.XXXX, NXX NXX XXXX, optionally after "1" and a separator. After
// the parenthesised area code any one separator or none.
func (sc *scan) naPhone(i int) int {
	s := sc.s
	if s[i] == '1' && i+1 < len(s) && isPhoneSep(s[i+1]) {
		return sc.naBody(i + 2)
	}
	return sc.naBody(i)
}

func (sc *scan) naBody(p int) int {
	s := sc.s
	if p < len(s) && s[p] == '(' {
		if !nxx(s, p+1) || p+4 >= len(s) || s[p+4] != ')' {
			return -1
		}
		q := p + 5
		if q < len(s) && isPhoneSep(s[q]) {
			q++
		}
		if !nxx(s, q) || q+3 >= len(s) || !isPhoneSep(s[q+3]) || digitRun(s, q+4) != 4 {
			return -1
		}
		return q + 8
	}
	if !nxx(s, p) || p+3 >= len(s) {
		return -1
	}
	sep := s[p+3]
	if !isPhoneSep(sep) || !nxx(s, p+4) || p+7 >= len(s) || s[p+7] != sep || digitRun(s, p+8) != 4 {
		return -1
	}
	return p + 12
}

// nxx: three digits, the first 2 to 9, and no fourth digit.
func nxx(s string, p int) bool {
	return p+3 <= len(s) && s[p] >= '2' && s[p] <= '9' && digitRun(s, p) == 3
}

// ---- e-mail addresses

// email: the local part is the run of local-part characters from i, so
// there is an address at i only when that run ends at the next '@'.
func (sc *scan) email(i int) int {
	s := sc.s
	if sc.at < i {
		sc.at, sc.atEnd = len(s), -2
		if k := strings.IndexByte(s[i:], '@'); k >= 0 {
			sc.at = i + k
			sc.atFrom = sc.at
			for sc.atFrom > i && class[s[sc.atFrom-1]]&cLocal != 0 {
				sc.atFrom--
			}
		}
	}
	if sc.at >= len(s) || i < sc.atFrom {
		return -1
	}
	if sc.atEnd == -2 {
		sc.atEnd = domainEnd(s, sc.at+1)
	}
	return sc.atEnd
}

// domainEnd reads dot-separated labels of letters, digits and inner hyphens
// from p and returns the end of the longest domain whose last label is at
// least two letters not followed by a letter or digit, or -1.
func domainEnd(s string, p int) int {
	best := -1
	for labels := 0; ; labels++ {
		if labels > 0 {
			k := p
			for k < len(s) && class[s[k]]&cLetter != 0 {
				k++
			}
			if k-p >= 2 && (k == len(s) || !isAlnum(s[k])) {
				best = k
			}
		}
		if p >= len(s) || !isAlnum(s[p]) {
			return best
		}
		k := p
		for k < len(s) && (isAlnum(s[k]) || s[k] == '-') {
			k++
		}
		if s[k-1] == '-' || k+1 >= len(s) || s[k] != '.' || !isAlnum(s[k+1]) {
			return best
		}
		p = k + 1
	}
}

// ---- IP addresses

func (sc *scan) ip(i int) int {
	s := sc.s
	if i > sc.lo && (s[i-1] == ':' || s[i-1] == '.') {
		return -1
	}
	// an IPv6 address has a colon after at most four hex digits; then the
	// whole run of hex digits, colons and dots is the candidate
	j := i
	for j < len(s) && j-i < 5 && class[s[j]]&cHex != 0 {
		j++
	}
	colons := 0
	if j < len(s) && s[j] == ':' {
		for j < len(s) && (class[s[j]]&cHex != 0 || s[j] == ':' || s[j] == '.') {
			if s[j] == ':' {
				colons++
			}
			j++
		}
	}
	if colons >= 2 && (j == len(s) || !isAlnum(s[j])) {
		if validIPv6(s[i:j]) {
			return j
		}
		// a colon or dot that ends a sentence is not part of the address
		if last := s[j-1]; (last == '.' || last == ':') && validIPv6(s[i:j-1]) {
			return j - 1
		}
	}
	if isDigit(s[i]) {
		return sc.ipv4(i)
	}
	return -1
}

// ipv4: a dotted quad, every octet at most 255, that is the whole run.
// After "name/" it is a product version (User-Agent "Chrome/120.0.0.0").
func (sc *scan) ipv4(i int) int {
	s := sc.s
	if sc.before(i, sepIPv4) || (i-2 >= sc.lo && s[i-1] == '/' && isAlnum(s[i-2])) {
		return -1
	}
	p, ok := ipv4End(s, i)
	if !ok || sc.after(p, sepIPv4) {
		return -1
	}
	return p
}

// ipv4End reads a dotted quad at i and returns its end.
func ipv4End(s string, i int) (int, bool) {
	p := i
	for k := range 4 {
		if k > 0 {
			if p >= len(s) || s[p] != '.' {
				return 0, false
			}
			p++
		}
		d := digitRun(s, p)
		if d == 0 || d > 3 {
			return 0, false
		}
		if v := prefixNumStr(s[p : p+d]); v > 255 {
			return 0, false
		}
		p += d
	}
	return p, true
}

func prefixNumStr(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// validIPv6 checks the RFC 4291 text forms: eight groups of 1 to 4 hex
// digits, or fewer with one "::", the last two groups possibly written as
// an IPv4 address. At least one hex digit ("::" alone is not taken).
func validIPv6(s string) bool {
	if len(s) < 3 || len(s) > 45 {
		return false
	}
	groups, ellipsis, i := 0, false, 0
	if s[0] == ':' {
		if s[1] != ':' {
			return false
		}
		ellipsis, i = true, 2
	}
	for i < len(s) {
		j := i
		for j < len(s) && j-i <= 4 && class[s[j]]&cHex != 0 {
			j++
		}
		if j == i || j-i > 4 {
			return false
		}
		if j < len(s) && s[j] == '.' {
			// embedded IPv4: the last 32 bits
			if groups > 6 || (!ellipsis && groups != 6) {
				return false
			}
			if end, ok := ipv4End(s, i); !ok || end != len(s) {
				return false
			}
			groups += 2
			break
		}
		groups++
		if groups > 8 {
			return false
		}
		if j == len(s) {
			break
		}
		if s[j] != ':' || j+1 == len(s) {
			return false
		}
		i = j + 1
		if s[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
		}
	}
	if ellipsis {
		return groups < 8
	}
	return groups == 8
}

// ---- secrets

// providerKey is a key format: a prefix, then the longest run of letters,
// digits, '-' and '_' (AWS: upper-case letters and digits) of at least min.
type providerKey struct {
	prefix string
	min    int
	aws    bool
	random bool // the run must look random (a digit, or both cases)
}

// providerKeys, longer prefixes first.
var providerKeys = []providerKey{
	{prefix: "sk-proj-", min: 20, random: true}, // OpenAI
	{prefix: "sk-ant-", min: 8},                 // Anthropic
	{prefix: "sk-", min: 20, random: true},      // OpenAI
	{prefix: "sk_live_", min: 8},                // Stripe
	{prefix: "rk_live_", min: 8},                // Stripe
	{prefix: "AKIA", min: 16, aws: true},        // AWS
	{prefix: "ASIA", min: 16, aws: true},        // AWS
	{prefix: "AIza", min: 35},                   // Google
	{prefix: "github_pat_", min: 8},             // GitHub
	{prefix: "ghp_", min: 36},
	{prefix: "gho_", min: 36},
	{prefix: "ghu_", min: 36},
	{prefix: "ghs_", min: 36},
	{prefix: "ghr_", min: 36},
	{prefix: "xoxa-", min: 8}, // Slack
	{prefix: "xoxb-", min: 8},
	{prefix: "xoxp-", min: 8},
	{prefix: "xoxr-", min: 8},
	{prefix: "xoxs-", min: 8},
}

// keysByFirst indexes providerKeys by the first byte of the prefix.
var keysByFirst = func() (t [256][]providerKey) {
	for _, pk := range providerKeys {
		t[pk.prefix[0]] = append(t[pk.prefix[0]], pk)
	}
	return t
}()

func (sc *scan) secret(i int) (int, int) {
	s := sc.s
	switch s[i] {
	case '-':
		end := pemEnd(s, i)
		sc.wide = sc.wide || end < 0 && strings.HasPrefix(s[i:], pemBegin)
		return i, end
	case 'e':
		return i, sc.jwt(i)
	case 'B', 'b':
		return sc.bearer(i)
	}
	for _, pk := range keysByFirst[s[i]] {
		if !strings.HasPrefix(s[i:], pk.prefix) {
			continue
		}
		p := i + len(pk.prefix)
		end := p
		if pk.aws {
			// upper-case letters and digits only: no '-' or '_' inside, so
			// no other start falls in this run
			for end < len(s) && (s[end] >= 'A' && s[end] <= 'Z' || isDigit(s[end])) {
				end++
			}
		} else if p < len(s) && class[s[p]]&cToken != 0 {
			t := sc.token(p)
			end = t.end
			if pk.random && !t.random(p) {
				continue
			}
		}
		if end-p >= pk.min && !sc.after(end, 0) {
			return i, end
		}
	}
	return i, -1
}

const (
	pemBegin = "-----BEGIN "
	pemEndL  = "-----END "
	pemKey   = "PRIVATE KEY-----"
)

// pemEnd: from "-----BEGIN <label>PRIVATE KEY-----" through the matching
// END line, or to the end of the text (less its final line breaks).
func pemEnd(s string, i int) int {
	if !strings.HasPrefix(s[i:], pemBegin) {
		return -1
	}
	p := i + len(pemBegin)
	q := p
	for q < len(s) && q-p <= 40 && !strings.HasPrefix(s[q:], pemKey) {
		if c := s[q]; !(c >= 'A' && c <= 'Z' || isDigit(c) || c == ' ') {
			return -1
		}
		q++
	}
	if !strings.HasPrefix(s[q:], pemKey) {
		return -1
	}
	label := s[p:q]
	if label != "" && label[len(label)-1] != ' ' {
		return -1
	}
	body := q + len(pemKey)
	for k := body; ; {
		e := strings.Index(s[k:], pemEndL)
		if e < 0 {
			break
		}
		k += e + len(pemEndL)
		if strings.HasPrefix(s[k:], label) && strings.HasPrefix(s[k+len(label):], pemKey) {
			return k + len(label) + len(pemKey)
		}
	}
	end := len(s)
	for end > body && (s[end-1] == '\n' || s[end-1] == '\r') {
		end--
	}
	return end
}

// jwt: three base64url segments, the first starting "eyJ" (the signature
// may be empty); the two more segments of an encrypted token (JWE) too.
func (sc *scan) jwt(i int) int {
	s := sc.s
	if !strings.HasPrefix(s[i:], "eyJ") {
		return -1
	}
	p := sc.token(i).end
	if p+1 >= len(s) || s[p] != '.' || class[s[p+1]]&cToken == 0 {
		return -1
	}
	p = sc.token(p + 1).end
	if p >= len(s) || s[p] != '.' {
		return -1
	}
	p++
	for k := 0; k < 3 && p < len(s) && class[s[p]]&cToken != 0; k++ {
		// the signature, then the two more segments of a JWE
		p = sc.token(p).end
		if k == 2 || p+1 >= len(s) || s[p] != '.' || class[s[p+1]]&cToken == 0 {
			break
		}
		p++
	}
	return p
}

// bearer: "Bearer <token>" (any case) becomes "Bearer [SECRET]". The token
// is the run of A-Za-z0-9-._~+/ with its trailing '='. Only the English
// words that follow "bearer" in prose ("bearer of", "bearer bonds", "Bearer
// Authentication") are no token: any other run is masked, a lower-case
// word included ("Bearer mysecrettoken").
func (sc *scan) bearer(i int) (int, int) {
	s := sc.s
	if len(s)-i < 8 || !strings.EqualFold(s[i:i+6], "bearer") || (s[i+6] != ' ' && s[i+6] != '\t') {
		return i, -1
	}
	p := i + 7
	for p < len(s) && (s[p] == ' ' || s[p] == '\t') {
		p++
	}
	t := p
	p += runOf(s, p, cBearer)
	for p < len(s) && s[p] == '=' {
		p++
	}
	if p == t || proseAfterBearer(s[t:p]) {
		sc.wide = true
		return i, -1
	}
	return t, p
}

var bearerProse = []string{"a", "an", "and", "as", "auth", "authentication", "authorization", "bond", "bonds", "check",
	"checks", "cheque", "cheques", "credential", "credentials", "for", "format", "header", "headers", "in", "instrument",
	"instruments", "is", "of", "on", "or", "scheme", "schemes", "share", "shares", "string", "the", "to", "token",
	"tokens", "type", "value", "with"}

func proseAfterBearer(t string) bool {
	for _, w := range bearerProse {
		if strings.EqualFold(t, w) {
			return true
		}
	}
	return false
}
