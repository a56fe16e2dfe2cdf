package deploy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// repoRoot is the exporter repository (this module is its deploy/ directory).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "builder-config.yaml")); err != nil {
		t.Fatalf("run the tests from deploy/ (no builder-config.yaml in %s): %v", root, err)
	}
	return root
}

// collectorBin is the built otelcol-precogx: $OTELCOL_BIN, else ../bin/otelcol-precogx.
// A missing binary is a failure, not a skip: these tests are about that binary.
func collectorBin(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		bin = filepath.Join(repoRoot(t), "bin", "otelcol-precogx")
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		t.Fatalf("collector binary %s not found: run `make build` in the repository root first "+
			"(or set OTELCOL_BIN to a built otelcol-precogx)", bin)
	}
	return bin
}

// yamlDocs splits a (multi-document) YAML file and converts every non-empty
// document to JSON. Duplicate keys are errors.
func yamlDocs(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs [][]byte
	for i := 0; ; i++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue // comments only
		}
		docs = append(docs, js)
	}
	return docs
}

// decodeStrict decodes JSON into out the way the API server does: field names
// are case-sensitive, and unknown or duplicate fields are errors.
func decodeStrict(js []byte, out any) error {
	strictErrs, err := kjson.UnmarshalStrict(js, out)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

// unmarshalYAMLStrict decodes YAML text through JSON with decodeStrict.
func unmarshalYAMLStrict(text []byte, out any) error {
	js, err := yaml.YAMLToJSONStrict(text)
	if err != nil {
		return err
	}
	return decodeStrict(js, out)
}

// parseConfig parses collector configuration text (duplicate keys are errors).
func parseConfig(text string) (map[string]any, error) {
	js, err := yaml.YAMLToJSONStrict([]byte(text))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := decodeStrict(js, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("empty configuration")
	}
	return m, nil
}

// envRefRe matches ${env:NAME}, ${env:NAME:-default} and ${NAME} (the
// collector's default scheme is env).
var envRefRe = regexp.MustCompile(`\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)

// envRefs returns the environment variables a configuration reads: required
// ones, and optional ones (with a :- default).
func envRefs(text string) (required, optional []string) {
	seenR, seenO := map[string]bool{}, map[string]bool{}
	for _, m := range envRefRe.FindAllStringSubmatch(text, -1) {
		if m[2] != "" {
			seenO[m[1]] = true
		} else {
			seenR[m[1]] = true
		}
	}
	for k := range seenR {
		required = append(required, k)
	}
	for k := range seenO {
		if !seenR[k] {
			optional = append(optional, k)
		}
	}
	sort.Strings(required)
	sort.Strings(optional)
	return required, optional
}

// testEnv holds the values the configurations' environment variables get in
// these tests. A configuration that reads another variable fails until one is
// added here (and to the pods that run it).
var testEnv = map[string]string{
	"PRECOGX_API_KEY":       "test",
	"PRECOGX_WEBHOOK_TOKEN": "test-webhook-token",
	"MY_POD_IP":             "127.0.0.1", // set by the Helm chart on its pods
}

// collectorEnv is the environment for a collector run of cfgText.
func collectorEnv(t testing.TB, name, cfgText string) []string {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	required, _ := envRefs(cfgText)
	for _, k := range required {
		v, ok := testEnv[k]
		if !ok {
			t.Fatalf("%s reads ${env:%s}: add a test value to testEnv in helpers_test.go", name, k)
		}
		env = append(env, k+"="+v)
	}
	return env
}

// runValidate runs `otelcol-precogx validate` on the configuration text.
func runValidate(t testing.TB, name, cfgText string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, collectorBin(t), "validate", "--config=file:"+path)
	cmd.Env = collectorEnv(t, name, cfgText)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: otelcol-precogx validate failed: %v\n%s\n--- configuration ---\n%s", name, err, out, cfgText)
	}
}

// freePort hands out a loopback port for a collector to listen on, never
// twice in this process, below the kernel's ephemeral range (32768 and up)
// so that no port-0 listener of another test takes it meanwhile. Another
// process may still hold it: the callers retry on "address already in use".
// (A port is never reserved by opening and closing a listener: that races.)
func freePort(t testing.TB) int {
	t.Helper()
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

// path walks nested maps: path(m, "service", "extensions").
func path(m map[string]any, keys ...string) (any, bool) {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func mapAt(m map[string]any, keys ...string) map[string]any {
	v, _ := path(m, keys...)
	mm, _ := v.(map[string]any)
	return mm
}

func stringAt(m map[string]any, keys ...string) string {
	v, _ := path(m, keys...)
	s, _ := v.(string)
	return s
}

func stringsAt(m map[string]any, keys ...string) []string {
	v, _ := path(m, keys...)
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// componentType is the type of a component ID: "file_storage/queue" -> "file_storage".
func componentType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

// endpointPort is the port of a host:port endpoint ("0.0.0.0:13133",
// "${env:MY_POD_IP}:4317"); 0 when there is none.
func endpointPort(ep string) int {
	i := strings.LastIndex(ep, ":")
	if i < 0 {
		return 0
	}
	var p int
	if _, err := fmt.Sscanf(ep[i+1:], "%d", &p); err != nil {
		return 0
	}
	return p
}

// deepCopy copies a JSON-like value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	default:
		return v
	}
}

func marshalConfig(t testing.TB, m map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tail returns the end of a log for failure messages.
func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
