package redact

// IPv4 and IPv6 addresses.

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
