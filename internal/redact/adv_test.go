package redact

import (
	"strings"
	"testing"
	"time"
)

// TestLinearTime guards against quadratic scans: 1 MB of each repeated
// shape, where a rescan per start would take minutes. Linear work takes
// milliseconds; the bound only catches a blow-up (it is no speed target:
// those are in the benchmarks).
func TestLinearTime(t *testing.T) {
	r := mustNew(t, allKinds(), Rule{Regex: `EMP-\d{6}`, Replacement: "x"})
	start := time.Now()
	for _, unit := range []string{"a@", "@a.", "a.", "1 ", "1-", "+1 ", "::", "1:", "1.", "(1", "-----BEGIN PRIVATE KEY-----",
		"-----BEGIN ", "-----END ", "eyJ.", "eyJa.b.", "eyJ-", "eyJa.eyJ-", "a@b.", "a@b-", "a@b.cc.", "Bearer ", "bearer a-",
		"x=", "sk-", "sk-a_", "ghp_-", "AKIA", "1.1.1.1.", "4111 ", "a", "@", "+(1)", "1 (", "[EMAIL]", "[EM"} {
		var c Counts
		r.String(strings.Repeat(unit, 1<<20/len(unit)), &c)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("35 MB of adversarial text took %s: a scan is not linear", d)
	}
}
