package redact

import (
	"regexp"
	"strings"
	"testing"
)

// proseKiB is 1 KiB of support-chat prose with the usual decoys (times,
// dates, order ids, prices, versions, UUIDs) and no value to mask.
var proseKiB = func() string {
	p := "Hi, thanks for reaching out about order 4155552671 placed on 2024-01-15 at 10:30:00. " +
		"The refund of $1,299.99 was approved by the billing team (ticket 550e8400-e29b-41d4-a716-446655440000) " +
		"and should arrive within 5-7 business days. Our app v1.2.3 had a sketch of the fix; @alice will " +
		"follow up tomorrow. Please keep the receipt, and let us know if anything else comes up! "
	for len(p) < 1024 {
		p += p
	}
	return p[:1024]
}()

// plainKiB is SPEC section 9's load message (the side-by-side harness's):
// prose without digits, '@' or ':'.
var plainKiB = strings.Repeat("How do I reset the password of my account on the billing portal? ", 16)[:1024]

// valuesKiB is the same prose with seven values to mask.
var valuesKiB = func() string {
	p := proseKiB[:600] + " Write to jane.doe@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, " +
		"key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w, IP 203.0.113.7, Bearer abc.DEF-123, AKIAIOSFODNN7EXAMPLE. "
	return (p + proseKiB)[:1024]
}()

func benchKiB(b *testing.B, r *Redactor, text string) {
	var c Counts
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		r.String(text, &c)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*1024/float64(len(text)), "ns/KiB")
}

// BenchmarkRedact: the built-in kinds, all on, over 1 KiB of prose.
func BenchmarkRedact(b *testing.B) {
	all := mustNew(b, allKinds())
	b.Run("prose", func(b *testing.B) { benchKiB(b, all, proseKiB) })
	b.Run("plain", func(b *testing.B) { benchKiB(b, all, plainKiB) })
	b.Run("values", func(b *testing.B) { benchKiB(b, all, valuesKiB) })
	withRule := mustNew(b, allKinds(), Rule{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"})
	b.Run("prose+pattern", func(b *testing.B) { benchKiB(b, withRule, proseKiB) })
	b.Run("64KiB", func(b *testing.B) { benchKiB(b, all, strings.Repeat(proseKiB, 64)) })
}

// BenchmarkRegexpPerKind is the design this package avoids, for
// comparison: one RE2 scan per kind (without the validation).
func BenchmarkRegexpPerKind(b *testing.B) {
	res := []*regexp.Regexp{
		regexp.MustCompile(`\b(?:sk-[A-Za-z0-9_-]{20,}|AKIA[A-Z0-9]{16}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)`),
		regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`),
		regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`),
		regexp.MustCompile(`\+\d(?:[ .-]?\d){7,14}\b`),
		regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`),
	}
	for _, tc := range []struct{ name, text string }{{"prose", proseKiB}, {"values", valuesKiB}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			b.ReportAllocs()
			for b.Loop() {
				s := tc.text
				for _, re := range res {
					s = re.ReplaceAllString(s, "[X]")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*1024/float64(len(tc.text)), "ns/KiB")
		})
	}
}
