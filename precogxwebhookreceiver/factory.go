package precogxwebhookreceiver // import "github.com/precogx/precogxexporter/precogxwebhookreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/precogx/precogxexporter/precogxwebhookreceiver/internal/metadata"
)

const (
	defaultEndpoint = "localhost:8089"
	defaultPath     = "/precogx/webhook"
	// One alert is a few hundred bytes; the limit applies to the decoded body.
	defaultMaxRequestBodySize = 1 << 20
)

// NewFactory creates a factory for the precogxwebhook receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	server.MaxRequestBodySize = defaultMaxRequestBodySize
	return &Config{ServerConfig: server, Path: defaultPath}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(cfg.(*Config), set, next)
}
