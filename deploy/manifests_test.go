package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestManifests decodes every document under kubernetes/ and operator/
// strictly into its k8s.io/api type (load does it) and checks what the API
// server would also refuse or what would break at run time.
func TestManifests(t *testing.T) {
	d := load(t)
	if len(d.manifests) == 0 {
		t.Fatal("no manifests found")
	}
	namespaces := map[string]bool{}
	for _, m := range d.byKind("Namespace") {
		namespaces[m.meta().GetName()] = true
	}
	names := map[string]string{}
	for _, m := range d.manifests {
		meta := m.meta()
		if meta.GetName() == "" {
			t.Errorf("%s: %s without metadata.name", m.file, m.kind)
		}
		if m.kind != "Namespace" && !namespaces[meta.GetNamespace()] {
			t.Errorf("%s: %s %s: namespace %q is not one of namespace.yaml's", m.file, m.kind, meta.GetName(), meta.GetNamespace())
		}
		// The same kind and name in two files is only allowed for the gateway's
		// replacement of the agent ConfigMap.
		key := m.kind + "/" + meta.GetNamespace() + "/" + meta.GetName()
		if prev, ok := names[key]; ok && !(m.kind == "ConfigMap" && filepath.Dir(prev) != filepath.Dir(m.file)) {
			t.Errorf("%s: %s also defined in %s", m.file, key, prev)
		}
		names[key] = m.file
	}

	for _, m := range d.manifests {
		switch o := m.obj.(type) {
		case *appsv1.DaemonSet:
			checkSelector(t, m.file, o.Spec.Selector.MatchLabels, o.Spec.Template.Labels)
			checkServiceAccount(t, d, m.file, &o.Spec.Template.Spec)
			if ru := o.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxSurge != nil && ru.MaxSurge.IntValue() != 0 {
				t.Errorf("%s: maxSurge must be 0: the agent uses hostPorts and a per-node queue directory", m.file)
			}
		case *appsv1.Deployment:
			checkSelector(t, m.file, o.Spec.Selector.MatchLabels, o.Spec.Template.Labels)
			checkServiceAccount(t, d, m.file, &o.Spec.Template.Spec)
		case *corev1.Service:
			checkService(t, d, m.file, o)
		case *corev1.Secret:
			if len(o.Data)+len(o.StringData) == 0 {
				t.Errorf("%s: Secret %s has no keys", m.file, o.Name)
			}
		case *otelCollector:
			if o.APIVersion != "opentelemetry.io/v1beta1" || o.Kind != "OpenTelemetryCollector" {
				t.Errorf("%s: %s %s", m.file, o.APIVersion, o.Kind)
			}
			if o.Spec.Mode != "daemonset" {
				t.Errorf("%s: spec.mode %q, want daemonset", m.file, o.Spec.Mode)
			}
			if o.Spec.Image == "" {
				t.Errorf("%s: spec.image is empty (the operator would run its default collector, without precogx)", m.file)
			}
			if len(o.Spec.Config) == 0 {
				t.Errorf("%s: spec.config must be the collector configuration as a YAML object", m.file)
			}
		}
	}
}

func checkSelector(t *testing.T, file string, selector, podLabels map[string]string) {
	t.Helper()
	if len(selector) == 0 || !labels.SelectorFromSet(selector).Matches(labels.Set(podLabels)) {
		t.Errorf("%s: selector %v does not match the pod template's labels %v", file, selector, podLabels)
	}
}

func checkServiceAccount(t *testing.T, d *deployment, file string, spec *corev1.PodSpec) {
	t.Helper()
	if spec.ServiceAccountName == "" {
		return
	}
	for _, m := range d.byKind("ServiceAccount") {
		if m.meta().GetName() == spec.ServiceAccountName {
			return
		}
	}
	t.Errorf("%s: serviceAccountName %q is not defined", file, spec.ServiceAccountName)
}

// checkService: the Service selects the gateway's pods, and each port targets
// a container port on which the gateway's configuration listens.
func checkService(t *testing.T, d *deployment, file string, svc *corev1.Service) {
	t.Helper()
	var pods []corev1.PodTemplateSpec
	for _, m := range d.byKind("Deployment") {
		dep := m.obj.(*appsv1.Deployment)
		if dep.Namespace == svc.Namespace && len(svc.Spec.Selector) > 0 &&
			labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
			pods = append(pods, dep.Spec.Template)
		}
	}
	if len(pods) != 1 {
		t.Fatalf("%s: Service %s selects %d Deployments, want 1", file, svc.Name, len(pods))
	}
	c := collectorContainer(t, file, &pods[0].Spec)
	for _, sp := range svc.Spec.Ports {
		if resolvePort(c, sp.TargetPort) == 0 {
			t.Errorf("%s: port %s targets %s, which is not a port of the gateway container", file, sp.Name, sp.TargetPort.String())
		}
	}
}

