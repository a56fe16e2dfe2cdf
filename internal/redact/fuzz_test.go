package redact

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRedact: any text, every kind on and a well-behaved pattern: no panic,
// valid UTF-8 stays valid, redacting twice changes nothing, and a value
// written alone on a line is gone.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"mail john.doe@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111",
		"Bearer abc.DEF-123 and sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w from 2001:db8::1 and 10.0.0.1",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig (415) 555-2671 EMP-123456",
		"用户邮箱是li.wei@example.cn谢谢 1.2.3.4.5 10:30:00 ::ffff:1.2.3.4",
		"4111111111111111-5 +1 (415)-555-2671 a@b.co1.2.3.4",
	} {
		f.Add(s)
	}
	r, err := New(allKinds(), []Rule{{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}})
	if err != nil {
		f.Fatal(err)
	}
	builtins := mustNew(f, allKinds())
	values := []string{"john.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "AKIAIOSFODNN7EXAMPLE", "192.168.1.10", "2001:db8::1"}
	f.Fuzz(func(t *testing.T, s string) {
		var c Counts
		out := r.String(s, &c)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q: %q", s, out)
		}
		if got, want := builtins.String(s, &c), fixpoint(builtins, s); got != want {
			t.Fatalf("%q: got %q, the fixpoint is %q", s, got, want)
		}
		if again := r.String(out, &c); again != out {
			t.Fatalf("not idempotent:\n in  %q\n out %q\n 2nd %q", s, out, again)
		}
		if out == s && c != (Counts{}) {
			t.Fatalf("counted %v without a change in %q", c, s)
		}
		// the same text with values on lines of their own
		lines := s + "\n" + strings.Join(values, "\n") + "\n"
		masked := r.String(lines, &c)
		for _, v := range values {
			if strings.Count(masked, v) > strings.Count(s, v) {
				t.Fatalf("%q survived in %q", v, masked)
			}
		}
	})
}

// TestIPv6AgainstNetip compares the allocation-free IPv6 check with
// net/netip on random strings over the address alphabet.
func TestIPv6AgainstNetip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789abcdefABCDEF:::::....."
	parts := []string{"::", ":", "0", "1", "ffff", "db8", "2001", "1.2.3.4", "255.0.0.1", "01.2.3.4", "12345", "fe80"}
	checked, valid := 0, 0
	for range 300_000 {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			for range 1 + rng.IntN(40) {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		} else {
			for range 1 + rng.IntN(9) {
				b.WriteString(parts[rng.IntN(len(parts))])
				if rng.IntN(3) > 0 {
					b.WriteByte(':')
				}
			}
		}
		s := b.String()
		a, err := netip.ParseAddr(s)
		want := err == nil && a.Is6()
		got := validIPv6(s)
		if strings.Count(s, ":") < 2 || !strings.ContainsAny(s, "0123456789abcdefABCDEF") {
			want = false // "::" alone and IPv4 are not taken as IPv6
		}
		if got != want && !(got && leadingZeroOctet(s)) {
			t.Fatalf("validIPv6(%q) = %v, netip says %v (%v)", s, got, want, err)
		}
		checked++
		if got {
			valid++
		}
	}
	if valid < 1000 {
		t.Fatalf("only %d of %d candidates were valid: the generator is too weak", valid, checked)
	}
}

// leadingZeroOctet: netip refuses "01.2.3.4" inside IPv6; the redactor
// masks it (an address written with padding is still an address).
func leadingZeroOctet(s string) bool {
	i := strings.LastIndexByte(s, ':')
	for _, o := range strings.Split(s[i+1:], ".") {
		if len(o) > 1 && o[0] == '0' {
			return true
		}
	}
	return false
}

func TestLuhnAndNetworks(t *testing.T) {
	digits := func(s string) []byte {
		d := make([]byte, len(s))
		for i := range s {
			d[i] = s[i] - '0'
		}
		return d
	}
	for _, s := range []string{"4111111111111111", "79927398713", "0"} {
		if !luhn(digits(s)) {
			t.Errorf("luhn(%s) = false", s)
		}
	}
	for _, s := range []string{"4111111111111112", "79927398710", "1"} {
		if luhn(digits(s)) {
			t.Errorf("luhn(%s) = true", s)
		}
	}
	for prefix, want := range map[string]bool{"4": true, "51": true, "55": true, "56": false, "2221": true, "2720": true, "2721": false,
		"2220": false, "34": true, "37": true, "35": false, "6011": true, "644": true, "649": true, "643": false, "65": true,
		"3528": true, "3589": true, "3590": false, "300": true, "305": true, "306": false, "36": true, "38": true, "39": true, "1": false} {
		d := digits((prefix + "0000000000000000")[:16])
		if got := cardNetwork(d); got != want {
			t.Errorf("cardNetwork(%s…) = %v, want %v", prefix, got, want)
		}
	}
}

// fixpoint is the reference: passes until nothing changes, without the
// mayCross shortcut, then the rules, and the kinds again after any change
// by a rule, without the quiet shortcut.
func fixpoint(r *Redactor, s string) string {
	var c Counts
	for round := 0; ; round++ {
		for {
			out, ok, _ := r.pass(s, &c)
			if !ok {
				break
			}
			s = out
		}
		changed := false
		for i := range r.rules {
			if out, ok, _ := r.rules[i].apply(s, &c); ok {
				s, changed = out, true
			}
		}
		if !changed || round == maxPasses {
			return s
		}
	}
}

// TestPiecesAgainstFixpoint glues random pieces of values, separators and
// look-alikes together (the shapes where recognisers meet) and checks that
// the redactor, which skips the second pass when no candidate can have read
// into a masked value, gives the full fixpoint, and is idempotent.
func TestPiecesAgainstFixpoint(t *testing.T) {
	pieces := []string{"4111", "1111", "4111111111111111", "5555555555554444", " ", "-", ".", ":", "::", "1", "0", "9", "255",
		"10.0.0.1", "2001:db8::1", "fe80", "@", "a", "x", "jane", "ex.com", "b.io", "+", "+44", "(", ")", "(415)", "555", "2671",
		"AKIAIOSFODNN7EXAMPLE", "sk-", "proj-", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1w", "Bearer ", "bearer\t", "eyJ", "eyJhbGciOiJIUzI1NiJ9",
		"_", "/", "=", "'", "!", "-----BEGIN ", "RSA ", "PRIVATE KEY-----", "-----END ", "\n", "[EMAIL]", "[", "]", "é", "用"}
	pieces = append(pieces, "EMP-123456", "EMP-1", "ZX-12", "Z", ",", "?", "\"", "'", "<", "{")
	for _, r := range []*Redactor{mustNew(t, allKinds()), mustNew(t, allKinds(),
		Rule{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}, Rule{Regex: `ZX-\d+`, Replacement: "9"}, Rule{Regex: `Z`, Replacement: "a"})} {
		rng := rand.New(rand.NewPCG(3, 4))
		for range 200_000 {
			var b strings.Builder
			for range 1 + rng.IntN(12) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := b.String()
			var c Counts
			got := r.String(s, &c)
			if want := fixpoint(r, s); got != want {
				t.Fatalf("%q: got %q, the fixpoint is %q", s, got, want)
			}
			if again := r.String(got, &c); again != got && len(r.rules) == 0 {
				t.Fatalf("%q: not idempotent: %q then %q", s, got, again)
			}
		}
	}
}
