package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
)

const maxErrorBody = 64 << 10

type precogxExporter struct {
	cfg       *Config
	settings  component.TelemetrySettings
	logger    *zap.Logger
	mapper    *mapper
	telemetry *metadata.TelemetryBuilder
	client    *http.Client
	baseURL   string
}

func newExporter(cfg *Config, set exporter.Settings) (*precogxExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &precogxExporter{
		cfg:       cfg,
		settings:  set.TelemetrySettings,
		logger:    set.Logger,
		mapper:    newMapper(cfg.Mapping, cfg.Platform),
		telemetry: tb,
		baseURL:   strings.TrimRight(cfg.Endpoint, "/"),
	}, nil
}

func (e *precogxExporter) start(ctx context.Context, host component.Host) error {
	client, err := e.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return err
	}
	e.client = client
	return nil
}

func (e *precogxExporter) shutdown(context.Context) error {
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	e.telemetry.Shutdown()
	return nil
}

func (e *precogxExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	ixs := e.mapAndCount(ctx, td)
	failed, err := e.deliver(ctx, ixs)
	if err == nil || consumererror.IsPermanent(err) {
		return err
	}
	return consumererror.NewTraces(err, filterTraces(td, failed))
}

func (e *precogxExporter) mapAndCount(ctx context.Context, td ptrace.Traces) []interaction {
	ixs, st := e.mapper.mapData(td, plog.NewLogs())
	t := e.telemetry
	add := func(c metric.Int64Counter, n int64) {
		if n > 0 {
			c.Add(ctx, n)
		}
	}
	add(t.PrecogxSpansMapped, st.spansMapped)
	add(t.PrecogxSpansSkipped, st.spansSkipped)
	add(t.PrecogxLogRecordsMapped, st.logsMapped)
	add(t.PrecogxInteractionsProduced, st.interactions)
	add(t.PrecogxFieldsTruncated, st.truncated)
	add(t.PrecogxContentRawFallback, st.rawFallback)
	if st.spansSkipped > 0 || st.logsSkipped > 0 {
		e.logger.Debug("skipped telemetry without GenAI data",
			zap.Int64("spans", st.spansSkipped), zap.Int64("log_records", st.logsSkipped))
	}
	return ixs
}

// request is one HTTP request's worth of interactions.
type request struct {
	path  string
	items []int // indexes into the interactions
	body  []byte
}

// deliver sends the interactions and returns the trace IDs of those that
// must be retried along with the error. A permanent error means nothing is
// left to retry.
func (e *precogxExporter) deliver(ctx context.Context, ixs []interaction) (map[pcommon.TraceID]struct{}, error) {
	if len(ixs) == 0 {
		return nil, nil
	}
	encoded := make([][]byte, len(ixs))
	for i := range ixs {
		encoded[i] = appendInteraction(nil, &ixs[i])
	}
	reqs := e.plan(encoded)
	var permErrs []error
	for n, r := range reqs {
		err := e.send(ctx, r)
		if err == nil {
			e.telemetry.PrecogxInteractionsSent.Add(ctx, int64(len(r.items)))
			continue
		}
		if consumererror.IsPermanent(err) {
			e.logger.Error("PrecogX rejected interactions; dropping them", zap.Int("interactions", len(r.items)), zap.Error(err))
			e.telemetry.PrecogxInteractionsFailed.Add(ctx, int64(len(r.items)), metric.WithAttributes(attribute.String("reason", reasonOf(err))))
			permErrs = append(permErrs, err)
			continue
		}
		// Retryable: this request and every one not yet sent go back to the queue.
		failed := map[pcommon.TraceID]struct{}{}
		for _, rest := range reqs[n:] {
			for _, i := range rest.items {
				failed[ixs[i].traceID] = struct{}{}
			}
		}
		return failed, errors.Join(append(permErrs, err)...)
	}
	if len(permErrs) > 0 {
		return nil, consumererror.NewPermanent(errors.Join(permErrs...))
	}
	return nil, nil
}

