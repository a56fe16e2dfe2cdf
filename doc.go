// Package precogxexporter exports GenAI spans and log events as PrecogX AI interactions.
//
//go:generate mdatagen metadata.yaml
package precogxexporter // import "github.com/precogx/precogxexporter"