// resolvePort resolves a numeric or named port of a container (0: none).
func resolvePort(c corev1.Container, p intstr.IntOrString) int32 {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort
		}
	}
	if p.Type == intstr.Int {
		return p.IntVal // an undeclared numeric port still reaches the process
	}
	return 0
}

// TestKustomizations: each kustomization lists files that exist, lists every
// manifest of its directory, and never the example Secret (applying it would
// replace the real key with the placeholder).
func TestKustomizations(t *testing.T) {
	var found int
	err := filepath.WalkDir("kubernetes", func(p string, e os.DirEntry, err error) error {
		if err != nil || e.Name() != "kustomization.yaml" {
			return err
		}
		found++
		var k struct {
			APIVersion string   `json:"apiVersion"`
			Kind       string   `json:"kind"`
			Resources  []string `json:"resources"`
			Patches    []struct {
				Path string `json:"path"`
			} `json:"patches,omitempty"`
			Images []struct {
				Name    string `json:"name"`
				NewName string `json:"newName,omitempty"`
				NewTag  string `json:"newTag,omitempty"`
				Digest  string `json:"digest,omitempty"`
			} `json:"images,omitempty"`
		}
		if err := unmarshalYAMLStrict([]byte(readFile(t, p)), &k); err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
			t.Errorf("%s: %s %s", p, k.APIVersion, k.Kind)
		}
		dir := filepath.Dir(p)
		listed := map[string]bool{}
		refs := slices.Clone(k.Resources)
		for _, pt := range k.Patches {
			refs = append(refs, pt.Path)
		}
		for _, r := range refs {
			full := filepath.Join(dir, r)
			st, err := os.Stat(full)
			switch {
			case err != nil:
				t.Errorf("%s: %s does not exist", p, r)
			case st.IsDir():
				if _, err := os.Stat(filepath.Join(full, "kustomization.yaml")); err != nil {
					t.Errorf("%s: directory %s has no kustomization.yaml", p, r)
				}
			case strings.HasSuffix(r, ".example.yaml"):
				t.Errorf("%s: lists %s: `kubectl apply -k` would overwrite the real API key with the placeholder", p, r)
			}
			listed[filepath.Clean(full)] = true
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || !strings.HasSuffix(n, ".yaml") || n == "kustomization.yaml" || strings.HasSuffix(n, ".example.yaml") {
				continue
			}
			if !listed[filepath.Join(dir, n)] {
				t.Errorf("%s: does not list %s", p, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no kustomization.yaml under kubernetes/")
	}
}

// TestWorkloads checks each collector container (DaemonSet, Deployment, and
// those the Helm chart and the Operator would build) against the image
// (Dockerfile) and against the configurations it runs.
func TestWorkloads(t *testing.T) {
	d := load(t)
	if len(d.workloads) < 4 {
		t.Fatalf("found %d collector workloads, want the agent DaemonSet, the gateway Deployment, the Helm values and the Operator resource", len(d.workloads))
	}
	secrets := map[string]map[string]bool{}
	for _, m := range d.byKind("Secret") {
		s := m.obj.(*corev1.Secret)
		secrets[s.Name] = map[string]bool{}
		for k := range s.StringData {
			secrets[s.Name][k] = true
		}
		for k := range s.Data {
			secrets[s.Name][k] = true
		}
	}
	for _, w := range d.workloads {
		t.Run(w.source, func(t *testing.T) {
			checkWorkload(t, d, w, secrets)
		})
	}
}

func checkWorkload(t *testing.T, d *deployment, w workload, secrets map[string]map[string]bool) {
	c := w.container
	if c.Image != d.image() {
		t.Errorf("image %s, want %s (tag = builder-config.yaml dist.version)", c.Image, d.image())
	}
	// The binary: the image's ENTRYPOINT, or a command naming the same file.
	if len(c.Command) > 0 && !slices.Equal(c.Command, d.docker.entrypoint) {
		t.Errorf("command %q, but the image's ENTRYPOINT is %q", c.Command, d.docker.entrypoint)
	}
	if _, ok := configArg(c); !ok {
		t.Errorf("command %q args %q: want one --config=<file>", c.Command, c.Args)
	}

	// Security: the image's user, non-root, read-only, no privilege.
	sc := effectiveSecurity(w.podSC, c.SecurityContext)
	if sc.RunAsUser == nil || int(*sc.RunAsUser) != d.docker.uid {
		t.Errorf("runAsUser %v, want the image's USER %d", deref(sc.RunAsUser), d.docker.uid)
	}
	if sc.RunAsGroup == nil || int(*sc.RunAsGroup) != d.docker.gid {
		t.Errorf("runAsGroup %v, want the image's group %d", deref(sc.RunAsGroup), d.docker.gid)
	}
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Error("runAsNonRoot must be true")
	}
	if cs := c.SecurityContext; cs == nil ||
		cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
		cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
		cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") || len(cs.Capabilities.Add) > 0 {
		t.Error("container securityContext: want readOnlyRootFilesystem true, allowPrivilegeEscalation false, capabilities drop [ALL] and none added")
	}

	// Ports: EXPOSEd by the image, or listened on by one of the workload's
	// configurations (an opt-in receiver that the image's default
	// configuration does not run: precogxwebhook); an agent's OTLP ports are hostPorts.
	listened := map[int]bool{}
	for _, cfg := range w.configs {
		for _, p := range configPorts(cfg.cfg) {
			listened[p] = true
		}
	}
	declared := map[int32]corev1.ContainerPort{}
	for _, p := range c.Ports {
		declared[p.ContainerPort] = p
		if !d.docker.expose[int(p.ContainerPort)] && !listened[int(p.ContainerPort)] {
			t.Errorf("containerPort %d is not EXPOSEd by the Dockerfile, and no configuration of this workload listens on it", p.ContainerPort)
		}
		if p.HostPort != 0 && !d.docker.expose[int(p.HostPort)] {
			t.Errorf("hostPort %d is not EXPOSEd by the Dockerfile", p.HostPort)
		}
		if p.HostPort != 0 && p.HostPort != p.ContainerPort {
			t.Errorf("hostPort %d maps to containerPort %d: apps are told to use the same number", p.HostPort, p.ContainerPort)
		}
	}
	if w.agent {
		for _, port := range []int32{4317, 4318} {
			if declared[port].HostPort != port {
				t.Errorf("agent: containerPort %d needs hostPort %d (apps send to their node's IP)", port, port)
			}
		}
	}

	// Resources and GOMEMLIMIT (about 80% of the memory limit).
	limit := memoryLimit(c)
	if limit == 0 {
		t.Error("resources.limits.memory is not set")
	}
	var gomem string
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			gomem = e.Value
		}
	}
	if gomem == "" {
		t.Error("GOMEMLIMIT is not set")
	} else if n, err := parseMemory(gomem); err != nil {
		t.Error(err)
	} else if limit > 0 && (n < limit*70/100 || n > limit*90/100) {
		t.Errorf("GOMEMLIMIT %s is %d%% of the memory limit, want about 80%%", gomem, n*100/limit)
	}

	// Environment: secretKeyRefs name the Secret of secret.example.yaml.
	defined := map[string]bool{}
	for _, e := range w.implicitEnv {
		defined[e] = true
	}
	for _, e := range c.Env {
		defined[e.Name] = true
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			if !secrets[ref.Name][ref.Key] {
				t.Errorf("env %s: Secret %s key %s is not the one secret.example.yaml documents", e.Name, ref.Name, ref.Key)
			}
		}
	}

	for _, cfg := range w.configs {
		t.Run(cfg.source, func(t *testing.T) {
			checkWorkloadConfig(t, d, w, cfg, declared, defined)
		})
	}
}

