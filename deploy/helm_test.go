package deploy

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// helmValues mirrors the keys of the upstream opentelemetry-collector chart's
// values.yaml that deploy/helm/values.yaml sets. Decoded strictly: a key the
// chart does not know by that name (extraEnv for extraEnvs, ...) fails here
// instead of being silently ignored by Helm. Add a key here, with the chart's
// spelling, before using it in the values.
type helmValues struct {
	Mode  string `json:"mode"`
	Image struct {
		Repository string `json:"repository"`
		Tag        string `json:"tag"`
		PullPolicy string `json:"pullPolicy,omitempty"`
		Digest     string `json:"digest,omitempty"`
	} `json:"image"`
	Command struct {
		Name      string   `json:"name"`
		ExtraArgs []string `json:"extraArgs,omitempty"`
	} `json:"command"`
	Presets            map[string]helmPreset       `json:"presets,omitempty"`
	Config             map[string]any              `json:"config"`
	Ports              map[string]helmPort         `json:"ports,omitempty"`
	ExtraEnvs          []corev1.EnvVar             `json:"extraEnvs,omitempty"`
	UseGOMEMLIMIT      *bool                       `json:"useGOMEMLIMIT,omitempty"`
	Resources          corev1.ResourceRequirements `json:"resources,omitempty"`
	PodSecurityContext *corev1.PodSecurityContext  `json:"podSecurityContext,omitempty"`
	SecurityContext    *corev1.SecurityContext     `json:"securityContext,omitempty"`
	ExtraVolumes       []corev1.Volume             `json:"extraVolumes,omitempty"`
	ExtraVolumeMounts  []corev1.VolumeMount        `json:"extraVolumeMounts,omitempty"`
	InitContainers     []corev1.Container          `json:"initContainers,omitempty"`
	LivenessProbe      helmProbe                   `json:"livenessProbe,omitempty"`
	ReadinessProbe     helmProbe                   `json:"readinessProbe,omitempty"`
	ServiceAccount     struct {
		Create                       *bool             `json:"create,omitempty"`
		Annotations                  map[string]string `json:"annotations,omitempty"`
		Name                         string            `json:"name,omitempty"`
		AutomountServiceAccountToken *bool             `json:"automountServiceAccountToken,omitempty"`
	} `json:"serviceAccount,omitempty"`
}

type helmPreset struct {
	Enabled bool `json:"enabled"`
}

