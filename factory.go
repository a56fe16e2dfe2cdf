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
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/sharedcomponent"
)

const (
	defaultEndpoint             = "https://api.precogx.ai/api/v1"
	defaultTimeout              = 10 * time.Second
	defaultMaxBatchInteractions = 100
	defaultMaxRequestBytes      = 4 << 20
	defaultMaxFieldBytes        = 64 << 10
	defaultAssemblyWait         = 2 * time.Second
	defaultMaxTraces            = 10_000
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
		Assembly: AssemblyConfig{
			Wait:      defaultAssemblyWait,
			MaxTraces: defaultMaxTraces,
		},
	}
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	in, err := instances.LoadOrStore(cfg.(*Config), func() (*instance, error) { return newInstance(ctx, set, cfg.(*Config)) })
	if err != nil {
		return nil, err
	}
	return &tracesSide{in}, nil
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	in, err := instances.LoadOrStore(cfg.(*Config), func() (*instance, error) { return newInstance(ctx, set, cfg.(*Config)) })
	if err != nil {
		return nil, err
	}
	return &logsSide{in}, nil
}

// instances holds one instance per configuration, used by its traces and
// logs pipelines alike (as the otlp receiver shares its server): assembly
// must see both to join log events with their spans.
var instances = sharedcomponent.NewMap[*Config, *instance]()

// tracesSide and logsSide are what a pipeline sees of the shared instance.
type tracesSide struct {
	*sharedcomponent.Component[*instance]
}

func (t *tracesSide) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return t.Unwrap().asm.ConsumeTraces(ctx, td)
}

// Capabilities: the stage takes the spans it holds (moves them) and strips
// and marks them, so a pipeline that shares its data hands it a copy.
func (t *tracesSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

type logsSide struct {
	*sharedcomponent.Component[*instance]
}

func (l *logsSide) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	return l.Unwrap().asm.ConsumeLogs(ctx, ld)
}

func (l *logsSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}
