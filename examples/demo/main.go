// Command demo runs the whole loop on one machine: it starts the local
// PrecogX-compatible devserver and the built collector, sends the GenAI sample
// traces and one prompt-injection turn over OTLP/HTTP, prints what the
// devserver received, and prints the threat_detected alert that the devserver
// posted back to the collector's precogxwebhook receiver, as the log record
// the collector made of it.
//
// Run it with `make demo`, which builds the binaries first.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/precogx/precogxexporter/internal/e2e"
)

// samples are sent as they are; each is one agent turn of one encoding.
var samples = []string{
	"a_semconv_latest_agent.traces.json",
	"b_semconv_v126_span_events.traces.json",
	"d_openllmetry_indexed.traces.json",
	"e_openinference.traces.json",
	"f_vercel_ai_sdk.traces.json",
}

// injection is a turn whose prompt the devserver flags (examples/demo).
const injection = "prompt_injection.traces.json"

// want is the number of interactions the samples hold (b holds two), plus the
// injection turn.
const want = 7

const apiKey = "demo-key"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := e2e.RepoRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "precogx-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// The devserver needs the webhook's URL before the collector starts.
	webhookPort := e2e.FreePort()
	webhookURL := fmt.Sprintf("http://127.0.0.1:%d%s", webhookPort, e2e.WebhookPath)
	dev, err := e2e.StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(work, "devserver.log"),
		"-keys", apiKey+":unlimited", "-webhook-url", webhookURL)
	if err != nil {
		return err
	}
	defer dev.Stop(5 * time.Second)
	fmt.Println("devserver:", dev.URL)

	col, err := e2e.StartCollector(filepath.Join(root, "bin", "otelcol-precogx"), filepath.Join(root, "examples", "demo", "config.yaml"),
		filepath.Join(work, "collector.log"), "PRECOGX_ENDPOINT="+dev.URL+"/api/v1", "PRECOGX_API_KEY="+apiKey,
		fmt.Sprintf("WEBHOOK_PORT=%d", webhookPort))
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = col.Stop(10 * time.Second)
		}
	}()
	fmt.Println("collector OTLP/HTTP receiver:", col.OTLPURL)
	fmt.Println("collector precogxwebhook receiver:", col.WebhookURL)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	files := make([]string, 0, len(samples)+1)
	for _, s := range samples {
		files = append(files, filepath.Join(root, "testdata", "golden", s))
	}
	files = append(files, filepath.Join(root, "examples", "demo", injection))
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := col.PostOTLP(ctx, "traces", body); err != nil {
			return fmt.Errorf("sending %s: %w", filepath.Base(f), err)
		}
		fmt.Println("sent", filepath.Base(f))
	}

	items, waitErr := dev.WaitInteractions(want, 20*time.Second)
	alert, alertErr := waitAlert(col, 20*time.Second)
	stopped = true
	if err := col.Stop(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "collector stop:", err)
	}
	printTable(items)
	if waitErr != nil {
		return fmt.Errorf("%w; collector log: %s", waitErr, col.LogPath)
	}
	fmt.Printf("\nall %d interactions arrived at the devserver\n", len(items))
	if alertErr != nil {
		return fmt.Errorf("%w; devserver log: %s, collector log: %s", alertErr, dev.LogPath, col.LogPath)
	}
	fmt.Printf("\nThe devserver flagged the prompt injection and posted a threat_detected alert to the webhook;\n"+
		"the collector's logs/alerts pipeline (debug exporter) shows it as this log record:\n\n%s\n", alert)
	return redacted(root, work, dev)
}

// waitAlert waits until the collector's log shows the alert's log record, as
// the debug exporter prints it, and returns that record.
func waitAlert(col *e2e.Collector, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		if rec, ok := alertRecord(col.Log()); ok {
			return rec, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no threat_detected alert in the collector's log within %s", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// alertRecord cuts the first log record whose EventName is
// precogx.threat_detected out of the debug exporter's detailed output.
func alertRecord(log string) (string, bool) {
	i := strings.Index(log, "EventName: precogx.threat_detected")
	if i < 0 {
		return "", false
	}
	start := strings.LastIndex(log[:i], "LogRecord #")
	end := strings.Index(log[i:], "Trace ID:")
	if start < 0 || end < 0 {
		return "", false
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(log[start:i+end]), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.String(), true
}

type shown struct {
	AgentID   string `json:"agentId"`
	Prompt    string `json:"prompt"`
	Response  string `json:"response"`
	ToolCalls []struct {
		Name string `json:"name"`
	} `json:"toolCalls"`
	Metadata struct {
		Model      string `json:"model"`
		Platform   string `json:"platform"`
		TokensUsed *int   `json:"tokens_used"`
	} `json:"metadata"`
}

func printTable(items []e2e.Stored) {
	fmt.Printf("\nThe devserver received %d interactions:\n\n", len(items))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENT\tPLATFORM\tPROMPT\tRESPONSE\tTOOL CALLS\tMODEL\tTOKENS")
	for _, it := range items {
		var s shown
		if err := json.Unmarshal(it.Interaction, &s); err != nil {
			fmt.Fprintf(tw, "(unreadable: %v)\n", err)
			continue
		}
		var tools []string
		for _, tc := range s.ToolCalls {
			tools = append(tools, tc.Name)
		}
		tokens := "-"
		if s.Metadata.TokensUsed != nil {
			tokens = fmt.Sprint(*s.Metadata.TokensUsed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", clip(s.AgentID, 18), s.Metadata.Platform, clip(s.Prompt, 36), clip(s.Response, 40),
			clip(strings.Join(tools, ","), 20), s.Metadata.Model, tokens)
	}
	_ = tw.Flush()
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
