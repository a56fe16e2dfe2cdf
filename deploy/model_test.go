package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// imageRepo is the image every manifest runs; its tag is builder-config.yaml's dist.version.
const imageRepo = "ghcr.io/precogx/otelcol-precogx"

// manifestDirs hold Kubernetes objects, one or more per file (kustomization.yaml apart).
var manifestDirs = []string{"kubernetes", "operator"}

// otelCollector mirrors the part of the OpenTelemetry Operator's
// opentelemetry.io/v1beta1 OpenTelemetryCollector that these manifests use,
// with the operator's JSON names and the k8s.io/api types it embeds. Decoded
// strictly, a misspelt or unexpected field fails; a field the operator has but
// this mirror lacks must be added here (from the operator's apis/v1beta1) first.
type otelCollector struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              otelCollectorSpec `json:"spec"`
}

type otelCollectorSpec struct {
	Mode               string                      `json:"mode"`
	Image              string                      `json:"image"`
	ImagePullPolicy    corev1.PullPolicy           `json:"imagePullPolicy,omitempty"`
	Command            []string                    `json:"command,omitempty"`
	Args               map[string]string           `json:"args,omitempty"`
	Ports              []otelPortsSpec             `json:"ports,omitempty"`
	Env                []corev1.EnvVar             `json:"env,omitempty"`
	EnvFrom            []corev1.EnvFromSource      `json:"envFrom,omitempty"`
	Resources          corev1.ResourceRequirements `json:"resources,omitempty"`
	PodSecurityContext *corev1.PodSecurityContext  `json:"podSecurityContext,omitempty"`
	SecurityContext    *corev1.SecurityContext     `json:"securityContext,omitempty"`
	ServiceAccount     string                      `json:"serviceAccount,omitempty"`
	Volumes            []corev1.Volume             `json:"volumes,omitempty"`
	VolumeMounts       []corev1.VolumeMount        `json:"volumeMounts,omitempty"`
	InitContainers     []corev1.Container          `json:"initContainers,omitempty"`
	Tolerations        []corev1.Toleration         `json:"tolerations,omitempty"`
	NodeSelector       map[string]string           `json:"nodeSelector,omitempty"`
	PriorityClassName  string                      `json:"priorityClassName,omitempty"`
	Config             map[string]any              `json:"config"`
}

type otelPortsSpec struct {
	HostPort int32 `json:"hostPort,omitempty"`
	corev1.ServicePort
}

// newObject returns the typed object for an apiVersion and kind.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + " " + kind {
	case "v1 Namespace":
		return &corev1.Namespace{}, true
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "v1 Secret":
		return &corev1.Secret{}, true
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1 Service":
		return &corev1.Service{}, true
	case "apps/v1 DaemonSet":
		return &appsv1.DaemonSet{}, true
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, true
	case "networking.k8s.io/v1 NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "opentelemetry.io/v1beta1 OpenTelemetryCollector":
		return &otelCollector{}, true
	}
	return nil, false
}

type manifest struct {
	file string // relative to deploy/
	kind string
	obj  any
}

func (m manifest) meta() metav1.Object {
	if o, ok := m.obj.(metav1.Object); ok {
		return o
	}
	return nil
}

// collectorConfig is one collector configuration found in the deployment files.
type collectorConfig struct {
	source string // for messages
	text   string // as the collector reads it
	cfg    map[string]any
}

// workload is a collector container as Kubernetes would run it: taken from a
// DaemonSet or Deployment, or built from the Helm values or the Operator
// resource the way the chart and the operator build theirs.
type workload struct {
	source      string
	podSC       *corev1.PodSecurityContext
	container   corev1.Container
	inits       []corev1.Container
	volumes     []corev1.Volume
	configs     []collectorConfig
	implicitEnv []string // set by the chart or the operator, not by these files
	agent       bool     // one per node: apps reach it on its hostPorts
}

type deployment struct {
	manifests []manifest
	workloads []workload
	configs   []collectorConfig // every collector configuration, workloads' and the image's
	docker    dockerfile
	dist      distribution
	helm      helmValues
}

type distribution struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	OutputPath string `json:"output_path"`
}

func (d *deployment) image() string { return imageRepo + ":" + d.dist.Version }

