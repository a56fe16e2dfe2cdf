package redact

// Cards and phone numbers: runs of digit groups.

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
