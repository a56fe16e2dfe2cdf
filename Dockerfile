# syntax=docker/dockerfile:1
#
# otelcol-precogx container image.
#
#   docker build -t otelcol-precogx:dev .
#   docker run --rm -e PRECOGX_API_KEY=... -p 4317:4317 -p 4318:4318 -p 13133:13133 otelcol-precogx:dev
#
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/otelcol-precogx:<tag> --push .
# Kubernetes manifests, Helm values and the Operator resource that run it: deploy/ (deploy/README.md).

# ---- build: the same two commands as `make build` (Makefile, bin/otelcol-precogx) ----
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH
ENV CGO_ENABLED=0 GOMODCACHE=/go/pkg/mod GOCACHE=/root/.cache/go-build
WORKDIR /src

# Module downloads first: this layer is reused while only the sources change.
COPY go.mod go.sum ./
COPY internal/tools/go.mod internal/tools/go.sum internal/tools/
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download && cd internal/tools && go mod download

COPY . .
# ocb v0.165.0, pinned in internal/tools/go.mod, built for the build machine.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    cd internal/tools && go build -o /src/bin/builder go.opentelemetry.io/collector/cmd/builder
# The collector, for the target platform; ocb writes _build/otelcol-precogx (builder-config.yaml).
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH /src/bin/builder --config=builder-config.yaml

# ---- run: a static binary, CA certificates and a default configuration; nothing else ----
FROM scratch
LABEL org.opencontainers.image.title="otelcol-precogx" \
      org.opencontainers.image.description="OpenTelemetry Collector distribution with the PrecogX exporter" \
      org.opencontainers.image.source="https://github.com/precogx/precogxexporter"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/_build/otelcol-precogx /otelcol-precogx
COPY deploy/docker/config.yaml /etc/otelcol-precogx/config.yaml
USER 10001:10001
# 4317 OTLP/gRPC, 4318 OTLP/HTTP, 8888 the collector's own metrics, 13133 health_check.
EXPOSE 4317 4318 8888 13133
ENTRYPOINT ["/otelcol-precogx"]
CMD ["--config=/etc/otelcol-precogx/config.yaml"]