func (d *deployment) byKind(kind string) []manifest {
	var out []manifest
	for _, m := range d.manifests {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// load reads every deployment file; structural errors fail the test.
func load(t *testing.T) *deployment {
	t.Helper()
	d := &deployment{}
	d.dist = readDistribution(t)
	d.docker = parseDockerfile(t, filepath.Join(repoRoot(t), "Dockerfile"))

	for _, dir := range manifestDirs {
		err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") || e.Name() == "kustomization.yaml" {
				return err
			}
			for i, js := range yamlDocs(t, p) {
				var tm metav1.TypeMeta
				if err := json.Unmarshal(js, &tm); err != nil {
					t.Fatalf("%s: document %d: %v", p, i, err)
				}
				obj, ok := newObject(tm.APIVersion, tm.Kind)
				if !ok {
					t.Fatalf("%s: document %d: unexpected apiVersion %q kind %q", p, i, tm.APIVersion, tm.Kind)
				}
				if err := decodeStrict(js, obj); err != nil {
					t.Fatalf("%s: document %d (%s): %v", p, i, tm.Kind, err)
				}
				d.manifests = append(d.manifests, manifest{file: filepath.ToSlash(p), kind: tm.Kind, obj: obj})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// The image's default configuration.
	text, err := os.ReadFile(filepath.Join("docker", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d.configs = append(d.configs, mustConfig(t, "docker/config.yaml", string(text)))

	for _, m := range d.manifests {
		switch o := m.obj.(type) {
		case *appsv1.DaemonSet:
			d.workloads = append(d.workloads, d.podWorkload(t, m.file, &o.Spec.Template.Spec, true))
		case *appsv1.Deployment:
			d.workloads = append(d.workloads, d.podWorkload(t, m.file, &o.Spec.Template.Spec, false))
		case *otelCollector:
			d.workloads = append(d.workloads, operatorWorkload(t, m.file, o))
		}
	}
	d.helm = loadHelmValues(t)
	d.workloads = append(d.workloads, helmWorkload(t, &d.helm))

	seen := map[string]bool{}
	for _, w := range d.workloads {
		for _, c := range w.configs {
			if !seen[c.source] {
				seen[c.source] = true
				d.configs = append(d.configs, c)
			}
		}
	}
	return d
}

func readDistribution(t *testing.T) distribution {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot(t), "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var bc struct {
		Dist distribution `json:"dist"`
	}
	js, err := yamlToJSON(text)
	if err != nil {
		t.Fatalf("builder-config.yaml: %v", err)
	}
	if err := json.Unmarshal(js, &bc); err != nil {
		t.Fatalf("builder-config.yaml: %v", err)
	}
	if bc.Dist.Name == "" || bc.Dist.Version == "" || bc.Dist.OutputPath == "" {
		t.Fatalf("builder-config.yaml: dist.name, dist.version and dist.output_path must be set: %+v", bc.Dist)
	}
	return bc.Dist
}

func mustConfig(t *testing.T, source, text string) collectorConfig {
	t.Helper()
	cfg, err := parseConfig(text)
	if err != nil {
		t.Fatalf("%s: collector configuration: %v", source, err)
	}
	return collectorConfig{source: source, text: text, cfg: cfg}
}

// collectorContainer is the container running the otelcol-precogx image.
func collectorContainer(t *testing.T, source string, spec *corev1.PodSpec) corev1.Container {
	t.Helper()
	var found []corev1.Container
	for _, c := range spec.Containers {
		if strings.HasPrefix(c.Image, imageRepo+":") || strings.HasPrefix(c.Image, imageRepo+"@") {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want exactly one container running %s, found %d", source, imageRepo, len(found))
	}
	return found[0]
}

// configArg is the file named by the container's --config argument.
func configArg(c corev1.Container) (string, bool) {
	var found []string
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			found = append(found, strings.TrimPrefix(v, "file:"))
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// podWorkload follows the collector container's --config argument to its
// volume mount and ConfigMap, and takes every ConfigMap of that name (the
// gateway variant replaces the agent's under the same name).
func (d *deployment) podWorkload(t *testing.T, source string, spec *corev1.PodSpec, agent bool) workload {
	t.Helper()
	c := collectorContainer(t, source, spec)
	w := workload{source: source, podSC: spec.SecurityContext, container: c, inits: spec.InitContainers, volumes: spec.Volumes, agent: agent}
	cfgPath, ok := configArg(c)
	if !ok {
		t.Fatalf("%s: container %s: want exactly one --config=<file> argument, have command %q args %q", source, c.Name, c.Command, c.Args)
	}
	dir, file := filepath.Dir(cfgPath), filepath.Base(cfgPath)
	var mount *corev1.VolumeMount
	for i := range c.VolumeMounts {
		if filepath.Clean(c.VolumeMounts[i].MountPath) == dir {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Fatalf("%s: --config=%s: no volume is mounted at %s", source, cfgPath, dir)
	}
	vol := findVolume(spec.Volumes, mount.Name)
	if vol == nil || vol.ConfigMap == nil {
		t.Fatalf("%s: --config=%s: volume %q mounted at %s is not a ConfigMap volume", source, cfgPath, mount.Name, dir)
	}
	key := file
	if len(vol.ConfigMap.Items) > 0 {
		key = ""
		for _, it := range vol.ConfigMap.Items {
			if it.Path == file {
				key = it.Key
			}
		}
		if key == "" {
			t.Fatalf("%s: --config=%s: ConfigMap volume %q has no item with path %q", source, cfgPath, vol.Name, file)
		}
	}
	for _, m := range d.byKind("ConfigMap") {
		cm := m.obj.(*corev1.ConfigMap)
		if cm.Name != vol.ConfigMap.Name {
			continue
		}
		text, ok := cm.Data[key]
		if !ok {
			t.Fatalf("%s: ConfigMap %s has no key %q (read by %s)", m.file, cm.Name, key, source)
		}
		w.configs = append(w.configs, mustConfig(t, m.file, text))
	}
	if len(w.configs) == 0 {
		t.Fatalf("%s: ConfigMap %q (mounted for --config=%s) is not defined in %v", source, vol.ConfigMap.Name, cfgPath, manifestDirs)
	}
	return w
}

func findVolume(vols []corev1.Volume, name string) *corev1.Volume {
	for i := range vols {
		if vols[i].Name == name {
			return &vols[i]
		}
	}
	return nil
}

// operatorWorkload builds the collector container the way the OpenTelemetry
// Operator does: the image's entrypoint (unless spec.command), --config on
// /conf, the ports inferred from the receivers and the telemetry plus
// spec.ports (which win on the same number), the probes from health_check.
func operatorWorkload(t *testing.T, source string, o *otelCollector) workload {
	t.Helper()
	cfgText := marshalConfig(t, o.Spec.Config)
	cfg := mustConfig(t, source+" spec.config", cfgText)
	c := corev1.Container{
		Name:            "otc-container",
		Image:           o.Spec.Image,
		Command:         o.Spec.Command,
		Args:            []string{"--config=/conf/collector.yaml"},
		Env:             o.Spec.Env,
		Resources:       o.Spec.Resources,
		SecurityContext: o.Spec.SecurityContext,
		VolumeMounts:    append([]corev1.VolumeMount{{Name: "otc-internal", MountPath: "/conf"}}, o.Spec.VolumeMounts...),
	}
	taken := map[int32]bool{}
	for _, p := range o.Spec.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port, HostPort: p.HostPort, Protocol: p.Protocol})
		taken[p.Port] = true
	}
	for _, p := range configPorts(cfg.cfg) {
		if !taken[int32(p)] {
			c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: int32(p), Protocol: corev1.ProtocolTCP})
		}
	}
	if hp := healthPort(cfg.cfg); hp != 0 {
		probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: healthPath(cfg.cfg), Port: intstr.FromInt32(int32(hp))}}}
		c.LivenessProbe, c.ReadinessProbe = probe, probe
	}
	vols := append([]corev1.Volume{{Name: "otc-internal", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}}, o.Spec.Volumes...)
	return workload{
		source: source, podSC: o.Spec.PodSecurityContext, container: c, inits: o.Spec.InitContainers,
		volumes: vols, configs: []collectorConfig{cfg}, implicitEnv: []string{"POD_NAME"}, agent: o.Spec.Mode == "daemonset",
	}
}

