package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/precogx/precogxexporter/internal/metadata"
)

const (
	defaultEndpoint             = "https://api.precogx.ai/api/v1"
	defaultTimeout              = 10 * time.Second
	defaultMaxBatchInteractions = 100
	defaultMaxRequestBytes      = 4 << 20
	defaultMaxFieldBytes        = 64 << 10
)

// NewFactory creates a factory for the precogx exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithTraces(createTraces, metadata.TracesStability),
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Endpoint = defaultEndpoint
	client.Timeout = defaultTimeout
	client.Compression = configcompression.TypeGzip

	// Batching inside the queue: spans are counted as items, and batches are
	// never split (max_size 0) so a trace in one request stays whole.
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.Sizer = exporterhelper.RequestSizerTypeItems
	queue.QueueSize = 100_000
	batch := exporterhelper.NewDefaultBatchConfig()
	batch.Sizer = exporterhelper.RequestSizerTypeItems
	batch.MinSize = 1000
	batch.MaxSize = 0
	queue.Batch = configoptional.Some(batch)

	return &Config{
		ClientConfig:         client,
		QueueConfig:          configoptional.Some(queue),
		RetryConfig:          configretry.NewDefaultBackOffConfig(),
		AuthHeader:           AuthHeaderAPIKey,
		Platform:             PlatformGeneric,
		MaxBatchInteractions: defaultMaxBatchInteractions,
		MaxRequestBytes:      defaultMaxRequestBytes,
		Mapping: MappingConfig{
			Prompt:        PromptLastUserMessage,
			MaxFieldBytes: defaultMaxFieldBytes,
		},
	}
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces, helperOptions(c, e)...)
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs, helperOptions(c, e)...)
}

func helperOptions(c *Config, e *precogxExporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		// The HTTP client owns the timeout (confighttp `timeout`), as in otlphttp.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
	}
}
