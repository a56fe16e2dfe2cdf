package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"context"
	"errors"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/precogx/precogxexporter/internal/genai"
	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// precogxExporter maps what the sending queue hands it (whole traces, log
// events joined) to interactions and delivers them with the API client.
type precogxExporter struct {
	cfg       *Config
	settings  component.TelemetrySettings
	logger    *zap.Logger
	mapper    *genai.Mapper
	telemetry *metadata.TelemetryBuilder
	client    *precogxapi.Client
	enc       encoder
}

func newExporter(cfg *Config, set exporter.Settings) (*precogxExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	api := precogxapi.Settings{
		Endpoint:        cfg.Endpoint,
		APIKey:          string(cfg.APIKey),
		Bearer:          cfg.AuthHeader == AuthHeaderBearer,
		MaxBatch:        cfg.MaxBatchInteractions,
		MaxRequestBytes: cfg.MaxRequestBytes,
		RetryAfterCap:   precogxapi.RetryAfterCap(cfg.RetryConfig),
		Timeout:         cfg.Timeout,
		Secrets:         secretsOf(cfg),
	}
	if cfg.Platform != PlatformGeneric {
		api.Integration = string(cfg.Platform)
	}
	if rl := cfg.RateLimit; rl.RequestsPerMinute > 0 {
		api.Limiter = rate.NewLimiter(rate.Limit(float64(rl.RequestsPerMinute)/60), rl.limiterBurst())
	}
	m, err := newMapper(cfg)
	if err != nil {
		return nil, err
	}
	return &precogxExporter{
		cfg:       cfg,
		settings:  set.TelemetrySettings,
		logger:    set.Logger,
		mapper:    m,
		telemetry: tb,
		client:    precogxapi.New(api, tb, set.Logger),
	}, nil
}

// defaultDeflateLevel is the gzip, zlib and deflate level when
// compression_params.level is not set: BestSpeed compresses interactions to
// 3.8x at a seventh of the CPU of level 6's 4.7x (BenchmarkCompression).
const defaultDeflateLevel = 1

func (e *precogxExporter) start(ctx context.Context, host component.Host) error {
	cc := e.cfg.ClientConfig
	switch cc.Compression {
	case configcompression.TypeGzip, configcompression.TypeZlib, configcompression.TypeDeflate:
		if cc.CompressionParams.Level == 0 {
			cc.CompressionParams.Level = defaultDeflateLevel
		}
	}
	hc, err := cc.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return err
	}
	e.client.Start(hc, host)
	return nil
}

// beginShutdown ends rate-limit waits at once and every request after
// timeout + precogxapi.DrainGrace.
func (e *precogxExporter) beginShutdown() { e.client.BeginShutdown() }

func (e *precogxExporter) shutdown(context.Context) error {
	e.client.Close()
	e.telemetry.Shutdown()
	return nil
}

// secretsOf lists what the exporter sends that must never come back in a
// log: the key and the configured header values long enough to be secrets.
func secretsOf(cfg *Config) []string {
	var sc []string
	if k := string(cfg.APIKey); k != "" {
		sc = append(sc, k)
	}
	for _, v := range cfg.Headers.Iter {
		if len(v) >= 8 {
			sc = append(sc, string(v))
		}
	}
	return sc
}

func (e *precogxExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	ixs := e.mapAndCount(ctx, td)
	if len(ixs) == 0 {
		return nil
	}
	outcomes, err := e.deliver(ctx, ixs)
	if err == nil || consumererror.IsPermanent(err) {
		return err
	}
	// the retry unit is the turn: only the spans of turns not delivered
	retry := make([]bool, td.SpanCount())
	for i, o := range outcomes {
		if o == precogxapi.Pending || o == precogxapi.Retry {
			for _, s := range ixs[i].Spans {
				retry[s] = true
			}
		}
	}
	return consumererror.NewTraces(err, pdatautil.SpansAt(td, retry))
}

// deliver encodes and sends the interactions a window of whole requests at
// a time, as Deliver would send them all: the encoding buffer is the size
// of a window, reused, not of the push (with batches of 8,192 spans at
// saturation that was a buffer of megabytes per push, which the GC freed and
// the next push had zeroed again: a tenth of the collector's CPU). The
// first window that must be retried leaves the rest untried (Pending).
func (e *precogxExporter) deliver(ctx context.Context, ixs []genai.Interaction) ([]precogxapi.Outcome, error) {
	window := len(ixs)
	if n := e.cfg.MaxBatchInteractions; n > 0 {
		window = max(deliverWindow/n, 1) * n
	}
	outcomes := make([]precogxapi.Outcome, 0, len(ixs))
	var dropped []error
	for start := 0; start < len(ixs); start += window {
		encoded, done := e.enc.encode(ixs[start:min(start+window, len(ixs))])
		out, err := e.client.Deliver(ctx, encoded)
		done()
		outcomes = append(outcomes, out...)
		switch {
		case err == nil:
		case consumererror.IsPermanent(err):
			dropped = append(dropped, errors.Unwrap(err))
		default:
			return outcomes[:len(ixs)], errors.Join(append(dropped, err)...)
		}
	}
	if len(dropped) > 0 {
		return outcomes, consumererror.NewPermanent(errors.Join(dropped...))
	}
	return outcomes, nil
}

// deliverWindow is about how many interactions deliver encodes at a time.
const deliverWindow = 512

// encoder writes the interactions of a push as JSON into one buffer, sized
// up front and reused by later pushes: encoding each into its own growing
// slice was an eighth of the exporter's CPU under load.
type encoder struct {
	buffers sync.Pool // *[]byte
}

// maxPooledBuffer keeps one huge push from pinning its buffer.
const maxPooledBuffer = 8 << 20

// encode returns each interaction's JSON; done gives the buffer back once
// the bytes are no longer used.
func (en *encoder) encode(ixs []genai.Interaction) (encoded [][]byte, done func()) {
	size := 0
	for i := range ixs {
		size += precogxapi.EncodedSize(&ixs[i].Interaction)
	}
	bp, _ := en.buffers.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := slices.Grow((*bp)[:0], size)
	encoded = make([][]byte, len(ixs))
	for i := range ixs {
		start := len(buf)
		buf = precogxapi.AppendInteraction(buf, &ixs[i].Interaction)
		encoded[i] = buf[start:len(buf):len(buf)]
	}
	return encoded, func() {
		if cap(buf) <= maxPooledBuffer {
			*bp = buf[:0]
			en.buffers.Put(bp)
		}
	}
}