// configPorts are the ports a configuration listens on: receivers, extensions
// and the Prometheus reader of the collector's own metrics (8888 by default).
func configPorts(cfg map[string]any) []int {
	var ports []int
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "endpoint" && !strings.Contains(s, "://") {
					if p := endpointPort(s); p != 0 {
						ports = append(ports, p)
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(mapAt(cfg, "receivers"))
	walk(mapAt(cfg, "extensions"))
	ports = append(ports, metricsPort(cfg))
	sort.Ints(ports)
	return ports
}

// metricsPort is the port of the collector's own Prometheus metrics.
func metricsPort(cfg map[string]any) int {
	v, _ := path(cfg, "service", "telemetry", "metrics", "readers")
	readers, _ := v.([]any)
	for _, r := range readers {
		rm, _ := r.(map[string]any)
		if p, ok := path(rm, "pull", "exporter", "prometheus", "port"); ok {
			if f, ok := p.(float64); ok {
				return int(f)
			}
		}
	}
	return 8888
}

// healthPort is the port of the health_check extension (13133 when it sets no endpoint).
func healthPort(cfg map[string]any) int {
	for id, v := range mapAt(cfg, "extensions") {
		if componentType(id) != "health_check" {
			continue
		}
		vm, _ := v.(map[string]any)
		if ep := stringAt(vm, "endpoint"); ep != "" {
			return endpointPort(ep)
		}
		return 13133
	}
	return 0
}

func healthPath(cfg map[string]any) string {
	for id, v := range mapAt(cfg, "extensions") {
		if componentType(id) == "health_check" {
			vm, _ := v.(map[string]any)
			if p := stringAt(vm, "path"); p != "" {
				return p
			}
		}
	}
	return "/"
}

// parseMemory reads a GOMEMLIMIT value (a byte count with an optional B, KiB,
// MiB, GiB or TiB suffix).
func parseMemory(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	num := s
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = v, u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || fmt.Sprint(n) != num {
		return 0, fmt.Errorf("GOMEMLIMIT %q is not a byte count like 400MiB", s)
	}
	return n * mult, nil
}

// memoryLimit is limits.memory in bytes (0 when unset).
func memoryLimit(c corev1.Container) int64 {
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		return q.Value()
	}
	return 0
}

// chartGOMEMLIMIT is what the Helm chart sets with useGOMEMLIMIT: 80% of the
// memory limit, in MiB.
func chartGOMEMLIMIT(limit resource.Quantity) string {
	return fmt.Sprintf("%dMiB", limit.Value()*80/100>>20)
}

func yamlToJSON(text []byte) ([]byte, error) {
	var v any
	if err := unmarshalYAMLStrict(text, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