func checkWorkloadConfig(t *testing.T, d *deployment, w workload, cfg collectorConfig, declared map[int32]corev1.ContainerPort, defined map[string]bool) {
	c := w.container
	// Every variable the configuration reads is set in the container.
	required, _ := envRefs(cfg.text)
	for _, name := range required {
		if !defined[name] {
			t.Errorf("the configuration reads ${env:%s}, which the container does not set", name)
		}
	}

	// Probes call health_check where the configuration puts it.
	hp := healthPort(cfg.cfg)
	if hp == 0 {
		t.Fatal("no health_check extension: the liveness and readiness probes need it")
	}
	if !slices.Contains(stringsAt(cfg.cfg, "service", "extensions"), healthID(cfg.cfg)) {
		t.Errorf("health_check is not in service.extensions")
	}
	if !d.docker.expose[hp] {
		t.Errorf("health_check port %d is not EXPOSEd by the Dockerfile", hp)
	}
	for name, pr := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
		if pr == nil || pr.HTTPGet == nil {
			t.Errorf("%s: want an httpGet probe on health_check", name)
			continue
		}
		if got := resolvePort(c, pr.HTTPGet.Port); int(got) != hp {
			t.Errorf("%s calls port %s, health_check listens on %d", name, pr.HTTPGet.Port.String(), hp)
		}
		if pr.HTTPGet.Path != healthPath(cfg.cfg) {
			t.Errorf("%s calls path %q, health_check serves %q", name, pr.HTTPGet.Path, healthPath(cfg.cfg))
		}
	}

	// The receivers' ports are container ports (hostPorts and Services target them).
	for id, r := range mapAt(cfg.cfg, "receivers") {
		rm, _ := r.(map[string]any)
		for _, p := range configPorts(map[string]any{"receivers": map[string]any{id: rm}}) {
			if p == metricsPort(cfg.cfg) {
				continue
			}
			if _, ok := declared[int32(p)]; !ok {
				t.Errorf("receiver %s listens on %d, which is not a containerPort", id, p)
			}
		}
	}

	// Persistent queues: each storage is a file_storage extension in use, whose
	// directory is on a writable volume (a hostPath is handed to the collector's uid).
	exts := mapAt(cfg.cfg, "extensions")
	for id, e := range mapAt(cfg.cfg, "exporters") {
		em, _ := e.(map[string]any)
		storage := stringAt(em, "sending_queue", "storage")
		if storage == "" {
			continue
		}
		if _, ok := exts[storage]; !ok {
			t.Errorf("exporter %s: sending_queue.storage %s is not a configured extension", id, storage)
		}
		if !slices.Contains(stringsAt(cfg.cfg, "service", "extensions"), storage) {
			t.Errorf("exporter %s: sending_queue.storage %s is not in service.extensions", id, storage)
		}
	}
	for id, e := range exts {
		if componentType(id) != "file_storage" {
			continue
		}
		em, _ := e.(map[string]any)
		dirs := []string{stringAt(em, "directory")}
		if cd := stringAt(em, "compaction", "directory"); cd != "" {
			dirs = append(dirs, cd)
		}
		for _, dir := range dirs {
			checkStorageDir(t, d, w, id, dir)
		}
	}
}

