// Command demo runs the whole path on one machine: it starts the local
// PrecogX-compatible devserver and the built collector, sends the GenAI sample
// traces over OTLP/HTTP, and prints what the devserver received.
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

// want is the number of interactions the samples hold (b holds two).
const want = 6

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

	dev, err := e2e.StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(work, "devserver.log"),
		"-keys", apiKey+":unlimited")
	if err != nil {
		return err
	}
	defer dev.Stop(5 * time.Second)
	fmt.Println("devserver:", dev.URL)

	col, err := e2e.StartCollector(filepath.Join(root, "bin", "otelcol-precogx"), filepath.Join(root, "examples", "demo", "config.yaml"),
		filepath.Join(work, "collector.log"), "PRECOGX_ENDPOINT="+dev.URL+"/api/v1", "PRECOGX_API_KEY="+apiKey)
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

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range samples {
		body, err := os.ReadFile(filepath.Join(root, "testdata", "genai", s))
		if err != nil {
			return err
		}
		if err := col.PostOTLP(ctx, "traces", body); err != nil {
			return fmt.Errorf("sending %s: %w", s, err)
		}
		fmt.Println("sent", s)
	}

	items, waitErr := dev.WaitInteractions(want, 20*time.Second)
	stopped = true
	if err := col.Stop(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "collector stop:", err)
	}
	printTable(items)
	if waitErr != nil {
		return fmt.Errorf("%w; collector log: %s", waitErr, col.LogPath)
	}
	fmt.Printf("\nall %d interactions arrived at the devserver\n", len(items))
	return nil
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
