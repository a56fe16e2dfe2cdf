package redact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func allKinds() Kinds {
	return Kinds(0).With(Secret).With(Card).With(Email).With(Phone).With(IP)
}

func mustNew(t testing.TB, kinds Kinds, rules ...Rule) *Redactor {
	t.Helper()
	r, err := New(kinds, rules)
	require.NoError(t, err)
	return r
}

type kindCase struct {
	in, want string
}

// runCases redacts each input with only kind on, then with every kind on
// (the decoys of one kind must not be taken by another), and checks the
// count, idempotence and that no other kind fired.
func runCases(t *testing.T, kind Kind, cases []kindCase) {
	t.Helper()
	for _, set := range []struct {
		name  string
		kinds Kinds
	}{{"alone", Kinds(0).With(kind)}, {"all", allKinds()}} {
		r := mustNew(t, set.kinds)
		for _, tc := range cases {
			t.Run(set.name+"/"+tc.in, func(t *testing.T) {
				var c Counts
				got := r.String(tc.in, &c)
				assert.Equal(t, tc.want, got)
				want := int64(strings.Count(tc.want, kind.Mask()) - strings.Count(tc.in, kind.Mask()))
				assert.Equal(t, want, c[kind], "count of %s", kind)
				for k := range Pattern {
					if k != kind {
						assert.Zero(t, c[k], "no %s in %q", k, tc.in)
					}
				}
				var again Counts
				assert.Equal(t, got, r.String(got, &again), "idempotent")
				assert.Equal(t, Counts{}, again)
			})
		}
	}
}

func TestEmails(t *testing.T) {
	runCases(t, Email, []kindCase{
		{"mail john.doe@example.com today", "mail [EMAIL] today"},
		{"JOHN.DOE@EXAMPLE.COM", "[EMAIL]"},
		{"<jane+tag@sub.mail.example.co.uk>", "<[EMAIL]>"},
		{"x_y-z!#$%&*/=?^`{|}~w@host-name.example.org", "[EMAIL]"},
		{"o'brien@example.ie", "[EMAIL]"},
		{"'quoted@example.com'", "'[EMAIL]'"},
		{"reply to .dot@example.com", "reply to .[EMAIL]"},
		{"(ann@example.com)", "([EMAIL])"},
		{"end of sentence a@b.io.", "end of sentence [EMAIL]."},
		{"mailto:ops@xn--bcher-kva.example", "mailto:[EMAIL]"},
		{"用户邮箱是li.wei@example.cn谢谢", "用户邮箱是[EMAIL]谢谢"},
		{"a@b.com,c@d.net", "[EMAIL],[EMAIL]"},
		{"first.last@example.com-and-more", "[EMAIL]-and-more"},
		{"user@example.com.", "[EMAIL]."},
		// decoys
		{"ping @alice and @bob.smith", "ping @alice and @bob.smith"},
		{"user@localhost", "user@localhost"},
		{"name@example.c", "name@example.c"},
		{"name@example.c0m", "name@example.c0m"},
		{"name@-bad.com", "name@-bad.com"},
		{"x@y", "x@y"},
		{"@", "@"},
		{"git@github", "git@github"},
		{"email1@example.com2", "email1@example.com2"},
		{"package@1.2.3", "package@1.2.3"},
	})
}

func TestPhones(t *testing.T) {
	runCases(t, Phone, []kindCase{
		{"call +44 20 7946 0958 now", "call [PHONE] now"},
		{"+14155552671", "[PHONE]"},
		{"+1-415-555-2671", "[PHONE]"},
		{"+1.415.555.2671", "[PHONE]"},
		{"+33 1.23-45 67 89", "[PHONE]"},
		{"+49 (0) 30 1234567", "[PHONE]"},
		{"+49(0)301234567", "[PHONE]"},
		{"+1 (415) 555-2671", "[PHONE]"},
		{"+(44) 20 7946 0958", "[PHONE]"},
		{"+1 (415)-555-2671", "[PHONE]"},
		{"+12345678", "[PHONE]"},
		{"+123456789012345", "[PHONE]"},
		{"(415) 555-2671", "[PHONE]"},
		{"(415)555-2671", "[PHONE]"},
		{"415-555-2671", "[PHONE]"},
		{"415.555.2671", "[PHONE]"},
		{"415 555 2671", "[PHONE]"},
		{"1-415-555-2671", "[PHONE]"},
		{"1 (415) 555-2671", "[PHONE]"},
		{"1.415.555.2671", "[PHONE]"},
		{"tel: 212-555-0199.", "tel: [PHONE]."},
		{"5 +44 20 7946 0958", "5 [PHONE]"},
		// decoys
		{"order 4155552671 shipped", "order 4155552671 shipped"},
		{"ts 1718900000 and 1718900000123", "ts 1718900000 and 1718900000123"},
		{"+1234567", "+1234567"},
		{"+1234567890123456", "+1234567890123456"},
		{"115-555-2671", "115-555-2671"},
		{"415-155-2671", "415-155-2671"},
		{"415-555.2671", "415-555.2671"},
		{"415-555-26710", "415-555-26710"},
		{"415-555-2671-2", "415-555-2671-2"},
		{"9415-555-2671", "9415-555-2671"},
		{"2024-01-15", "2024-01-15"},
		{"10:30:00", "10:30:00"},
		{"1+12345678", "1+12345678"},
		{"x+12345678", "x+12345678"},
		{"ISBN 978-3-16-148410-0", "ISBN 978-3-16-148410-0"},
		{"+44 20 7946 0958 2024 01 15", "+44 20 7946 0958 2024 01 15"},
		{"$1,299.99", "$1,299.99"},
		{"ext415-555-2671", "ext415-555-2671"},
	})
}

