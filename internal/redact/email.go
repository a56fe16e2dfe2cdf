package redact

import "strings"

// E-mail addresses.

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
