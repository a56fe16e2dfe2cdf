package deploy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCollectorConfigsValidate runs `otelcol-precogx validate` on every
// collector configuration of the deployment files: the image's default, each
// ConfigMap's, the Helm values' (on its own and merged with the chart's
// defaults, in TestHelmValues) and the Operator resource's.
func TestCollectorConfigsValidate(t *testing.T) {
	collectorBin(t)
	d := load(t)
	if len(d.configs) < 5 {
		t.Fatalf("found %d collector configurations, want at least 5", len(d.configs))
	}
	for _, c := range d.configs {
		t.Run(c.source, func(t *testing.T) {
			t.Parallel()
			runValidate(t, c.source, c.text)
		})
	}
}

// TestCollectorConfigsStart starts the collector on each configuration, moved
// to loopback ports and a temporary queue directory, waits for health_check
// to answer and stops it: this catches what validate does not check (a queue
// storage that cannot be opened, an extension that fails to start).
func TestCollectorConfigsStart(t *testing.T) {
	bin := collectorBin(t)
	d := load(t)
	for _, c := range d.configs {
		t.Run(c.source, func(t *testing.T) {
			t.Parallel()
			// a port another process took meanwhile: try again on new ports
			for attempt := 1; !startOnce(t, bin, c.source, c.cfg); attempt++ {
				if attempt == 3 {
					t.Fatal("a port was in use three times in a row")
				}
			}
		})
	}
}

// startOnce runs one configuration until healthy, then stops it; it returns
// false (without failing) when a port was already in use.
func startOnce(t *testing.T, bin, source string, base map[string]any) bool {
	t.Helper()
	dir := t.TempDir()
	cfg, health := localize(t, base, dir)
	text := marshalConfig(t, cfg)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "collector.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--config=file:"+cfgPath)
	cmd.Env = collectorEnv(t, source, text)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{}) // closed when the process has exited; then waitErr is set
	go func() { waitErr = cmd.Wait(); close(exited) }()
	logs := func() string { b, _ := os.ReadFile(logPath); return tail(b, 3000) }

	if err := waitHealthy(health, exited, 20*time.Second); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		if strings.Contains(logs(), "address already in use") {
			t.Logf("a port was taken meanwhile; retrying on other ports")
			return false
		}
		t.Fatalf("%v (exit: %v)\n--- collector log ---\n%s\n--- configuration ---\n%s", err, waitErr, logs(), text)
	}
	checkWebhooks(t, cfg)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("collector exited with %v after SIGTERM\n%s", waitErr, logs())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("collector did not stop within 20s of SIGTERM\n%s", logs())
	}
	return true
}

func waitHealthy(port int, exited <-chan struct{}, timeout time.Duration) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("collector exited before it was healthy")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("health_check did not answer 200 within " + timeout.String())
}

// localize moves a configuration to this machine: every listening endpoint to
// a free loopback port, every server certificate to a test one in dir,
// every exporter endpoint to a closed loopback port, file_storage to dir, the
// collector's own metrics to a free port. It returns the health_check port.
func localize(t *testing.T, cfg map[string]any, dir string) (map[string]any, int) {
	t.Helper()
	out := deepCopy(cfg).(map[string]any)
	var listen func(v any)
	listen = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if tls, ok := x["tls"].(map[string]any); ok && tls["cert_file"] != nil {
				tls["cert_file"], tls["key_file"] = testCertificate(t, dir)
			}
			for k, e := range x {
				if s, ok := e.(string); ok && k == "endpoint" && !strings.Contains(s, "://") {
					x[k] = fmt.Sprintf("127.0.0.1:%d", freePort(t))
					continue
				}
				listen(e)
			}
		case []any:
			for _, e := range x {
				listen(e)
			}
		}
	}
	listen(mapAt(out, "receivers"))

	health := 0
	for id, e := range mapAt(out, "extensions") {
		em, ok := e.(map[string]any)
		if !ok {
			em = map[string]any{}
			mapAt(out, "extensions")[id] = em
		}
		switch componentType(id) {
		case "file_storage":
			em["directory"] = dir
			if cm, ok := em["compaction"].(map[string]any); ok {
				cm["directory"] = dir
			}
		case "health_check":
			health = freePort(t)
			em["endpoint"] = fmt.Sprintf("127.0.0.1:%d", health)
		default:
			listen(em)
		}
	}
	if health == 0 {
		t.Fatal("no health_check extension")
	}

	closed := freePort(t) // nothing listens there: exporters fail and retry, which is fine
	for _, e := range mapAt(out, "exporters") {
		if em, ok := e.(map[string]any); ok {
			if ep, ok := em["endpoint"].(string); ok && strings.Contains(ep, "://") {
				em["endpoint"] = fmt.Sprintf("http://127.0.0.1:%d%s", closed, urlPath(ep))
			}
		}
	}

	svc := mapAt(out, "service")
	tel, _ := svc["telemetry"].(map[string]any)
	if tel == nil {
		tel = map[string]any{}
		svc["telemetry"] = tel
	}
	metrics, _ := tel["metrics"].(map[string]any)
	if metrics == nil {
		metrics = map[string]any{}
		tel["metrics"] = metrics
	}
	metrics["readers"] = []any{map[string]any{"pull": map[string]any{"exporter": map[string]any{"prometheus": map[string]any{
		"host": "127.0.0.1", "port": freePort(t),
	}}}}}
	return out, health
}

// urlPath is the path of an http(s) URL ("" for none).
func urlPath(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	if i := strings.Index(rest, "/"); i >= 0 {
		return rest[i:]
	}
	return ""
}

// testCertificate writes a self-signed certificate for 127.0.0.1 and its key
// into dir and returns their paths.
func testCertificate(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}
