package deploy

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type dockerInstr struct {
	line  int
	cmd   string   // upper case: FROM, RUN, COPY, ...
	flags []string // leading --flags (COPY --from=build, RUN --mount=...)
	args  string   // the rest, continuation lines joined
}

type dockerStage struct {
	base   string // FROM image
	name   string // AS name
	instrs []dockerInstr
}

type dockerfile struct {
	stages     []dockerStage
	entrypoint []string
	cmd        []string
	uid, gid   int
	expose     map[int]bool
}

func (d dockerfile) final() dockerStage { return d.stages[len(d.stages)-1] }

// parseDockerfile reads the instructions of a Dockerfile: comments dropped,
// continuation lines joined, stages split at FROM. The final stage's
// ENTRYPOINT and CMD must be in exec (JSON) form and its USER numeric: the
// image is scratch, with no shell and no /etc/passwd.
func parseDockerfile(t *testing.T, file string) dockerfile {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var instrs []dockerInstr
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if l, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(l + " ")
			continue
		}
		cur.WriteString(line)
		instrs = append(instrs, splitInstr(start, cur.String()))
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur.Len() > 0 {
		t.Fatalf("Dockerfile:%d: unterminated continuation line", start)
	}

	var d dockerfile
	for _, in := range instrs {
		if in.cmd == "FROM" {
			fields := strings.Fields(in.args)
			st := dockerStage{base: fields[0]}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.name = fields[2]
			} else if len(fields) != 1 {
				t.Fatalf("Dockerfile:%d: FROM %s: want `FROM image [AS name]`", in.line, in.args)
			}
			d.stages = append(d.stages, st)
			continue
		}
		if len(d.stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile:%d: %s before the first FROM", in.line, in.cmd)
			}
			continue
		}
		st := &d.stages[len(d.stages)-1]
		st.instrs = append(st.instrs, in)
	}
	if len(d.stages) < 2 {
		t.Fatalf("Dockerfile: want a multi-stage build (build, then run), found %d stage(s)", len(d.stages))
	}

	d.expose = map[int]bool{}
	d.uid, d.gid = -1, -1
	for _, in := range d.final().instrs {
		switch in.cmd {
		case "ENTRYPOINT", "CMD":
			var v []string
			if err := json.Unmarshal([]byte(in.args), &v); err != nil || len(v) == 0 {
				t.Fatalf("Dockerfile:%d: %s %s: want the exec form [\"...\"] (the image has no shell)", in.line, in.cmd, in.args)
			}
			if in.cmd == "ENTRYPOINT" {
				d.entrypoint = v
			} else {
				d.cmd = v
			}
		case "USER":
			u, g, _ := strings.Cut(in.args, ":")
			var err1, err2 error
			d.uid, err1 = strconv.Atoi(u)
			d.gid = d.uid
			if g != "" {
				d.gid, err2 = strconv.Atoi(g)
			}
			if err1 != nil || err2 != nil {
				t.Fatalf("Dockerfile:%d: USER %s: want numeric uid[:gid] (no /etc/passwd in the image)", in.line, in.args)
			}
		case "EXPOSE":
			for _, p := range strings.Fields(in.args) {
				num, proto, _ := strings.Cut(p, "/")
				n, err := strconv.Atoi(num)
				if err != nil || (proto != "" && proto != "tcp") {
					t.Fatalf("Dockerfile:%d: EXPOSE %s: want TCP port numbers", in.line, p)
				}
				d.expose[n] = true
			}
		}
	}
	return d
}

func splitInstr(line int, s string) dockerInstr {
	cmd, rest, _ := strings.Cut(s, " ")
	in := dockerInstr{line: line, cmd: strings.ToUpper(cmd)}
	rest = strings.TrimSpace(rest)
	for strings.HasPrefix(rest, "--") {
		flag, r, _ := strings.Cut(rest, " ")
		in.flags = append(in.flags, flag)
		rest = strings.TrimSpace(r)
	}
	in.args = rest
	return in
}

