package deploy

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// exampleAlert is the API reference's example webhook body.
const exampleAlert = `{"event":"threat_detected","agentId":"customer-support-bot","threatType":"prompt_injection",
"severity":"high","timestamp":"2026-08-20T14:03:11.250Z","details":{"confidence":0.95,"description":"Prompt injection attempt"}}`

// TestWebhookWiring: the precogxwebhook receiver runs on the gateway, never on
// the agents; it serves TLS with a certificate from a Secret volume and
// authenticates with an extension in use; a Service reaches its port.
func TestWebhookWiring(t *testing.T) {
	d := load(t)
	found := 0
	for _, w := range d.workloads {
		for _, cfg := range w.configs {
			for id, r := range mapAt(cfg.cfg, "receivers") {
				if componentType(id) != "precogxwebhook" {
					continue
				}
				found++
				rm, _ := r.(map[string]any)
				where := w.source + " " + cfg.source + " " + id
				if w.agent {
					t.Errorf("%s: runs on the agents; PrecogX needs one stable HTTPS address: the gateway", where)
				}
				for _, key := range []string{"cert_file", "key_file"} {
					file := stringAt(rm, "tls", key)
					if file == "" {
						t.Errorf("%s: tls.%s is not set: PrecogX calls it over the internet", where, key)
						continue
					}
					if !onSecretVolume(w, file) {
						t.Errorf("%s: tls.%s %s is not on a Secret volume of the container", where, key, file)
					}
				}
				auth := stringAt(rm, "auth", "authenticator")
				if auth == "" || !slices.Contains(stringsAt(cfg.cfg, "service", "extensions"), auth) {
					t.Errorf("%s: auth.authenticator %q is not an extension in service.extensions", where, auth)
				}
				if !serviceReaches(d, w, endpointPort(stringAt(rm, "endpoint"))) {
					t.Errorf("%s: no Service selects the workload and targets port %s", where, stringAt(rm, "endpoint"))
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no precogxwebhook receiver in the deployment files (kubernetes/gateway/alerts)")
	}
}

func onSecretVolume(w workload, file string) bool {
	for _, m := range w.container.VolumeMounts {
		if filepath.Dir(file) == filepath.Clean(m.MountPath) {
			if v := findVolume(w.volumes, m.Name); v != nil && v.Secret != nil {
				return true
			}
		}
	}
	return false
}

// serviceReaches: a Service selects the workload's Deployment and has a port
// whose target is port.
func serviceReaches(d *deployment, w workload, port int) bool {
	for _, dm := range d.byKind("Deployment") {
		if dm.file != w.source {
			continue
		}
		pod := dm.obj.(*appsv1.Deployment).Spec.Template
		for _, sm := range d.byKind("Service") {
			svc := sm.obj.(*corev1.Service)
			if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				continue
			}
			for _, sp := range svc.Spec.Ports {
				if int(resolvePort(w.container, sp.TargetPort)) == port {
					return true
				}
			}
		}
	}
	return false
}

// checkWebhooks posts the API reference's example alert to each
// precogxwebhook receiver of a running, localized configuration: over TLS
// with the configured token it is taken (200), without it refused (401).
func checkWebhooks(t *testing.T, cfg map[string]any) {
	t.Helper()
	for id, r := range mapAt(cfg, "receivers") {
		if componentType(id) != "precogxwebhook" {
			continue
		}
		rm, _ := r.(map[string]any)
		pem, err := os.ReadFile(stringAt(rm, "tls", "cert_file"))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
		path := stringAt(rm, "path")
		if path == "" {
			path = "/precogx/webhook"
		}
		url := "https://" + stringAt(rm, "endpoint") + path
		token := testEnv[envName(stringAt(mapAt(cfg, "extensions"), stringAt(rm, "auth", "authenticator"), "token"))]
		for _, tc := range []struct {
			auth string
			want int
		}{{"Bearer " + token, http.StatusOK}, {"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}} {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(exampleAlert))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s: POST %s: %v", id, url, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s: POST %s with Authorization %q: %d, want %d", id, url, tc.auth, resp.StatusCode, tc.want)
			}
		}
	}
}

// envName is NAME of "${env:NAME}" ("" otherwise).
func envName(ref string) string {
	m := envRefRe.FindStringSubmatch(ref)
	if m == nil {
		return ""
	}
	return m[1]
}
