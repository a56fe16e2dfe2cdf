//go:build loadbench

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// supportProse is a 1 KiB user message of a support chat with seven values
// to mask and the usual look-alikes, for the second load of the redaction
// side by side (the first is SPEC section 9's, which holds no value).
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

// TestRedactionSideBySide (make bench-redaction): the built collector on one
// core with redaction off (bench-precogx.yaml) and with every kind on
// (bench-precogx-redacted.yaml), alternating in each round (off first in
// even rounds, on first in odd ones) so that drift on the shared machine
// falls on both sides. It reports CPU per 10,000 spans, each round's ratio,
// and the median and spread of the ratios.
func TestRedactionSideBySide(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	const rounds = 3
	type cell struct {
		load string
		rate int
	}
	cells := []cell{{"spec9", 5_000}, {"spec9", 10_000}, {"prose", 10_000}}
	msgs := map[string]string{"spec9": strings.Repeat("m", 1024), "prose": supportProse}
	var sb strings.Builder
	sb.WriteString("| load | spans/s | round | off: CPU per 10,000 spans | on: CPU per 10,000 spans | ratio on/off | peak RSS off / on |\n|---|---|---|---|---|---|---|\n")
	var summary []string
	for _, c := range cells {
		var ratios []float64
		for round := range rounds {
			modes := []string{"off", "on"}
			if round%2 == 1 {
				slices.Reverse(modes)
			}
			res := map[string]loadResult{}
			for _, mode := range modes {
				dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "dev.log"),
					"-quiet", "-keys", testAPIKey+":unlimited")
				require.NoError(t, err)
				config := "bench-precogx.yaml"
				if mode == "on" {
					config = "bench-precogx-redacted.yaml"
				}
				res[mode] = runLoad(t, mode, config, c.rate, msgs[c.load],
					[]string{"PRECOGX_ENDPOINT=" + dev.URL + "/api/v1", "PRECOGX_API_KEY=" + testAPIKey},
					func() int { return accepted(dev) }, nil)
				if mode == "on" && c.load == "prose" {
					items, err := dev.Interactions()
					require.NoError(t, err)
					require.NotEmpty(t, items)
					require.NotContains(t, string(items[0].Interaction), "jane.doe@example.com", "the redacted run masks")
				}
				_ = dev.Stop(5 * time.Second)
			}
			off, on := res["off"], res["on"]
			ratio := float64(on.cpuPer10k) / float64(off.cpuPer10k)
			ratios = append(ratios, ratio)
			fmt.Fprintf(&sb, "| %s | %d | %d | %d ms | %d ms | %.2f | %.0f / %.0f MiB |\n", c.load, c.rate, round+1,
				off.cpuPer10k.Milliseconds(), on.cpuPer10k.Milliseconds(), ratio, float64(off.peakRSS)/(1<<20), float64(on.peakRSS)/(1<<20))
		}
		slices.Sort(ratios)
		summary = append(summary, fmt.Sprintf("%s at %d spans/s: median ratio %.2f (min %.2f, max %.2f)",
			c.load, c.rate, ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1]))
	}
	fmt.Fprint(os.Stderr, "\n"+sb.String()+"\n"+strings.Join(summary, "\n")+"\n")
}

// TestRedactionProfile (make bench-redaction-profile): the CPU profile of
// the built collector with every kind on under a load, taken with the pprof
// extension while the load runs; it reports the share of the collector's
// CPU spent in redaction, a figure the machine's noise does not blur as it
// blurs two runs side by side.
func TestRedactionProfile(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	for _, load := range []struct {
		name, msg string
	}{{"spec9", strings.Repeat("m", 1024)}, {"prose", supportProse}} {
		dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "dev.log"),
			"-quiet", "-keys", testAPIKey+":unlimited")
		require.NoError(t, err)
		pprofPort := FreePort()
		col, err := StartCollectorArgs(filepath.Join(root, "bin", "otelcol-precogx"), []string{
			"--config=" + filepath.Join(root, "testdata", "collector", "bench-precogx-redacted.yaml"),
			fmt.Sprintf("--config=yaml:extensions::pprof::endpoint: 127.0.0.1:%d", pprofPort),
			"--config=yaml:service::extensions: [health_check, pprof]",
		}, filepath.Join(t.TempDir(), "collector.log"),
			"GOMAXPROCS=1", "PRECOGX_ENDPOINT="+dev.URL+"/api/v1", "PRECOGX_API_KEY="+testAPIKey)
		require.NoError(t, err)
		reqs := loadRequests(t, 10_000*loadSeconds/(turnsPerRequest*4), load.msg)
		prof := filepath.Join(t.TempDir(), load.name+".pprof")
		done := make(chan error, 1)
		go func() {
			time.Sleep(2 * time.Second)
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", pprofPort, loadSeconds-5))
			if err != nil {
				done <- err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err == nil {
				err = os.WriteFile(prof, body, 0o600)
			}
			done <- err
		}()
		drive(t, col.OTLPURL, reqs, 10_000)
		require.NoError(t, <-done)
		_ = col.Stop(20 * time.Second)
		_ = dev.Stop(5 * time.Second)
		out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=400", prof).CombinedOutput()
		require.NoError(t, err, "%s", out)
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "Total samples") || strings.Contains(l, "(*redactor).redact") ||
				strings.Contains(l, "(*batch).buildInteraction") || strings.Contains(l, "redact.(*Redactor).Text") ||
				strings.Contains(l, "(*redactor).hash") || strings.Contains(l, "(*redactor).json") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		fmt.Fprintf(os.Stderr, "\n%s load, 10,000 spans/s, redaction on (flat, flat%%, sum%%, cum, cum%%):\n%s\n", load.name, strings.Join(lines, "\n"))
	}
}
