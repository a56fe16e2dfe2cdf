package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/pdatautil"
)

type precogxExporter struct {
	cfg       *Config
	settings  component.TelemetrySettings
	logger    *zap.Logger
	mapper    *mapper
	telemetry *metadata.TelemetryBuilder
	client    *http.Client
	baseURL   string
	limiter   *rate.Limiter // nil: no client-side limit
	host      component.Host
	scrub     scrubber
	retryCap  time.Duration

	// stopping is closed when shutdown begins: rate-limit waits end. life is
	// cancelled timeout+drainGrace later: requests still running end, so
	// shutdown is bounded whatever the server does.
	stopping chan struct{}
	stopOnce sync.Once
	life     context.Context
	endLife  context.CancelFunc

	authMu      sync.Mutex
	authLogged  time.Time
	authFailing bool
}

func newExporter(cfg *Config, set exporter.Settings) (*precogxExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &precogxExporter{
		cfg:       cfg,
		settings:  set.TelemetrySettings,
		logger:    set.Logger,
		mapper:    newMapper(cfg.Mapping, cfg.Platform),
		telemetry: tb,
		baseURL:   strings.TrimRight(cfg.Endpoint, "/"),
		scrub:     secretsOf(cfg),
		retryCap:  retryAfterCap(cfg.RetryConfig),
		stopping:  make(chan struct{}),
	}
	e.life, e.endLife = context.WithCancel(context.Background())
	if rl := cfg.RateLimit; rl.RequestsPerMinute > 0 {
		e.limiter = rate.NewLimiter(rate.Limit(float64(rl.RequestsPerMinute)/60), rl.limiterBurst())
	}
	return e, nil
}

func (e *precogxExporter) start(ctx context.Context, host component.Host) error {
	client, err := e.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return err
	}
	// Never follow a redirect: the key and every prompt would go to a URL
	// the server chose. The 3xx answer itself is the (permanent) outcome.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e.client = client
	e.host = host
	if strings.HasPrefix(strings.ToLower(e.cfg.Endpoint), "http://") && !isLoopbackURL(e.cfg.Endpoint) {
		e.logger.Warn("endpoint uses plain http:// to a host that is not this machine: the API key and every prompt cross the network unencrypted; use https://",
			zap.String("host", redirectTarget(e.cfg.Endpoint)))
	}
	return nil
}

// drainGrace is how long past the request timeout a shutdown waits for
// requests still running.
const drainGrace = 4 * time.Second

// beginShutdown ends rate-limit waits at once and every request after
// timeout+drainGrace; what is left unsent stays in a persistent queue.
func (e *precogxExporter) beginShutdown() {
	e.stopOnce.Do(func() {
		close(e.stopping)
		time.AfterFunc(e.cfg.Timeout+drainGrace, e.endLife)
	})
}

func (e *precogxExporter) shutdown(context.Context) error {
	e.beginShutdown()
	e.endLife()
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	e.telemetry.Shutdown()
	return nil
}