func TestCards(t *testing.T) {
	runCases(t, Card, []kindCase{
		{"card 4111 1111 1111 1111 exp", "card [CARD] exp"},
		{"4111-1111-1111-1111", "[CARD]"},
		{"4111111111111111", "[CARD]"},
		{"4222222222222", "[CARD]"},       // Visa, 13 digits
		{"5555 5555 5555 4444", "[CARD]"}, // Mastercard
		{"2221 0000 0000 0009", "[CARD]"}, // Mastercard 2-series
		{"3782 822463 10005", "[CARD]"},   // Amex 4-6-5
		{"371449635398431", "[CARD]"},     // Amex
		{"6011 1111 1111 1117", "[CARD]"}, // Discover
		{"6445644564456445", "[CARD]"},    // Discover 644
		{"3530 1113 3330 0000", "[CARD]"}, // JCB
		{"3056 9309 0259 04", "[CARD]"},   // Diners 14
		{"6011000990139424", "[CARD]"},    // Discover
		{"4111111111111111110", "[CARD]"}, // 19 digits
		{"paid:4111111111111111.", "paid:[CARD]."},
		// decoys
		{"4111 1111 1111 1112", "4111 1111 1111 1112"},   // Luhn
		{"1234 5678 9012 3456", "1234 5678 9012 3456"},   // no network
		{"4111 1111-1111 1111", "4111 1111-1111 1111"},   // mixed separators
		{"4111  1111 1111 1111", "4111  1111 1111 1111"}, // double space: two runs
		{"4111111111111111x", "4111111111111111x"},
		{"14111111111111111", "14111111111111111"},
		{"1 4111 1111 1111 1111", "1 4111 1111 1111 1111"},
		{"4111 1111 1111 1111 5", "4111 1111 1111 1111 5"},
		{"41111111111111111111", "41111111111111111111"},
		{"ts 1718900000123 id 123456789012", "ts 1718900000123 id 123456789012"},
		{"uuid 123e4567-e89b-12d3-a456-426614174000", "uuid 123e4567-e89b-12d3-a456-426614174000"},
		{"hex 4111111111111111ab", "hex 4111111111111111ab"},
		{"order ORD-1234567890123456", "order ORD-1234567890123456"},
	})
}