type helmPort struct {
	Enabled       *bool  `json:"enabled"`
	ContainerPort int32  `json:"containerPort,omitempty"`
	ServicePort   int32  `json:"servicePort,omitempty"`
	HostPort      int32  `json:"hostPort,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	AppProtocol   string `json:"appProtocol,omitempty"`
}

type helmProbe struct {
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       int32 `json:"periodSeconds,omitempty"`
	TimeoutSeconds      int32 `json:"timeoutSeconds,omitempty"`
	FailureThreshold    int32 `json:"failureThreshold,omitempty"`
	HTTPGet             struct {
		Port int32  `json:"port"`
		Path string `json:"path"`
	} `json:"httpGet"`
}

// chartDefaults is testdata/helm-chart-defaults.yaml: the chart's default
// `config` and `ports`, which the chart merges with the values.
type chartDefaults struct {
	Config map[string]any      `json:"config"`
	Ports  map[string]helmPort `json:"ports"`
}

func loadHelmValues(t *testing.T) helmValues {
	t.Helper()
	var v helmValues
	if err := unmarshalYAMLStrict([]byte(readFile(t, filepath.Join("helm", "values.yaml"))), &v); err != nil {
		t.Fatalf("helm/values.yaml: %v", err)
	}
	return v
}

func loadChartDefaults(t *testing.T) chartDefaults {
	t.Helper()
	var c chartDefaults
	if err := unmarshalYAMLStrict([]byte(readFile(t, filepath.Join("testdata", "helm-chart-defaults.yaml"))), &c); err != nil {
		t.Fatalf("testdata/helm-chart-defaults.yaml: %v", err)
	}
	return c
}

// helmCoalesce merges the chart's defaults under the user's values the way
// Helm does: the user's values win, maps merge key by key, lists and scalars
// replace, and a user null deletes the chart's key. A null for a key the chart
// does not have stays null (Helm releases differ there), which the collector
// then rejects: nulls may only remove chart defaults.
func helmCoalesce(user, chart map[string]any) map[string]any {
	out := deepCopy(user).(map[string]any)
	for k, cv := range chart {
		uv, ok := out[k]
		switch {
		case !ok:
			out[k] = deepCopy(cv)
		case uv == nil && cv != nil:
			delete(out, k)
		default:
			um, uIsMap := uv.(map[string]any)
			cm, cIsMap := cv.(map[string]any)
			if uIsMap && cIsMap {
				out[k] = helmCoalesce(um, cm)
			}
		}
	}
	return out
}

// dropNulls removes null values: the values' config on its own, without the chart.
func dropNulls(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch x := v.(type) {
		case nil:
		case map[string]any:
			out[k] = dropNulls(x)
		default:
			out[k] = deepCopy(x)
		}
	}
	return out
}

// nullPaths lists the keys set to null in a values map.
func nullPaths(m map[string]any, prefix string) []string {
	var out []string
	for k, v := range m {
		p := prefix + k
		switch x := v.(type) {
		case nil:
			out = append(out, p)
		case map[string]any:
			out = append(out, nullPaths(x, p+".")...)
		}
	}
	sort.Strings(out)
	return out
}

func mergedPorts(v *helmValues, chart chartDefaults) map[string]helmPort {
	out := map[string]helmPort{}
	for name, p := range chart.Ports {
		out[name] = p
	}
	for name, p := range v.Ports {
		c := out[name]
		if p.Enabled != nil {
			c.Enabled = p.Enabled
		}
		if p.ContainerPort != 0 {
			c.ContainerPort = p.ContainerPort
		}
		if p.ServicePort != 0 {
			c.ServicePort = p.ServicePort
		}
		if p.HostPort != 0 {
			c.HostPort = p.HostPort
		}
		if p.Protocol != "" {
			c.Protocol = p.Protocol
		}
		out[name] = c
	}
	return out
}

// helmWorkload builds the collector container the way the chart's pod
// template does for mode daemonset: command /<command.name>, the
// configuration at /conf/relay.yaml (the values' config merged with the
// chart's defaults), the enabled ports with their hostPorts, MY_POD_IP and
// GOMEMLIMIT, then extraEnvs, extraVolumeMounts and the probes from the values.
func helmWorkload(t *testing.T, v *helmValues) workload {
	t.Helper()
	chart := loadChartDefaults(t)
	merged := helmCoalesce(v.Config, chart.Config)
	source := "helm/values.yaml config, merged with the chart's defaults"
	cfg := mustConfig(t, source, marshalConfig(t, merged))

	c := corev1.Container{
		Name:            "opentelemetry-collector",
		Image:           v.Image.Repository + ":" + v.Image.Tag,
		Args:            append([]string{"--config=/conf/relay.yaml"}, v.Command.ExtraArgs...),
		Resources:       v.Resources,
		SecurityContext: v.SecurityContext,
		VolumeMounts:    append([]corev1.VolumeMount{{Name: "opentelemetry-collector-configmap", MountPath: "/conf"}}, v.ExtraVolumeMounts...),
	}
	if v.Command.Name != "" {
		c.Command = []string{"/" + v.Command.Name}
	}
	ports := mergedPorts(v, chart)
	names := make([]string, 0, len(ports))
	for name := range ports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := ports[name]
		if p.Enabled == nil || !*p.Enabled {
			continue
		}
		cp := corev1.ContainerPort{Name: name, ContainerPort: p.ContainerPort, Protocol: corev1.Protocol(p.Protocol)}
		if v.Mode == "daemonset" {
			cp.HostPort = p.HostPort
		}
		c.Ports = append(c.Ports, cp)
	}
	if (v.UseGOMEMLIMIT == nil || *v.UseGOMEMLIMIT) && !v.Resources.Limits.Memory().IsZero() {
		c.Env = append(c.Env, corev1.EnvVar{Name: "GOMEMLIMIT", Value: chartGOMEMLIMIT(*v.Resources.Limits.Memory())})
	}
	c.Env = append(c.Env, v.ExtraEnvs...)
	probe := func(p helmProbe) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: p.HTTPGet.Path, Port: intstr.FromInt32(p.HTTPGet.Port)}}}
	}
	c.LivenessProbe, c.ReadinessProbe = probe(v.LivenessProbe), probe(v.ReadinessProbe)
	vols := append([]corev1.Volume{{Name: "opentelemetry-collector-configmap", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}}, v.ExtraVolumes...)
	return workload{
		source: "helm/values.yaml", podSC: v.PodSecurityContext, container: c, inits: v.InitContainers,
		volumes: vols, configs: []collectorConfig{cfg}, implicitEnv: []string{"MY_POD_IP"}, agent: v.Mode == "daemonset",
	}
}

func TestHelmValues(t *testing.T) {
	d := load(t)
	v := d.helm
	chart := loadChartDefaults(t)

	if v.Mode != "daemonset" {
		t.Errorf("mode %q, want daemonset", v.Mode)
	}
	if got := v.Image.Repository + ":" + v.Image.Tag; got != d.image() {
		t.Errorf("image %s, want %s", got, d.image())
	}
	if len(d.docker.entrypoint) > 0 && "/"+v.Command.Name != d.docker.entrypoint[0] {
		t.Errorf("command.name %q: the chart runs /%s, the image's binary is %s", v.Command.Name, v.Command.Name, d.docker.entrypoint[0])
	}
	// The chart (0.170.0) mounts a token by default; the collector never calls the Kubernetes API.
	if a := v.ServiceAccount.AutomountServiceAccountToken; a == nil || *a {
		t.Error("serviceAccount.automountServiceAccountToken must be false: the chart defaults it to true")
	}
	for name, p := range v.Presets {
		if p.Enabled {
			t.Errorf("presets.%s is enabled: every preset adds components otelcol-precogx does not have", name)
		}
	}
	// The chart renders config through `tpl`.
	if s := marshalConfig(t, v.Config); strings.Contains(s, "{{") {
		t.Error("config contains {{ }}, which the chart's tpl would evaluate")
	}
	// A null may only remove one of the chart's defaults.
	for _, p := range nullPaths(v.Config, "") {
		keys := strings.Split(p, ".")
		if val, ok := path(chart.Config, keys...); !ok || val == nil {
			t.Errorf("config.%s: null, but the chart has no default there (Helm may keep the null, and the collector then rejects the config); "+
				"if the chart has one now, add it to testdata/helm-chart-defaults.yaml", p)
		}
	}
	for name, p := range v.Ports {
		if _, ok := chart.Ports[name]; !ok && (p.Enabled == nil || !*p.Enabled) {
			t.Errorf("ports.%s is disabled but the chart has no such default port (testdata/helm-chart-defaults.yaml)", name)
		}
	}

	// The values' config must be a complete configuration on its own (the nulls
	// only remove the chart's defaults), as well as merged with those defaults.
	t.Run("config on its own", func(t *testing.T) {
		alone := dropNulls(v.Config)
		for _, k := range []string{"receivers", "exporters", "extensions", "service"} {
			if _, ok := alone[k]; !ok {
				t.Errorf("config.%s missing: the values' config must be complete", k)
			}
		}
		runValidate(t, "helm/values.yaml config", marshalConfig(t, alone))
	})
	t.Run("config merged with the chart's defaults", func(t *testing.T) {
		merged := helmCoalesce(v.Config, chart.Config)
		if extra := nullPaths(merged, ""); len(extra) > 0 {
			t.Errorf("nulls left after the merge: %v", extra)
		}
		runValidate(t, "helm/values.yaml config merged with the chart's defaults", marshalConfig(t, merged))
	})
}