// secretsOf lists what the exporter sends that must never come back in a
// log: the key and the configured header values long enough to be secrets.
func secretsOf(cfg *Config) scrubber {
	var sc scrubber
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

// Outcomes of one interaction in a push.
type outcome uint8

const (
	pending outcome = iota
	delivered
	dropped
	retry
)

// push is the delivery of one batch of interactions.
type push struct {
	encoded  [][]byte
	outcomes []outcome
	dropErrs []error
}

// deliver sends the interactions and returns the trace IDs of those that
// must be retried along with the error. A permanent error means nothing is
// left to retry: what PrecogX rejected was dropped, logged and counted.
func (e *precogxExporter) deliver(ctx context.Context, ixs []interaction) (map[pcommon.TraceID]struct{}, error) {
	if len(ixs) == 0 {
		return nil, nil
	}
	p := &push{encoded: make([][]byte, len(ixs)), outcomes: make([]outcome, len(ixs))}
	for i := range ixs {
		p.encoded[i] = appendInteraction(nil, &ixs[i])
	}
	var retryErr error
	for _, items := range e.plan(p.encoded) {
		if retryErr = e.sendItems(ctx, p, items); retryErr != nil {
			break // the rest goes back to the queue untried
		}
	}
	if retryErr != nil {
		failed := map[pcommon.TraceID]struct{}{}
		for i, o := range p.outcomes {
			if o == pending || o == retry {
				failed[ixs[i].traceID] = struct{}{}
			}
		}
		e.telemetry.PrecogxRetries.Add(ctx, 1)
		return failed, errors.Join(append(p.dropErrs, retryErr)...)
	}
	if len(p.dropErrs) > 0 {
		return nil, consumererror.NewPermanent(errors.Join(p.dropErrs...))
	}
	return nil, nil
}

// sendItems sends one request; when PrecogX rejects a batch as invalid
// (400) or too large (413), it splits the batch until the rejected
// interactions are isolated, and delivers the rest.
func (e *precogxExporter) sendItems(ctx context.Context, p *push, items []int) error {
	err := e.send(ctx, p, items)
	if err == nil {
		for _, i := range items {
			p.outcomes[i] = delivered
		}
		e.telemetry.PrecogxInteractionsSent.Add(ctx, int64(len(items)))
		return nil
	}
	if !consumererror.IsPermanent(err) {
		for _, i := range items {
			p.outcomes[i] = retry
		}
		return err
	}
	if h, ok := errors.AsType[*httpError](err); ok && len(items) > 1 &&
		(h.Status == http.StatusBadRequest || h.Status == http.StatusRequestEntityTooLarge) {
		mid := len(items) / 2
		if err := e.sendItems(ctx, p, items[:mid]); err != nil {
			return err
		}
		return e.sendItems(ctx, p, items[mid:])
	}
	for _, i := range items {
		p.outcomes[i] = dropped
	}
	e.telemetry.PrecogxInteractionsFailed.Add(ctx, int64(len(items)), metric.WithAttributes(attribute.String("reason", reasonOf(err))))
	if !e.authFailure(err) {
		e.logger.Error("PrecogX rejected interactions; dropping them", zap.Int("interactions", len(items)), zap.Error(err))
	}
	if h, ok := errors.AsType[*httpError](err); ok {
		err = h // wrapped once, by deliver
	}
	p.dropErrs = append(p.dropErrs, err)
	return nil
}

// plan groups interactions into requests within the configured limits.
func (e *precogxExporter) plan(encoded [][]byte) [][]int {
	if e.cfg.Platform != PlatformGeneric {
		reqs := make([][]int, len(encoded))
		for i := range encoded {
			reqs[i] = []int{i}
		}
		return reqs
	}
	var reqs [][]int
	var cur []int
	size := batchOverhead
	for i, b := range encoded {
		if len(cur) > 0 && (len(cur) >= e.cfg.MaxBatchInteractions || size+len(b)+1 > e.cfg.MaxRequestBytes) {
			reqs = append(reqs, cur)
			cur, size = nil, batchOverhead
		}
		cur = append(cur, i)
		size += len(b) + 1
	}
	return append(reqs, cur)
}

const batchOverhead = len(`{"interactions":[]}`)

// body returns the path and body of a request for items.
func (e *precogxExporter) body(p *push, items []int) (string, []byte) {
	if e.cfg.Platform != PlatformGeneric {
		return "/integrations/" + e.cfg.Platform + "/telemetry", p.encoded[items[0]]
	}
	if len(items) == 1 {
		return "/telemetry/ingest", p.encoded[items[0]]
	}
	size := batchOverhead
	for _, i := range items {
		size += len(p.encoded[i]) + 1
	}
	body := make([]byte, 0, size)
	body = append(body, `{"interactions":[`...)
	for n, i := range items {
		if n > 0 {
			body = append(body, ',')
		}
		body = append(body, p.encoded[i]...)
	}
	return "/telemetry/batch", append(body, ']', '}')
}

func (e *precogxExporter) send(ctx context.Context, p *push, items []int) error {
	path, body := e.body(p, items)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.life, cancel)()
	if err := e.waitRateLimit(ctx); err != nil {
		return fmt.Errorf("precogx: POST %s: waiting for the rate limit: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return consumererror.NewPermanent(fmt.Errorf("precogx: building request for %s: %w", path, err))
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
		return fmt.Errorf("precogx: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	e.countRequest(ctx, resp.StatusCode)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		e.authRecovered()
		return nil
	}
	herr := responseError(path, resp, e.scrub)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now(), e.retryCap); d > 0 {
			e.telemetry.PrecogxThrottleWaits.Add(ctx, 1, metric.WithAttributes(attribute.String("source", "retry_after")))
			return exporterhelper.NewThrottleRetry(herr, d)
		}
		return herr
	}
	return consumererror.NewPermanent(herr)
}

// waitRateLimit applies rate_limit to every HTTP request, shared by all queue consumers.
func (e *precogxExporter) waitRateLimit(ctx context.Context) error {
	if e.limiter == nil {
		return nil
	}
	r := e.limiter.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	e.telemetry.PrecogxThrottleWaits.Add(ctx, 1, metric.WithAttributes(attribute.String("source", "rate_limit")))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-e.stopping:
		// shutting down: send now rather than hold the shutdown; the
		// server's 429, if any, leaves the batch in a persistent queue
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// authFailure handles 401 and 403: logged at most once a minute with a hint,
// and reported through component status so health checks show it.
func (e *precogxExporter) authFailure(err error) bool {
	h, ok := errors.AsType[*httpError](err)
	if !ok || (h.Status != http.StatusUnauthorized && h.Status != http.StatusForbidden) {
		return false
	}
	e.authMu.Lock()
	defer e.authMu.Unlock()
	now := time.Now()
	if now.Sub(e.authLogged) >= authLogInterval {
		e.authLogged = now
		hint := "check api_key (PRECOGX_API_KEY) and auth_header"
		if h.Status == http.StatusForbidden {
			hint = "the key is not allowed to send telemetry (revoked, or lacks the permission); check it in PrecogX"
		}
		e.logger.Error("PrecogX refused the API key; interactions are dropped until it is fixed (logged at most once a minute)",
			zap.Int("status", h.Status), zap.String("code", h.Code), zap.String("message", h.Message), zap.String("hint", hint))
	}
	if !e.authFailing && e.host != nil {
		componentstatus.ReportStatus(e.host, componentstatus.NewRecoverableErrorEvent(err))
	}
	e.authFailing = true
	return true
}

// authRecovered reports the component healthy again after an auth failure.
func (e *precogxExporter) authRecovered() {
	e.authMu.Lock()
	defer e.authMu.Unlock()
	if e.authFailing && e.host != nil {
		componentstatus.ReportStatus(e.host, componentstatus.NewEvent(componentstatus.StatusOK))
	}
	e.authFailing = false
}

const authLogInterval = time.Minute

func (e *precogxExporter) countRequest(ctx context.Context, status int) {
	e.telemetry.PrecogxRequests.Add(ctx, 1, metric.WithAttributes(attribute.Int("status_code", status)))
}

func filterTraces(td ptrace.Traces, keep map[pcommon.TraceID]struct{}) ptrace.Traces {
	return pdatautil.SpansWhere(td, func(s ptrace.Span) bool {
		_, ok := keep[s.TraceID()]
		return ok
	})
}
