// Package precogxwebhookreceiver receives the security alerts that PrecogX
// posts to a webhook (threat_detected and later event types) and turns each
// alert into one OpenTelemetry log record.
//
//go:generate mdatagen metadata.yaml
package precogxwebhookreceiver // import "github.com/precogx/precogxexporter/precogxwebhookreceiver"