func TestSecrets(t *testing.T) {
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc+/=\n-----END RSA PRIVATE KEY-----"
	runCases(t, Secret, []kindCase{
		{"key:\n" + pem + "\nthanks", "key:\n[SECRET]\nthanks"},
		{"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "[SECRET]"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n", "[SECRET]\n"},
		{"-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END RSA PRIVATE KEY-----\nrest", "[SECRET]"},
		{"-----BEGIN ENCRYPTED PRIVATE KEY-----\ncut off here\n\n", "[SECRET]\n\n"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c ok", "jwt [SECRET] ok"},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "[SECRET]"},
		{"eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2o.48V1_ALb6US04U3b.5eym8TW_c8SuK.XFBoMYUZodetZdvTiFvSkQ", "[SECRET]"},
		{"OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w", "OPENAI_API_KEY=[SECRET]"},
		{"sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "[SECRET]"},
		{"sk-ant-api03-abcdefgh_IJK", "[SECRET]"},
		{"AKIAIOSFODNN7EXAMPLE", "[SECRET]"},
		{"ASIAY34FZKBOKMUTVV7A.", "[SECRET]."},
		{"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "[SECRET]"},
		{"gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "[SECRET]"},
		{"github_pat_11ABCDEFG0abcdefghijk_xyz", "[SECRET]"},
		{"xoxb-123456789012-1234567890123-AbCdEfGh", "[SECRET]"},
		{"xoxp-12345678", "[SECRET]"},
		{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[SECRET]"},
		{"rk_live_abcdefgh", "[SECRET]"},
		{"AIzaSyA1234567890abcdefghijklmnopqrstuv", "[SECRET]"},
		{"Authorization: Bearer abc.DEF-123_x~y+z/w==", "Authorization: Bearer [SECRET]"},
		{"authorization: bearer\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==", "authorization: bearer\t[SECRET]"},
		{"BEARER 0123456789", "BEARER [SECRET]"},
		{"curl -H 'Authorization: Bearer mysecrettoken'", "curl -H 'Authorization: Bearer [SECRET]'"},
		// decoys
		{"a sketch of the skyline", "a sketch of the skyline"},
		{"use sk-learn and sk-12345 today", "use sk-learn and sk-12345 today"},
		{"sk-this-is-a-long-hyphenated-phrase-here", "sk-this-is-a-long-hyphenated-phrase-here"},
		{"task-abcdefghijklmnopqrstuvwxyz0123", "task-abcdefghijklmnopqrstuvwxyz0123"},
		{"AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPL"},
		{"AKIAIOSFODNN7EXAMPLEabc", "AKIAIOSFODNN7EXAMPLEabc"},
		{"ASIA Pacific", "ASIA Pacific"},
		{"ghp_short", "ghp_short"},
		{"xoxb-1234", "xoxb-1234"},
		{"the bearer of this card", "the bearer of this card"},
		{"HTTP Bearer Authentication", "HTTP Bearer Authentication"},
		{"send a bearer token in the Bearer Token header", "send a bearer token in the Bearer Token header"},
		{"bearer bonds and Bearer shares", "bearer bonds and Bearer shares"},
		{"Bearer <token>", "Bearer <token>"},
		{"eyJ alone and eyJhbGci.only-two", "eyJ alone and eyJhbGci.only-two"},
		{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
		{"-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----"},
		{"mask-sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w", "mask-[SECRET]"},
	})
}

func TestIPAddresses(t *testing.T) {
	runCases(t, IP, []kindCase{
		{"from 192.168.1.10 today", "from [IP] today"},
		{"0.0.0.0 and 255.255.255.255", "[IP] and [IP]"},
		{"http://10.0.0.1:8080/x", "http://[IP]:8080/x"},
		{"10.0.0.1-10.0.0.5", "[IP]-[IP]"},
		{"cidr 10.0.0.0/8", "cidr [IP]/8"},
		{"host 10.0.0.1.", "host [IP]."},
		{"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[IP]"},
		{"2001:db8::1", "[IP]"},
		{"[2001:db8::1]:443", "[[IP]]:443"},
		{"::1", "[IP]"},
		{"fe80::", "[IP]"},
		{"::ffff:192.0.2.128", "[IP]"},
		{"64:ff9b::192.0.2.33", "[IP]"},
		{"1:2:3:4:5:6:1.2.3.4", "[IP]"},
		{"FE80::AB:CD", "[IP]"},
		{"addr 2001:db8::1.", "addr [IP]."},
		{"addr 2001:db8::1: up", "addr [IP]: up"},
		{"client=203.0.113.7;", "client=[IP];"},
		// decoys
		{"at 10:30:00 and 23:59", "at 10:30:00 and 23:59"},
		{"v1.2.3 and 1.2.3 and v1.2.3.4", "v1.2.3 and 1.2.3 and v1.2.3.4"},
		{"256.1.1.1", "256.1.1.1"},
		{"1.2.3.4.5", "1.2.3.4.5"},
		{"1.2.3.4a", "1.2.3.4a"},
		{"1234.1.1.1", "1234.1.1.1"},
		{"Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36", "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36"},
		{"date 2024.01.15", "date 2024.01.15"},
		{"price 3.50", "price 3.50"},
		{"std::vector and a :: b", "std::vector and a :: b"},
		{"1::2::3", "1::2::3"},
		{"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9"},
		{"12345::1", "12345::1"},
		{"mac 00:1a:2b:3c:4d:5e", "mac 00:1a:2b:3c:4d:5e"},
		{"deadbeef cafe", "deadbeef cafe"},
		{"fe80::1g", "fe80::1g"},
		{"uuid 550e8400-e29b-41d4-a716-446655440000", "uuid 550e8400-e29b-41d4-a716-446655440000"},
	})
}

// TestPrecedence: the candidate starting first wins; at the same start the
// order is secrets, cards, e-mails, phones, IP addresses.
func TestPrecedence(t *testing.T) {
	r := mustNew(t, allKinds())
	for in, want := range map[string]string{
		"4111111111111111@example.com":                                   "[CARD]@example.com",
		"12345@example.com":                                              "[EMAIL]",
		"sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w@example.com":                    "[SECRET]@example.com",
		"+14155552671@example.com":                                       "[EMAIL]",
		"john@example.com+44 20 7946 0958":                               "[EMAIL][PHONE]",
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc":                "Bearer [SECRET]",
		"call 415.555.2671 or 10.1.2.3":                                  "call [PHONE] or [IP]",
		"root@10.0.0.1":                                                  "root@[IP]",
		"-----BEGIN PRIVATE KEY-----\nuser@example.com 4111111111111111": "[SECRET]",
	} {
		assert.Equal(t, want, r.String(in, new(Counts)), in)
	}
}

func TestOffLeavesTextAlone(t *testing.T) {
	r := mustNew(t, 0)
	in := "john@example.com 4111 1111 1111 1111 +44 20 7946 0958 10.0.0.1 AKIAIOSFODNN7EXAMPLE"
	var c Counts
	out := r.String(in, &c)
	assert.Equal(t, in, out)
	assert.Equal(t, Counts{}, c)
	assert.False(t, r.Active())
}

func TestPatterns(t *testing.T) {
	r := mustNew(t, allKinds(),
		Rule{Regex: `\bEMP-\d{6}\b`, Replacement: "[EMPLOYEE]"},
		Rule{Regex: `(?i)order (\d+)`, Replacement: "order #$1-redacted"},
		Rule{Regex: `^Dear \w+`, Replacement: "Dear customer"},
	)
	var c Counts
	got := r.String("Dear Ann, EMP-123456 wrote from ann@example.com about Order 42 and EMP-654321.", &c)
	assert.Equal(t, "Dear customer, [EMPLOYEE] wrote from [EMAIL] about order #42-redacted and [EMPLOYEE].", got)
	assert.Equal(t, int64(4), c[Pattern])
	assert.Equal(t, int64(1), c[Email])

	// a replacement frees the value its match stood against: the kinds run again
	c = Counts{}
	got = r.String("EMP-000000+442079460958", &c)
	assert.Equal(t, "[EMPLOYEE][PHONE]", got)
	assert.Equal(t, Counts{Phone: 1, Pattern: 1}, c)
	assert.Equal(t, got, r.String(got, new(Counts)), "idempotent")

	// patterns never see the masks, and anchors apply to the text between them
	r2 := mustNew(t, allKinds(), Rule{Regex: `[A-Z]{4,}`, Replacement: "X"}, Rule{Regex: `^ x`, Replacement: " Y"})
	c = Counts{}
	got = r2.String("HELLO a@b.io xyz", &c)
	assert.Equal(t, "X [EMAIL] Yyz", got)
	assert.Equal(t, got, r2.String(got, new(Counts)), "idempotent")
	assert.Equal(t, int64(2), c[Pattern])
}

func TestCompileErrors(t *testing.T) {
	_, err := New(0, []Rule{{Regex: `ok`}, {Regex: `(unclosed`}})
	require.ErrorContains(t, err, "patterns[1]: ")
	_, err = New(0, []Rule{{Regex: `a*`}})
	require.ErrorContains(t, err, "patterns[0]: regex matches the empty string")
	_, err = New(0, []Rule{{Regex: ``}})
	require.ErrorContains(t, err, "patterns[0]: regex must not be empty")
}

// TestNoAllocWithoutMatch: text without values costs no allocation, with
// every kind on (and with a pattern that does not match).
func TestNoAllocWithoutMatch(t *testing.T) {
	prose := strings.Repeat("The quick brown fox met the agent at 10:30:00 on 2024-01-15, paid $1,299.99 "+
		"for order 4155552671 (v1.2.3) and wrote @alice a sketch; UUID 550e8400-e29b-41d4-a716-446655440000. ", 10)
	for name, r := range map[string]*Redactor{
		"kinds":   mustNew(t, allKinds()),
		"pattern": mustNew(t, allKinds(), Rule{Regex: `EMP-\d{6}`, Replacement: "x"}),
	} {
		var c Counts
		allocs := testing.AllocsPerRun(100, func() {
			if r.String(prose, &c) != prose {
				t.Fatal("changed")
			}
		})
		assert.Zero(t, allocs, name)
	}
}