func healthID(cfg map[string]any) string {
	for id := range mapAt(cfg, "extensions") {
		if componentType(id) == "health_check" {
			return id
		}
	}
	return ""
}

// checkStorageDir: dir is under a writable mount; a hostPath volume is created
// if missing and chowned to the image's uid by an init container.
func checkStorageDir(t *testing.T, d *deployment, w workload, id, dir string) {
	t.Helper()
	if dir == "" {
		t.Errorf("%s: directory not set (the default is not on a writable volume)", id)
		return
	}
	var mount *corev1.VolumeMount
	for i, m := range w.container.VolumeMounts {
		if dir == m.MountPath || strings.HasPrefix(dir, strings.TrimSuffix(m.MountPath, "/")+"/") {
			mount = &w.container.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Errorf("%s: directory %s is on no volume mount (the root filesystem is read-only)", id, dir)
		return
	}
	if mount.ReadOnly {
		t.Errorf("%s: directory %s is on read-only mount %s", id, dir, mount.Name)
	}
	vol := findVolume(w.volumes, mount.Name)
	if vol == nil {
		t.Errorf("%s: volume %s is not defined", id, mount.Name)
		return
	}
	if vol.HostPath == nil {
		return
	}
	if vol.HostPath.Type == nil || *vol.HostPath.Type != corev1.HostPathDirectoryOrCreate {
		t.Errorf("%s: hostPath volume %s: want type DirectoryOrCreate", id, vol.Name)
	}
	chown := fmt.Sprintf("chown %d:%d %s", d.docker.uid, d.docker.gid, mount.MountPath)
	for _, ic := range w.inits {
		mounted := slices.ContainsFunc(ic.VolumeMounts, func(m corev1.VolumeMount) bool {
			return m.Name == vol.Name && m.MountPath == mount.MountPath
		})
		if mounted && strings.Contains(strings.Join(append(ic.Command, ic.Args...), " "), chown) {
			return
		}
	}
	t.Errorf("%s: hostPath volume %s is created owned by root: want an init container mounting it at %s that runs %q",
		id, vol.Name, mount.MountPath, chown)
}

// effectiveSecurity applies the container's securityContext over the pod's.
func effectiveSecurity(pod *corev1.PodSecurityContext, c *corev1.SecurityContext) corev1.SecurityContext {
	var out corev1.SecurityContext
	if pod != nil {
		out.RunAsUser, out.RunAsGroup, out.RunAsNonRoot = pod.RunAsUser, pod.RunAsGroup, pod.RunAsNonRoot
	}
	if c != nil {
		if c.RunAsUser != nil {
			out.RunAsUser = c.RunAsUser
		}
		if c.RunAsGroup != nil {
			out.RunAsGroup = c.RunAsGroup
		}
		if c.RunAsNonRoot != nil {
			out.RunAsNonRoot = c.RunAsNonRoot
		}
	}
	return out
}

func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}
