// Package deploy holds the container and Kubernetes deployment files of
// otelcol-precogx (see README.md) and the tests that check them. It is a
// module of its own so that k8s.io/api never enters the exporter's go.mod.
package deploy
