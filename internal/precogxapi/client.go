// Package precogxapi is the PrecogX API client of the exporter: it sends
// encoded interactions, in batches or one per request, honours the API's
// answers (status table, Retry-After, auth failures, bisection of rejected
// batches) and keeps the key and the server's text where they belong.
package precogxapi // import "github.com/precogx/precogxexporter/internal/precogxapi"

import (
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
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/precogx/precogxexporter/internal/metadata"
)

// Settings are what the client needs of the exporter's configuration.
type Settings struct {
	// Endpoint is the API base URL; the paths are appended.
	Endpoint string
	APIKey   string
	// Bearer sends the key as Authorization: Bearer, else as x-api-key.
	Bearer bool
	// Integration is the platform route (/integrations/<name>/telemetry, one
	// interaction per request); "" is the batch API.
	Integration string
	// MaxBatch and MaxRequestBytes bound a batch request.
	MaxBatch        int
	MaxRequestBytes int
	// RetryAfterCap bounds an honoured Retry-After (RetryAfterCap()).
	RetryAfterCap time.Duration
	// Timeout is the request timeout; shutdown waits at most Timeout +
	// DrainGrace for requests still running.
	Timeout time.Duration
	// Limiter is the client-side rate limit shared by every request; nil is none.
	Limiter *rate.Limiter
	// Secrets are removed from any server text kept (the key, header values).
	Secrets []string
}

// Client sends interactions to the PrecogX API. It is safe for concurrent
// use by all queue consumers.
type Client struct {
	set    Settings
	base   string
	scrub  scrubber
	tel    *metadata.TelemetryBuilder
	logger *zap.Logger
	http   *http.Client
	host   component.Host

	// stopping is closed when shutdown begins: rate-limit waits end. life is
	// cancelled Timeout+DrainGrace later: requests still running end, so
	// shutdown is bounded whatever the server does.
	stopping chan struct{}
	stopOnce sync.Once
	life     context.Context
	endLife  context.CancelFunc

	authMu      sync.Mutex
	authLogged  time.Time
	authFailing bool
}

// New returns a client; Start gives it its HTTP client.
func New(set Settings, tel *metadata.TelemetryBuilder, logger *zap.Logger) *Client {
	c := &Client{set: set, base: strings.TrimRight(set.Endpoint, "/"), scrub: scrubber(set.Secrets),
		tel: tel, logger: logger, stopping: make(chan struct{})}
	c.life, c.endLife = context.WithCancel(context.Background())
	return c
}

// Start takes the HTTP client (confighttp's) and the host that receives
// component status. Redirects are never followed: the key and every prompt
// would go to a URL the server chose; the 3xx answer itself is the outcome.
func (c *Client) Start(hc *http.Client, host component.Host) {
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http, c.host = hc, host
	if strings.HasPrefix(strings.ToLower(c.set.Endpoint), "http://") && !IsLoopbackURL(c.set.Endpoint) {
		c.logger.Warn("endpoint uses plain http:// to a host that is not this machine: the API key and every prompt cross the network unencrypted; use https://",
			zap.String("host", redirectTarget(c.set.Endpoint)))
	}
}

// DrainGrace is how long past the request timeout a shutdown waits for
// requests still running.
const DrainGrace = 4 * time.Second

// BeginShutdown ends rate-limit waits at once and every request after
// Timeout+DrainGrace; what is left unsent stays in a persistent queue.
func (c *Client) BeginShutdown() {
	c.stopOnce.Do(func() {
		close(c.stopping)
		time.AfterFunc(c.set.Timeout+DrainGrace, c.endLife)
	})
}

// Close ends every request and the idle connections.
func (c *Client) Close() {
	c.BeginShutdown()
	c.endLife()
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
}

// send posts one request and maps the answer: nil, a retryable error
// (throttled when Retry-After says so) or a permanent one.
func (c *Client) send(ctx context.Context, path string, body *requestBody) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.life, cancel)()
	if err := c.waitRateLimit(ctx); err != nil {
		return fmt.Errorf("precogx: POST %s: waiting for the rate limit: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, nil)
	if err != nil {
		return consumererror.NewPermanent(fmt.Errorf("precogx: building request for %s: %w", path, err))
	}
	body.attach(req)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "otelcol-precogx")
	if key := c.set.APIKey; key != "" {
		if c.set.Bearer {
			req.Header.Set("Authorization", "Bearer "+key)
		} else {
			req.Header.Set("x-api-key", key)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.countRequest(ctx, 0)
		// network errors and timeouts are retried; the URL holds no secret
		return fmt.Errorf("precogx: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	c.countRequest(ctx, resp.StatusCode)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		c.authRecovered()
		return nil
	}
	herr := responseError(path, resp, c.scrub)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		if d := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now(), c.set.RetryAfterCap); d > 0 {
			c.tel.PrecogxThrottleWaits.Add(ctx, 1, metric.WithAttributes(attribute.String("source", "retry_after")))
			return exporterhelper.NewThrottleRetry(herr, d)
		}
		return herr
	}
	return consumererror.NewPermanent(herr)
}

// waitRateLimit applies the client-side limit to every HTTP request.
func (c *Client) waitRateLimit(ctx context.Context) error {
	if c.set.Limiter == nil {
		return nil
	}
	r := c.set.Limiter.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	c.tel.PrecogxThrottleWaits.Add(ctx, 1, metric.WithAttributes(attribute.String("source", "rate_limit")))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-c.stopping:
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
func (c *Client) authFailure(err error) bool {
	h, ok := errors.AsType[*httpError](err)
	if !ok || (h.Status != http.StatusUnauthorized && h.Status != http.StatusForbidden) {
		return false
	}
	c.authMu.Lock()
	defer c.authMu.Unlock()
	now := time.Now()
	if now.Sub(c.authLogged) >= authLogInterval {
		c.authLogged = now
		hint := "check api_key (PRECOGX_API_KEY) and auth_header"
		if h.Status == http.StatusForbidden {
			hint = "the key is not allowed to send telemetry (revoked, or lacks the permission); check it in PrecogX"
		}
		c.logger.Error("PrecogX refused the API key; interactions are dropped until it is fixed (logged at most once a minute)",
			zap.Int("status", h.Status), zap.String("code", h.Code), zap.String("message", h.Message), zap.String("hint", hint))
	}
	if !c.authFailing && c.host != nil {
		componentstatus.ReportStatus(c.host, componentstatus.NewRecoverableErrorEvent(err))
	}
	c.authFailing = true
	return true
}

// authRecovered reports the component healthy again after an auth failure.
func (c *Client) authRecovered() {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if c.authFailing && c.host != nil {
		componentstatus.ReportStatus(c.host, componentstatus.NewEvent(componentstatus.StatusOK))
	}
	c.authFailing = false
}

const authLogInterval = time.Minute

func (c *Client) countRequest(ctx context.Context, status int) {
	c.tel.PrecogxRequests.Add(ctx, 1, metric.WithAttributes(attribute.Int("status_code", status)))
}