func flagValue(flags []string, name string) string {
	for _, f := range flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// copies returns the final stage's COPY instructions as destination -> (stage, source).
func (d dockerfile) copies(t *testing.T) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, in := range d.final().instrs {
		if in.cmd != "COPY" {
			continue
		}
		f := strings.Fields(in.args)
		if len(f) != 2 {
			t.Fatalf("Dockerfile:%d: COPY %s: want one source and one destination", in.line, in.args)
		}
		out[f[1]] = [2]string{flagValue(in.flags, "from"), f[0]}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	d := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	dist := readDistribution(t)
	build := d.stages[0]
	final := d.final()

	t.Run("build stage builds with ocb as the Makefile does", func(t *testing.T) {
		if !strings.HasPrefix(build.base, "golang:1.26") {
			t.Errorf("build stage FROM %s: want golang:1.26", build.base)
		}
		env := map[string]string{}
		var runs []string
		var cacheTargets []string
		workdir := "/"
		for _, in := range build.instrs {
			switch in.cmd {
			case "ENV":
				for _, kv := range strings.Fields(in.args) {
					k, v, _ := strings.Cut(kv, "=")
					env[k] = v
				}
			case "RUN":
				runs = append(runs, in.args)
				for _, f := range in.flags {
					if m, ok := strings.CutPrefix(f, "--mount="); ok && strings.Contains(m, "type=cache") {
						for _, opt := range strings.Split(m, ",") {
							if v, ok := strings.CutPrefix(opt, "target="); ok {
								cacheTargets = append(cacheTargets, v)
							}
						}
					}
				}
			case "WORKDIR":
				workdir = in.args
			}
		}
		if env["CGO_ENABLED"] != "0" {
			t.Error("build stage: want ENV CGO_ENABLED=0 (the binary runs on scratch)")
		}
		// Cache mounts only help where Go keeps its caches.
		for _, target := range cacheTargets {
			if target != env["GOMODCACHE"] && target != env["GOCACHE"] {
				t.Errorf("build stage: cache mount %s is neither GOMODCACHE (%q) nor GOCACHE (%q) set by ENV", target, env["GOMODCACHE"], env["GOCACHE"])
			}
		}
		all := strings.Join(runs, "\n")
		// The Makefile's two commands: build ocb from internal/tools, run it on builder-config.yaml.
		makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct{ makefile, docker string }{
			{"cd internal/tools && $(GO) build -o $(OCB) go.opentelemetry.io/collector/cmd/builder", "cd internal/tools && go build -o "},
			{"$(OCB) --config=builder-config.yaml", " --config=builder-config.yaml"},
		} {
			if !strings.Contains(string(makefile), want.makefile) {
				t.Errorf("the Makefile no longer runs %q: update the Dockerfile's build stage (and this test) to build as it does", want.makefile)
			}
			if !strings.Contains(all, want.docker) {
				t.Errorf("build stage: no RUN does %q (Makefile: %q)", want.docker, want.makefile)
			}
		}
		if !strings.Contains(all, "go.opentelemetry.io/collector/cmd/builder") {
			t.Error("build stage: ocb (go.opentelemetry.io/collector/cmd/builder) is not built from internal/tools")
		}
		// ocb's output is dist.output_path/dist.name, relative to WORKDIR.
		binary := filepath.Join(workdir, dist.OutputPath, dist.Name)
		src, ok := d.copies(t)["/"+dist.Name]
		if !ok {
			t.Fatalf("final stage: no COPY of the collector to /%s", dist.Name)
		}
		if src[0] != build.name || filepath.Clean(src[1]) != binary {
			t.Errorf("final stage: COPY --from=%s %s /%s: want --from=%s %s (ocb's output: builder-config.yaml dist.output_path/dist.name under WORKDIR %s)",
				src[0], src[1], dist.Name, build.name, binary, workdir)
		}
	})

	t.Run("final stage", func(t *testing.T) {
		if final.base != "scratch" && !strings.HasPrefix(final.base, "gcr.io/distroless/static") {
			t.Errorf("final stage FROM %s: want scratch or distroless static", final.base)
		}
		for _, in := range final.instrs {
			if in.cmd == "RUN" {
				t.Errorf("Dockerfile:%d: RUN in the final stage (it has no shell)", in.line)
			}
		}
		copies := d.copies(t)
		if src, ok := copies["/etc/ssl/certs/ca-certificates.crt"]; !ok || src[0] != build.name {
			t.Errorf("final stage: want the CA certificates copied from the %s stage to /etc/ssl/certs/ca-certificates.crt (PrecogX is HTTPS)", build.name)
		}
		if want := []string{"/" + dist.Name}; !slices.Equal(d.entrypoint, want) {
			t.Errorf("ENTRYPOINT %q, want %q", d.entrypoint, want)
		}
		if d.uid != 10001 || d.gid != 10001 {
			t.Errorf("USER %d:%d, want 10001:10001", d.uid, d.gid)
		}
		// CMD names the default configuration, copied from the repository.
		if len(d.cmd) != 1 || !strings.HasPrefix(d.cmd[0], "--config=") {
			t.Fatalf("CMD %q: want [\"--config=<default configuration>\"]", d.cmd)
		}
		cfgPath := strings.TrimPrefix(d.cmd[0], "--config=")
		if cfgPath != "/etc/otelcol-precogx/config.yaml" {
			t.Errorf("CMD %q: want the default configuration at /etc/otelcol-precogx/config.yaml", d.cmd)
		}
		src, ok := copies[cfgPath]
		if !ok || src[0] != "" {
			t.Fatalf("final stage: no COPY of the default configuration from the build context to %s", cfgPath)
		}
		if src[1] != "deploy/docker/config.yaml" {
			t.Errorf("default configuration copied from %s, want deploy/docker/config.yaml (validated by these tests)", src[1])
		}
		if ignored(t, filepath.Join(root, ".dockerignore"), src[1]) {
			t.Errorf(".dockerignore excludes %s, which the image needs", src[1])
		}
		// The image exposes exactly what its default configuration listens on.
		cfg := mustConfig(t, "docker/config.yaml", readFile(t, "docker/config.yaml"))
		ports := map[int]bool{}
		for _, p := range configPorts(cfg.cfg) {
			ports[p] = true
		}
		for p := range ports {
			if !d.expose[p] {
				t.Errorf("docker/config.yaml listens on %d, which the Dockerfile does not EXPOSE", p)
			}
		}
		for p := range d.expose {
			if !ports[p] {
				t.Errorf("the Dockerfile EXPOSEs %d, on which docker/config.yaml does not listen", p)
			}
		}
		for _, p := range []int{4317, 4318, 13133} {
			if !d.expose[p] {
				t.Errorf("EXPOSE: %d missing", p)
			}
		}
	})

	t.Run(".dockerignore", func(t *testing.T) {
		for _, p := range []string{"bin/otelcol-precogx", "_build/main.go", "test/clients/node_modules/x/index.js", ".git/HEAD"} {
			if !ignored(t, filepath.Join(root, ".dockerignore"), p) {
				t.Errorf(".dockerignore does not exclude %s", p)
			}
		}
		for _, p := range []string{"go.mod", "builder-config.yaml", "internal/tools/go.mod", "exporter.go", "internal/metadata/generated_status.go"} {
			if ignored(t, filepath.Join(root, ".dockerignore"), p) {
				t.Errorf(".dockerignore excludes %s, which the build needs", p)
			}
		}
	})
}

// ignored tells whether a context path is excluded by a .dockerignore: the
// last matching pattern wins, "!" re-includes, a pattern matching a directory
// excludes what is under it, "**/" matches any number of directories.
func ignored(t *testing.T, dockerignore, p string) bool {
	t.Helper()
	text := readFile(t, dockerignore)
	excluded := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		pat := strings.Trim(strings.TrimPrefix(line, "!"), "/")
		if matchIgnore(pat, p) {
			excluded = !neg
		}
	}
	return excluded
}

func matchIgnore(pat, p string) bool {
	parts := strings.Split(p, "/")
	for i := 1; i <= len(parts); i++ {
		prefix := strings.Join(parts[:i], "/")
		if rest, ok := strings.CutPrefix(pat, "**/"); ok {
			for j := 0; j < i; j++ {
				if m, _ := filepath.Match(rest, strings.Join(parts[j:i], "/")); m {
					return true
				}
			}
			continue
		}
		if m, _ := filepath.Match(pat, prefix); m {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
