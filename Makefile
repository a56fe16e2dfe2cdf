# precogx exporter: build, test and demo. Every tool is pinned and installed here.
GO        ?= go
BIN       := $(CURDIR)/bin
OCB       := $(BIN)/builder
MDATAGEN  := $(BIN)/mdatagen
COLLECTOR := $(BIN)/otelcol-precogx
DEVSERVER := $(BIN)/precogx-devserver
GO_SOURCES := $(shell find . -name '*.go' -not -path './_build/*' -not -path './test/clients/*' -not -path './internal/tools/*') go.mod go.sum

.PHONY: all tools generate build clients test demo bench fuzz clean

all: build

# ocb v0.165.0 and mdatagen v0.161.0 are pinned in internal/tools/go.mod (its own module).
$(OCB): internal/tools/go.mod
	cd internal/tools && $(GO) build -o $(OCB) go.opentelemetry.io/collector/cmd/builder
$(MDATAGEN): internal/tools/go.mod
	cd internal/tools && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen
tools: $(OCB) $(MDATAGEN)

# mdatagen names the generated test package after the directory, so run it
# through a link named like the package.
generate: $(MDATAGEN)
	@tmp=$$(mktemp -d) && ln -s $(CURDIR) $$tmp/precogxexporter && \
	  (cd $$tmp/precogxexporter && $(MDATAGEN) metadata.yaml); rc=$$?; rm -rf $$tmp; exit $$rc

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

test: build clients
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench 'MapAndEncode|OTLPJSON' -benchtime 2s -count 3 .
	$(GO) test -run '^$$' -bench 'AssemblyMemory' -benchtime 1x -count 2 .

# Short fuzzing of the mapping (CI); FUZZTIME=10m for a real run.
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzMapTraces$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s .
	$(GO) test -run '^$$' -fuzz '^FuzzMapLogs$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s .
	$(GO) test -run '^$$' -fuzz '^FuzzContent$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s .

demo: build
	$(GO) run ./examples/demo

clean:
	rm -rf $(BIN) _build
