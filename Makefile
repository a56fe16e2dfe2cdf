# precogx exporter: build, test and demo. Every tool is pinned and installed here.
GO        ?= go
BIN       := $(CURDIR)/bin
OCB       := $(BIN)/builder
MDATAGEN  := $(BIN)/mdatagen
COLLECTOR := $(BIN)/otelcol-precogx
DEVSERVER := $(BIN)/precogx-devserver
GO_SOURCES := $(shell find . -name '*.go' -not -path './_build/*' -not -path './test/clients/*' -not -path './internal/tools/*' -not -path './deploy/*') go.mod go.sum

.PHONY: all tools generate build clients test test-faults demo bench bench-collector bench-redaction bench-outside fuzz image clean

all: build

# ocb v0.165.0 and mdatagen v0.161.0 are pinned in internal/tools/go.mod (its own module).
$(OCB): internal/tools/go.mod
	cd internal/tools && $(GO) build -o $(OCB) go.opentelemetry.io/collector/cmd/builder
$(MDATAGEN): internal/tools/go.mod
	cd internal/tools && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen
tools: $(OCB) $(MDATAGEN)

# mdatagen names the generated test package after the directory, so run it
# through a link named like the package. The receiver's directory already is.
generate: $(MDATAGEN)
	@tmp=$$(mktemp -d) && ln -s $(CURDIR) $$tmp/precogxexporter && \
	  (cd $$tmp/precogxexporter && $(MDATAGEN) metadata.yaml); rc=$$?; rm -rf $$tmp; exit $$rc
	cd precogxwebhookreceiver && $(MDATAGEN) metadata.yaml

$(COLLECTOR): $(OCB) builder-config.yaml $(GO_SOURCES)
	$(OCB) --config=builder-config.yaml
	@mkdir -p $(BIN) && cp _build/otelcol-precogx $(COLLECTOR)

$(DEVSERVER): $(GO_SOURCES)
	$(GO) build -o $(DEVSERVER) ./cmd/precogx-devserver

build: $(COLLECTOR) $(DEVSERVER)

# Real instrumentation libraries from npm (exact versions in the lockfile),
# with Node 22 installed as the `node` npm package.
CLIENTS := test/clients
$(CLIENTS)/node_modules/.package-lock.json: $(CLIENTS)/package-lock.json $(CLIENTS)/package.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund
clients: $(CLIENTS)/node_modules/.package-lock.json

# The deploy module (k8s.io/api stays out of the exporter's go.mod) checks the
# manifests strictly and runs bin/otelcol-precogx validate on every config.
test: build clients
	$(GO) test -count=1 ./...
	cd deploy && $(GO) test -count=1 ./...

# The fault suite: outages, 503s, throttling, timeouts, resets, bad
# interactions and a SIGKILL with the persistent queue (about 7 minutes).
test-faults: build
	$(GO) test -tags faults -count=1 -timeout 15m -run '^TestFaults$$' -v ./internal/e2e/

bench:
	$(GO) test -run '^$$' -bench 'MapAndEncode|OTLPJSON' -benchtime 2s -count 3 .
	$(GO) test -run '^$$' -bench 'Redact' -benchtime 2s -count 3 ./internal/redact/
	$(GO) test -run '^$$' -bench 'AssemblyRelease' -benchtime 2s -count 3 ./internal/assembly/
	$(GO) test -run '^$$' -bench 'AwaitsLogContent|MapQueueBatch' -benchtime 1s -count 3 ./internal/genai/
	$(GO) test -run '^$$' -bench 'Compression' -benchtime 1s -count 1 ./internal/precogxapi/
	$(GO) test -run '^$$' -bench 'AppendJSONString' -benchtime 1s -count 3 ./internal/pdatautil/
	$(GO) test -run '^$$' -bench 'AssemblyMemory' -benchtime 1x -count 2 ./internal/assembly/

# The collector side by side (method in BENCHMARKS.md): the built collector on CPU 0 with precogx,
# otlp_http (json) and debug, identical written-out delivery settings,
# compression none and gzip, fixed rates and saturation, alternating rounds
# (about 7 minutes; SBS_ROUNDS, SBS_SECONDS, SBS_ONLY, SBS_PROFILE tune it;
# SBS_BASELINE_BIN=path adds a row for another collector binary, a change's baseline).
bench-collector: build
	$(GO) test -tags loadbench -count=1 -timeout 60m -run '^TestSideBySide$$' -v ./internal/e2e/

# The outside harness: load from the OpenTelemetry JS SDK and a sink in
# Node, written apart from bench-collector's, to confirm its CPU ratios
# (about 5 minutes; OUTSIDE_ROUNDS, OUTSIDE_SECONDS, OUTSIDE_RATES,
# OUTSIDE_COMPRESSION).
bench-outside: build clients
	cd $(CLIENTS) && taskset -c 1 node outside-harness.js

# The redaction budget: the harness of bench-collector with every
# redaction kind on against off, alternating, with CPU profiles (about 6 minutes).
bench-redaction: build
	$(GO) test -tags loadbench -count=1 -timeout 30m -run '^TestRedactionSideBySide$$' -v ./internal/e2e/

# Short fuzzing of the mapping, the redaction and the alert decoder (CI); FUZZTIME=10m for a real run.
# A count (50000x), not a duration: Go 1.26's fuzzing coordinator can fail a
# duration run with "context deadline exceeded" and no crasher when the time
# runs out mid-execution on a loaded machine (golang/go#75804, fixed in 1.27).
FUZZTIME ?= 50000x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzMapTraces$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/genai
	$(GO) test -run '^$$' -fuzz '^FuzzMapLogs$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/genai
	$(GO) test -run '^$$' -fuzz '^FuzzContent$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/genai
	$(GO) test -run '^$$' -fuzz '^FuzzReader$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/genai/content
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeAlert$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./precogxwebhookreceiver
	$(GO) test -run '^$$' -fuzz '^FuzzRedactJSON$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/genai
	$(GO) test -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/redact/
	$(GO) test -run '^$$' -fuzz '^FuzzAppendJSONString$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./internal/pdatautil/

demo: build
	$(GO) run ./examples/demo

IMAGE ?= otelcol-precogx:dev

# The container image (Dockerfile, deploy/README.md). Needs a Docker engine.
image:
	@command -v docker >/dev/null 2>&1 || { echo "make image: no docker command found: install Docker, or build with: podman build -t $(IMAGE) ." >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "make image: docker is installed but no Docker engine answers: start it, or set DOCKER_HOST" >&2; exit 1; }
	docker build -t $(IMAGE) .

clean:
	rm -rf $(BIN) _build
