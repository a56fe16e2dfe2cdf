package redact

import "strings"

// Secrets: provider keys, PEM private keys, JWTs and bearer tokens.

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
