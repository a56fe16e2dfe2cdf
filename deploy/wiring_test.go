package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestGatewayWiring: the gateway variant's agent configuration replaces the
// agent's (same ConfigMap name) and forwards to the gateway Service, on a port
// where the gateway's configuration receives OTLP/HTTP.
func TestGatewayWiring(t *testing.T) {
	d := load(t)
	var agentCM string
	for _, m := range d.byKind("DaemonSet") {
		for _, v := range m.obj.(*appsv1.DaemonSet).Spec.Template.Spec.Volumes {
			if v.ConfigMap != nil {
				agentCM = v.ConfigMap.Name
			}
		}
	}
	var variant *corev1.ConfigMap
	for _, m := range d.byKind("ConfigMap") {
		if strings.HasPrefix(m.file, "kubernetes/gateway/") && m.meta().GetName() == agentCM {
			variant = m.obj.(*corev1.ConfigMap)
		}
	}
	if variant == nil {
		t.Fatalf("kubernetes/gateway/: no ConfigMap named %q (the agent DaemonSet's) to replace the agent configuration", agentCM)
	}
	cfg := mustConfig(t, "kubernetes/gateway agent ConfigMap", variant.Data["config.yaml"])

	var svc *corev1.Service
	for _, m := range d.byKind("Service") {
		if filepath.ToSlash(filepath.Dir(m.file)) == "kubernetes/gateway" { // the agents' Service, not alerts/ (PrecogX's)
			svc = m.obj.(*corev1.Service)
		}
	}
	if svc == nil {
		t.Fatal("kubernetes/gateway/: no Service")
	}
	if svc.Spec.Type != "" && svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("Service %s: type %s, want ClusterIP", svc.Name, svc.Spec.Type)
	}
	var gw *appsv1.Deployment
	for _, m := range d.byKind("Deployment") {
		gw = m.obj.(*appsv1.Deployment)
	}
	if gw == nil {
		t.Fatal("no gateway Deployment")
	}
	if gw.Spec.Replicas == nil || *gw.Spec.Replicas != 1 {
		t.Errorf("gateway replicas %v: keep 1 unless the agents route by trace ID (deploy/README.md)", deref(gw.Spec.Replicas))
	}
	gwContainer := collectorContainer(t, "gateway", &gw.Spec.Template.Spec)

	var forwarders []string
	for id, e := range mapAt(cfg.cfg, "exporters") {
		switch componentType(id) {
		case "precogx":
			t.Errorf("gateway variant of the agent exports to PrecogX itself (%s)", id)
		case "otlp_http", "otlphttp":
			forwarders = append(forwarders, id)
			ep := stringAt(e.(map[string]any), "endpoint")
			host := strings.TrimPrefix(ep, "http://")
			host, port, _ := strings.Cut(host, ":")
			if want := svc.Name + "." + svc.Namespace + ".svc"; host != want && host != want+".cluster.local" {
				t.Errorf("exporter %s: endpoint %s, want host %s", id, ep, want)
			}
			var target int32
			for _, sp := range svc.Spec.Ports {
				if fmt.Sprint(sp.Port) == strings.TrimSuffix(port, "/") {
					target = resolvePort(gwContainer, sp.TargetPort)
				}
			}
			if target == 0 {
				t.Errorf("exporter %s: port %s is not a port of Service %s", id, port, svc.Name)
				continue
			}
			var gwCfg map[string]any
			for _, w := range d.workloads {
				if strings.HasPrefix(w.source, "kubernetes/gateway/") {
					gwCfg = w.configs[0].cfg
				}
			}
			if got := endpointPort(stringAt(gwCfg, "receivers", "otlp", "protocols", "http", "endpoint")); got != int(target) {
				t.Errorf("exporter %s: Service port %s reaches %d, the gateway's OTLP/HTTP receiver listens on %d", id, port, target, got)
			}
		}
	}
	sort.Strings(forwarders)
	if len(forwarders) == 0 {
		t.Error("gateway variant of the agent has no otlp_http exporter to the gateway")
	}
	for _, p := range []string{"traces", "logs"} {
		exps := stringsAt(cfg.cfg, "service", "pipelines", p, "exporters")
		if !slices.ContainsFunc(exps, func(e string) bool { return slices.Contains(forwarders, e) }) {
			t.Errorf("gateway variant of the agent: the %s pipeline does not forward to the gateway", p)
		}
	}
}

// TestReadmeObjects decodes the Kubernetes objects shown in README.md strictly,
// so that what users copy from it is valid.
func TestReadmeObjects(t *testing.T) {
	text := readFile(t, "README.md")
	var decoded int
	for i, block := range strings.Split(text, "```yaml\n")[1:] {
		body, _, ok := strings.Cut(block, "```")
		if !ok {
			t.Fatalf("README.md: yaml block %d is not closed", i+1)
		}
		var tm struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		js, err := yamlToJSON([]byte(body))
		if err != nil {
			t.Errorf("README.md: yaml block %d: %v", i+1, err)
			continue
		}
		if err := json.Unmarshal(js, &tm); err != nil || tm.Kind == "" {
			continue // a collector configuration fragment
		}
		obj, ok := newObject(tm.APIVersion, tm.Kind)
		if !ok {
			t.Errorf("README.md: yaml block %d: unexpected %s %s", i+1, tm.APIVersion, tm.Kind)
			continue
		}
		if err := decodeStrict(js, obj); err != nil {
			t.Errorf("README.md: yaml block %d (%s): %v", i+1, tm.Kind, err)
		}
		decoded++
	}
	if decoded < 2 {
		t.Errorf("README.md: decoded %d Kubernetes objects, want the app Deployment and the agent Service", decoded)
	}
}

// TestNetworkPolicyExample: the example policy selects the agent pods and
// opens exactly their OTLP ports to labelled namespaces.
func TestNetworkPolicyExample(t *testing.T) {
	d := load(t)
	var np *networkingv1.NetworkPolicy
	var agentLabels map[string]string
	var others []map[string]string
	for _, m := range d.manifests {
		switch o := m.obj.(type) {
		case *networkingv1.NetworkPolicy:
			np = o
		case *appsv1.DaemonSet:
			agentLabels = o.Spec.Template.Labels
		case *appsv1.Deployment:
			others = append(others, o.Spec.Template.Labels)
		}
	}
	if np == nil || agentLabels == nil {
		t.Fatal("no NetworkPolicy example or no DaemonSet")
	}
	for k, v := range np.Spec.PodSelector.MatchLabels {
		if agentLabels[k] != v {
			t.Errorf("podSelector %s=%s does not select the agent pods (%v)", k, v, agentLabels)
		}
	}
	for _, l := range others {
		if labels.SelectorFromSet(np.Spec.PodSelector.MatchLabels).Matches(labels.Set(l)) {
			t.Errorf("the policy selects the gateway pods too (%v): it would cut the agents off from it", l)
		}
	}
	var otlp []int32
	for _, p := range np.Spec.Ingress[0].Ports {
		otlp = append(otlp, p.Port.IntVal)
	}
	if !slices.Equal(otlp, []int32{4317, 4318}) || len(np.Spec.Ingress[0].From) == 0 {
		t.Errorf("the first rule must open 4317/4318 to selected namespaces only: %v", np.Spec.Ingress[0])
	}
}
