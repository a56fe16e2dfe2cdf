// Package e2e starts the real binaries (the devserver and the built
// collector) on loopback for the demo and the end-to-end tests.
package e2e // import "github.com/precogx/precogxexporter/internal/e2e"

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// RepoRoot finds the repository root (the directory holding builder-config.yaml).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "builder-config.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found (no builder-config.yaml above the working directory)")
		}
		dir = parent
	}
}

// FreePort hands out a loopback port for a program that cannot listen on
// port 0 and report it (the collector), never twice in this process, below
// the kernel's ephemeral range (32768 and up) so that no port-0 listener
// takes it meanwhile. Another process may still hold it: StartCollector
// retries on "address already in use". (A port is never reserved by opening
// and closing a listener: that races.)
func FreePort() int {
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		p := 20000 + rand.IntN(12000)
		if !portsGiven[p] {
			portsGiven[p] = true
			return p
		}
	}
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// Process is a started binary whose output goes to a log file.
type Process struct {
	cmd     *exec.Cmd
	LogPath string
	done    chan error
	killed  bool
	exited  bool  // Stop saw the exit
	exitErr error // what it saw
}

func start(bin string, args, env []string, logPath string) (*Process, io.Reader, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, nil, fmt.Errorf("%s not built (run make build): %w", bin, err)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	// stdout is both logged and scanned for the listening line
	cmd.Stdout = io.MultiWriter(logf, pw)
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, err
	}
	p := &Process{cmd: cmd, LogPath: logPath, done: make(chan error, 1)}
	go func() {
		err := cmd.Wait()
		pw.Close()
		logf.Close()
		p.done <- err
	}()
	return p, pr, nil
}

// Stop sends SIGTERM and waits up to timeout, then kills.
func (p *Process) Stop(timeout time.Duration) error {
	if p == nil || p.killed {
		return nil
	}
	if p.exited {
		return p.exitErr
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.exited, p.exitErr = true, err
		return err
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within %s", filepath.Base(p.cmd.Path), timeout)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
	p.killed = true
}

// Log returns what the process wrote so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// Devserver is a running bin/precogx-devserver.
type Devserver struct {
	*Process
	URL string // http://127.0.0.1:PORT
	// Key is the first key of its -keys that is not revoked: the inspection
	// and admin endpoints need one.
	Key string
}

// StartDevserver starts the devserver on a free port and waits until it listens.
func StartDevserver(bin, logPath string, args ...string) (*Devserver, error) {
	key := "dev-key" // the devserver's default
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-keys" {
			for _, entry := range strings.Split(args[i+1], ",") {
				if k, tier, ok := strings.Cut(strings.TrimSpace(entry), ":"); ok && tier != "revoked" {
					key = k
					break
				}
			}
		}
	}
	args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	p, url, err := startListener(bin, args, nil, logPath)
	if err != nil {
		return nil, err
	}
	return &Devserver{Process: p, URL: url, Key: key}, nil
}

