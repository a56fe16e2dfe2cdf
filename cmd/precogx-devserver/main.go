// Command precogx-devserver runs a local PrecogX-compatible ingestion API for
// demos and tests. It prints one line, "precogx-devserver listening on
// http://HOST:PORT", once it accepts connections.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/precogx/precogxexporter/internal/devserver"
)

const keysEnv = "PRECOGX_DEVSERVER_KEYS"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		stop()
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "precogx-devserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("precogx-devserver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8088", `listen address; "127.0.0.1:0" picks a free loopback port (":0" listens on every interface)`)
	open := fs.Bool("open", false, "serve GET/DELETE /api/v1/interactions, /api/v1/stats and /admin/faults without a key (by default they need one of -keys)")
	keys := fs.String("keys", devserver.DefaultKey+":"+devserver.TierUnlimited,
		"comma-separated key:tier list, tiers free|pro|enterprise|unlimited|revoked; $"+keysEnv+" is used when this flag is absent")
	store := fs.String("store", "", "append accepted interactions to this JSONL file")
	bodies := fs.String("bodies", "", "write every API request body (decompressed, before validation) to a file in this directory")
	schema := fs.String("schema", "", "JSON Schema file overriding the embedded interaction schema")
	maxBatch := fs.Int("max-batch", devserver.DefaultMaxBatch, "max interactions per batch request")
	maxBody := fs.Int64("max-body-bytes", devserver.DefaultMaxBodyBytes, "max request body size, compressed and decompressed")
	quiet := fs.Bool("quiet", false, "do not log requests to stderr")
	var f devserver.Faults
	fs.Float64Var(&f.ErrorRate, "error-rate", 0, "fraction of authenticated POSTs answered with -error-status")
	fs.IntVar(&f.ErrorStatus, "error-status", 503, "status of injected errors")
	fs.IntVar(&f.RetryAfter, "retry-after", 1, "Retry-After seconds for injected 429/503 answers (0: none; throttle sends at least 1)")
	fs.Uint64Var(&f.Seed, "seed", 1, "seed of the random error/reset draws")
	fs.DurationVar(&f.Latency, "latency", 0, "delay before answering each API POST")
	fs.DurationVar(&f.OutageStart, "outage-start", 0, "outage window start, relative to server start")
	fs.DurationVar(&f.OutageDuration, "outage-duration", 0, "outage window length (0: no outage)")
	fs.StringVar(&f.OutageMode, "outage-mode", devserver.OutageStatus, `during the outage answer 503 ("status") or drop the connection ("reset")`)
	fs.Float64Var(&f.ResetRate, "reset-rate", 0, "fraction of POSTs whose connection is dropped after reading the body")
	fs.StringVar(&f.RejectMarker, "reject-marker", "", "interactions whose prompt contains this fail validation")
	fs.DurationVar(&f.ThrottleFor, "throttle-for", 0, "answer every API POST with 429 for this long after start")
	hook := addWebhookFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	keySpec := *keys
	if !isSet(fs, "keys") {
		if env := os.Getenv(keysEnv); env != "" {
			keySpec = env
		}
	}
	keyMap, err := parseKeys(keySpec)
	if err != nil {
		return err
	}
	logf := log.New(os.Stderr, "precogx-devserver: ", log.LstdFlags|log.Lmicroseconds).Printf
	if *quiet {
		logf = nil
	}
	webhook, err := hook.start(logf)
	if err != nil {
		return err
	}
	defer closeWebhook(webhook)
	srv, err := devserver.New(devserver.Options{Keys: keyMap, SchemaPath: *schema, StorePath: *store, BodiesDir: *bodies,
		MaxBatch: *maxBatch, MaxBodyBytes: *maxBody, Faults: f, Logf: logf, Open: *open, OnStored: onStored(webhook)})
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// Cancelled at shutdown so handlers sleeping on -latency do not hold it up.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	if _, err := fmt.Fprintf(stdout, "precogx-devserver listening on http://%s\n", ln.Addr()); err != nil {
		_ = hs.Close()
		return err
	}
	if b, ok := stdout.(*bufio.Writer); ok {
		_ = b.Flush()
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	cancelBase()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// parseKeys reads "key:tier,key2:tier2". Errors name the entry position,
// never the key, because keys are secrets.
func parseKeys(spec string) (map[string]string, error) {
	out := map[string]string{}
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		j := strings.LastIndexByte(entry, ':')
		if j <= 0 || j == len(entry)-1 {
			return nil, fmt.Errorf("keys entry %d: want key:tier", i+1)
		}
		key, tier := strings.TrimSpace(entry[:j]), strings.TrimSpace(entry[j+1:])
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("keys entry %d: duplicate key", i+1)
		}
		out[key] = tier
	}
	if len(out) == 0 {
		return nil, errors.New("keys: no key:tier entries")
	}
	return out, nil
}
