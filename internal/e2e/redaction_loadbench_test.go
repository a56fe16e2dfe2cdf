//go:build loadbench

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// supportProse is a 1 KiB user message of a support chat with seven values
// to mask, a contract number for the pattern and the usual look-alikes: the
// second load of the redaction side by side (the side-by-side load's own message
// holds no value).
var supportProse = func() string {
	p := "Hi, I'm Jane (jane.doe@example.com). My card 4111 1111 1111 1111 was charged twice for order 4155552671 " +
		"on 2024-01-15 at 10:30:00, $1,299.99 each. Call me on +44 20 7946 0958. Our app v1.2.3 logs key " +
		"AKIAIOSFODNN7EXAMPLE from 203.0.113.7 with Bearer abc.DEF-123 and contract ZX-4471-ACME. "
	filler := "Thanks for looking into this; the refund should go to the same card, and please keep the ticket open " +
		"until the bank confirms it. I attached the receipt and a sketch of what happened at checkout. "
	for len(p) < 1024 {
		p += filler
	}
	return p[:1024]
}()

// redactionExporters: the same precogx exporter with redaction off
// (sbs-precogx.yaml) and with every kind on, a pattern and id hashing.
var redactionExporters = []sbsExporter{{name: "off", config: "sbs-precogx.yaml"}, {name: "on", config: "sbs-precogx-redacted.yaml"}}

// TestRedactionSideBySide (make bench-redaction) runs the harness of make
// bench-collector (sidebyside_test.go: collectors on CPU 0 with one core
// each, written-out delivery settings, 50 turns per request) with redaction
// off and on at the same time, each sent every request, and reports each
// round's ratio of CPU per span, on over off, with the median and spread. It also takes a CPU profile of every run and
// gives, for the last "on" run of each cell, the share of the collector's
// CPU spent in redaction: a figure the shared machine's noise does not blur
// as it blurs two runs side by side. SBS_ROUNDS and SBS_SECONDS apply.
func TestRedactionSideBySide(t *testing.T) {
	rounds, seconds := envInt("SBS_ROUNDS", 3), envInt("SBS_SECONDS", 10)
	sink := newSbsSink(t)
	n := 10_000 * seconds / (4 * sbsTurnsPerRequest) // enough for the highest rate
	loads := map[string][][]byte{"spec9": sbsRequests(t, n), "prose": sbsRequestsWith(t, n, supportProse)}
	profiles := t.TempDir()
	t.Setenv("SBS_PROFILE", profiles)
	cells := []struct {
		load, compression string
		rate              int
	}{{"spec9", "none", 5_000}, {"spec9", "none", 10_000}, {"spec9", "gzip", 10_000}, {"prose", "none", 10_000}}

	var out strings.Builder
	fmt.Fprintf(&out, "\nrounds %d, %d s each; off and on together on CPU 0 (GOMAXPROCS=1 each), loader and sink on CPU 1\n\n", rounds, seconds)
	out.WriteString("| load | compression | spans/s | off: CPU per 10k spans | on: CPU per 10k spans | on / off per round | median (spread) | redaction's share of CPU (profile) |\n|---|---|---|---|---|---|---|---|\n")
	for _, c := range cells {
		cpu := map[string][]float64{}
		for range rounds {
			for _, r := range runTogether(t, sink, loads[c.load], redactionExporters, c.compression, c.rate, seconds) {
				require.Zero(t, r.refused, "%s: the receiver refused requests at a fixed rate", r.exporter)
				cpu[r.exporter] = append(cpu[r.exporter], r.cpuPer10k())
			}
		}
		var ratios []string
		var rs []float64
		for i := range cpu["on"] {
			rs = append(rs, cpu["on"][i]/cpu["off"][i])
			ratios = append(ratios, strconv.FormatFloat(rs[i], 'f', 2, 64))
		}
		share := redactionShare(t, filepath.Join(profiles, fmt.Sprintf("on-%s-%d.pprof", c.compression, c.rate)))
		fmt.Fprintf(&out, "| %s | %s | %d | %s | %s | %s | %s | %s |\n", c.load, c.compression, c.rate,
			spread(cpu["off"], "%.0f ms"), spread(cpu["on"], "%.0f ms"), strings.Join(ratios, ", "), spread(rs, "%.2f"), share)
	}
	fmt.Fprint(os.Stderr, out.String())
}

// redactionShare reads a CPU profile and returns the cumulative share of
// (*redactor).redact, with the number of samples.
func redactionShare(t *testing.T, profile string) string {
	text, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=1000", profile).CombinedOutput()
	require.NoError(t, err, "%s", text)
	share, total := "0%", ""
	for _, l := range strings.Split(string(text), "\n") {
		f := strings.Fields(l)
		switch {
		case strings.Contains(l, "Total samples"):
			total = strings.TrimSpace(l[strings.Index(l, "Total samples"):])
		case len(f) >= 6 && strings.HasSuffix(f[5], "(*redactor).redact"):
			share = f[4]
		}
	}
	return share + " (" + total + ")"
}