// Admin sends a request to an inspection or admin endpoint with the key
// and decodes a 200 answer into out (when not nil).
func (d *Devserver) Admin(method, path string, body []byte, out any) error {
	req, err := http.NewRequest(method, d.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Api-Key", d.Key)
	return doOK(req, method+" "+path, out)
}

// doOK sends req and decodes a 200 answer into out (when not nil); another
// status is an error naming what, the status and the start of the body.
func doOK(req *http.Request, what string, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, msg)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// startListener starts a server that prints "... listening on URL" and
// returns that URL.
func startListener(bin string, args, env []string, logPath string) (*Process, string, error) {
	p, out, err := start(bin, args, env, logPath)
	if err != nil {
		return nil, "", err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
				lines <- strings.TrimSpace(url)
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case url := <-lines:
		return p, url, nil
	case <-time.After(15 * time.Second):
		_ = p.Stop(time.Second)
		return nil, "", fmt.Errorf("%s did not start; log:\n%s", filepath.Base(bin), p.Log())
	}
}

// StartNode runs a Node.js server script that prints its listening URL.
func StartNode(node, script, logPath string, env ...string) (*Process, string, error) {
	return startListener(node, []string{script}, env, logPath)
}

// Stored is one interaction the devserver accepted.
type Stored struct {
	ID          string          `json:"id"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	Path        string          `json:"path"`
	Platform    string          `json:"platform"`
	Interaction json.RawMessage `json:"interaction"`
}

// Interactions lists what the devserver accepted.
func (d *Devserver) Interactions() ([]Stored, error) {
	var list struct {
		Items []Stored `json:"items"`
	}
	err := d.Admin(http.MethodGet, "/api/v1/interactions", nil, &list)
	return list.Items, err
}

// WaitInteractions polls until at least n interactions arrived or the timeout passes.
func (d *Devserver) WaitInteractions(n int, timeout time.Duration) ([]Stored, error) {
	deadline := time.Now().Add(timeout)
	for {
		items, err := d.Interactions()
		if err == nil && len(items) >= n {
			return items, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return nil, err
			}
			return items, fmt.Errorf("%d of %d interactions arrived within %s", len(items), n, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Collector is a running bin/otelcol-precogx.
type Collector struct {
	*Process
	OTLPURL    string // http://127.0.0.1:PORT of the OTLP/HTTP receiver
	HealthURL  string
	MetricsURL string // the collector's own metrics (Prometheus), when its config serves them on METRICS_PORT
	WebhookURL string // http://127.0.0.1:PORT/precogx/webhook of the precogxwebhook receiver, when the config has one
}

// WebhookPath is the precogxwebhook receiver's default path.
const WebhookPath = "/precogx/webhook"

// StartCollector starts the collector with configPath. The config reads its
// ports from OTLP_HTTP_PORT, HEALTH_PORT, METRICS_PORT and WEBHOOK_PORT,
// which are chosen here (WEBHOOK_PORT only when env does not set it: the
// devserver may need it first), plus env.
func StartCollector(bin, configPath, logPath string, env ...string) (*Collector, error) {
	return StartCollectorArgs(bin, []string{"--config=" + configPath}, logPath, env...)
}

// StartCollectorArgs starts the collector with its command line, as
// StartCollector; its own metrics are served on METRICS_PORT when its
// config reads it.
func StartCollectorArgs(bin string, args []string, logPath string, env ...string) (*Collector, error) {
	for attempt := 1; ; attempt++ {
		c, err := startCollectorOnce(bin, args, logPath, env)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == 3 {
			return c, err
		}
	}
}

var errPortTaken = errors.New("a port was taken by another process")

func startCollectorOnce(bin string, args []string, logPath string, env []string) (*Collector, error) {
	otlpPort, healthPort, metricsPort := FreePort(), FreePort(), FreePort()
	env = append(env, "OTLP_HTTP_PORT="+strconv.Itoa(otlpPort), "HEALTH_PORT="+strconv.Itoa(healthPort),
		"METRICS_PORT="+strconv.Itoa(metricsPort))
	webhookPort := envValue(env, "WEBHOOK_PORT")
	if webhookPort == "" {
		webhookPort = strconv.Itoa(FreePort())
		env = append(env, "WEBHOOK_PORT="+webhookPort)
	}
	p, out, err := start(bin, args, env, logPath)
	if err != nil {
		return nil, err
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	c := &Collector{
		Process:    p,
		OTLPURL:    fmt.Sprintf("http://127.0.0.1:%d", otlpPort),
		HealthURL:  fmt.Sprintf("http://127.0.0.1:%d/", healthPort),
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort),
		WebhookURL: "http://127.0.0.1:" + webhookPort + WebhookPath,
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			if strings.Contains(p.Log(), "address already in use") {
				return nil, errPortTaken
			}
			return nil, fmt.Errorf("collector exited (%v); log:\n%s", err, p.Log())
		default:
		}
		if resp, err := http.Get(c.HealthURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = p.Stop(time.Second)
	return nil, fmt.Errorf("collector not healthy within 30s; log:\n%s", p.Log())
}

// envValue is the value of the last NAME=value in env ("" when absent).
func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// PostOTLP sends an OTLP/JSON body to the receiver; signal is "traces" or "logs".
func (c *Collector) PostOTLP(ctx context.Context, signal string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.OTLPURL+"/v1/"+signal, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return doOK(req, "OTLP "+signal, nil)
}