// plan groups encoded interactions into requests within the configured limits.
func (e *precogxExporter) plan(encoded [][]byte) []request {
	if e.cfg.Platform != PlatformGeneric {
		reqs := make([]request, len(encoded))
		for i, b := range encoded {
			reqs[i] = request{path: "/integrations/" + e.cfg.Platform + "/telemetry", items: []int{i}, body: b}
		}
		return reqs
	}
	const overhead = len(`{"interactions":[]}`)
	var reqs []request
	var cur []int
	size := overhead
	flush := func() {
		if len(cur) == 0 {
			return
		}
		reqs = append(reqs, request{items: cur})
		cur, size = nil, overhead
	}
	for i, b := range encoded {
		if len(cur) > 0 && (len(cur) >= e.cfg.MaxBatchInteractions || size+len(b)+1 > e.cfg.MaxRequestBytes) {
			flush()
		}
		cur = append(cur, i)
		size += len(b) + 1
	}
	flush()
	for k := range reqs {
		r := &reqs[k]
		if len(r.items) == 1 {
			r.path, r.body = "/telemetry/ingest", encoded[r.items[0]]
			continue
		}
		body := []byte(`{"interactions":[`)
		for n, i := range r.items {
			if n > 0 {
				body = append(body, ',')
			}
			body = append(body, encoded[i]...)
		}
		r.path, r.body = "/telemetry/batch", append(body, ']', '}')
	}
	return reqs
}

func (e *precogxExporter) send(ctx context.Context, r request) error {
	url := e.baseURL + r.path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.body))
	if err != nil {
		return consumererror.NewPermanent(fmt.Errorf("precogx: building request for %s: %w", r.path, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "otelcol-precogx")
	if key := string(e.cfg.APIKey); key != "" {
		if e.cfg.AuthHeader == AuthHeaderBearer {
			req.Header.Set("Authorization", "Bearer "+key)
		} else {
			req.Header.Set("x-api-key", key)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.countRequest(ctx, 0)
		// network errors and timeouts are retried; the URL holds no secret
		return fmt.Errorf("precogx: POST %s: %w", r.path, err)
	}
	defer resp.Body.Close()
	e.countRequest(ctx, resp.StatusCode)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	herr := responseError(r.path, resp)
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return exporterhelper.NewThrottleRetry(herr, d)
		}
		return herr
	case http.StatusRequestTimeout:
		return herr
	}
	if resp.StatusCode >= 500 {
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			return exporterhelper.NewThrottleRetry(herr, d)
		}
		return herr
	}
	return consumererror.NewPermanent(herr)
}

func (e *precogxExporter) countRequest(ctx context.Context, status int) {
	e.telemetry.PrecogxRequests.Add(ctx, 1, metric.WithAttributes(attribute.Int("status_code", status)))
}

// httpError is a non-2xx answer of the PrecogX API.
type httpError struct {
	Status  int
	Code    string
	Message string
	Path    string
}

func (h *httpError) Error() string {
	msg := fmt.Sprintf("precogx: POST %s: HTTP %d", h.Path, h.Status)
	if h.Code != "" {
		msg += " " + h.Code
	}
	if h.Message != "" {
		msg += ": " + h.Message
	}
	return msg
}

func responseError(path string, resp *http.Response) error {
	herr := &httpError{Status: resp.StatusCode, Path: path}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &eb) == nil && (eb.Error.Code != "" || eb.Error.Message != "") {
		herr.Code, herr.Message = eb.Error.Code, eb.Error.Message
	} else if len(body) > 0 {
		herr.Message = strings.TrimSpace(truncateUTF8(string(body), 256))
	}
	return herr
}

func reasonOf(err error) string {
	if h, ok := errors.AsType[*httpError](err); ok {
		if h.Code != "" {
			return h.Code
		}
		return strconv.Itoa(h.Status)
	}
	return "error"
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func filterTraces(td ptrace.Traces, keep map[pcommon.TraceID]struct{}) ptrace.Traces {
	out := ptrace.NewTraces()
	td.CopyTo(out)
	out.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(s ptrace.Span) bool {
				_, ok := keep[s.TraceID()]
				return !ok
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
	return out
}
