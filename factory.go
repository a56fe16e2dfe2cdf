package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"context"
	"sync"
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

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/metadata"
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
	s, err := getShared(ctx, set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return &tracesFront{front{s}}, nil
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	s, err := getShared(ctx, set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return &logsFront{front{s}}, nil
}

// shared is one exporter instance per configuration, used by the traces and
// the logs pipelines alike (as the otlp receiver shares its server): the
// assembly stage must see both to join log events with their spans.
var shared = struct {
	sync.Mutex
	m map[*Config]*sharedExporter
}{m: map[*Config]*sharedExporter{}}

// sharedExporter is assembly in front of the exporterhelper queue, retry and
// the HTTP delivery.
type sharedExporter struct {
	cfg     *Config
	exp     *precogxExporter
	queue   exporter.Traces
	asm     *assembly.Assembler
	mu      sync.Mutex
	started int
	stopped bool
}

func getShared(ctx context.Context, set exporter.Settings, cfg *Config) (*sharedExporter, error) {
	shared.Lock()
	defer shared.Unlock()
	if s, ok := shared.m[cfg]; ok {
		return s, nil
	}
	e, err := newExporter(cfg, set)
	if err != nil {
		return nil, err
	}
	queue, err := exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		// The HTTP client owns the timeout (confighttp `timeout`), as in otlphttp.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	)
	if err != nil {
		return nil, err
	}
	s := &sharedExporter{cfg: cfg, exp: e, queue: queue}
	s.asm = assembly.New(assembly.Config{Wait: cfg.Assembly.Wait, MaxTraces: cfg.Assembly.MaxTraces,
		Limit: assembly.LimitOf(cfg.QueueConfig), Hints: assemblyHints}, queue.ConsumeTraces, e.telemetry, set.Logger)
	shared.m[cfg] = s
	return s, nil
}

func (s *sharedExporter) start(ctx context.Context, host component.Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started++
	if s.started > 1 {
		return nil
	}
	if err := s.queue.Start(ctx, host); err != nil {
		return err
	}
	s.asm.Start()
	return nil
}

// shutdown stops the instance when its last pipeline stops: what assembly
// still holds goes into the queue first, then the queue drains or persists.
func (s *sharedExporter) shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		// the collector shuts every component down, also after a failed start
		return nil
	}
	if s.started > 1 {
		s.started--
		return nil
	}
	s.started, s.stopped = 0, true
	shared.Lock()
	delete(shared.m, s.cfg)
	shared.Unlock()
	s.asm.Shutdown(ctx)
	s.exp.beginShutdown()
	return s.queue.Shutdown(ctx)
}

// front is what a pipeline sees of the shared instance.
type front struct{ s *sharedExporter }

func (f front) Start(ctx context.Context, host component.Host) error { return f.s.start(ctx, host) }
func (f front) Shutdown(ctx context.Context) error                   { return f.s.shutdown(ctx) }
func (f front) Capabilities() consumer.Capabilities                  { return consumer.Capabilities{} }

type tracesFront struct{ front }

func (f *tracesFront) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return f.s.asm.ConsumeTraces(ctx, td)
}

type logsFront struct{ front }

func (f *logsFront) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	return f.s.asm.ConsumeLogs(ctx, ld)
}
