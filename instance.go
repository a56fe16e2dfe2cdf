package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/precogx/precogxexporter/internal/assembly"
)

// instance is one precogx exporter configuration at work, shared by its
// traces and logs pipelines: the assembly stage in front of exporterhelper's
// queue and retry, which hand whole traces to the exporter proper.
type instance struct {
	exp   *precogxExporter
	queue exporter.Traces
	asm   *assembly.Assembler
}

func newInstance(ctx context.Context, set exporter.Settings, cfg *Config) (*instance, error) {
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
	asm := assembly.New(assembly.Config{Wait: cfg.Assembly.Wait, MaxTraces: cfg.Assembly.MaxTraces,
		Limit: assembly.LimitOf(cfg.QueueConfig), Hints: assemblyHints()}, queue.ConsumeTraces, e.telemetry, set.Logger)
	return &instance{exp: e, queue: queue, asm: asm}, nil
}

func (in *instance) Start(ctx context.Context, host component.Host) error {
	if err := in.queue.Start(ctx, host); err != nil {
		return err
	}
	in.asm.Start()
	return nil
}

// Shutdown hands what assembly still holds to the queue, then drains the
// queue (or leaves it persisted) with rate-limit waits ended.
func (in *instance) Shutdown(ctx context.Context) error {
	in.asm.Shutdown(ctx)
	in.exp.beginShutdown()
	return in.queue.Shutdown(ctx)
}
