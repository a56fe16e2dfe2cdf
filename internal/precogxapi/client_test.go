package precogxapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/precogx/precogxexporter/internal/metadata"
)

const testKey = "test-secret-key-42"

// testClient is a started client against url with an HTTP client whose own
// timeout is an hour.
func testClient(t *testing.T, url string, set Settings) *Client {
	t.Helper()
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	set.Endpoint, set.APIKey = url, testKey
	set.MaxBatch, set.MaxRequestBytes = 100, 4<<20
	c := New(set, tb, zap.NewNop())
	c.Start(&http.Client{Timeout: time.Hour}, componenttest.NewNopHost())
	t.Cleanup(c.Close)
	return c
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	const limit = 30 * time.Second
	for v, want := range map[string]time.Duration{
		"7":                             7 * time.Second,
		"0":                             0,
		"Sat, 28 Nov 2026 12:00:20 GMT": 20 * time.Second,
		// hostile or odd values count as the cap: never longer, never dropped
		"31":                            limit,
		"999999999":                     limit,
		"99999999999999999999999999":    limit,
		"-5":                            limit,
		"Sat, 28 Nov 2026 12:01:30 GMT": limit,
		"Thu, 01 Jan 2058 00:00:00 GMT": limit,
		"Sat, 28 Nov 2026 11:00:00 GMT": limit,
		// absent or unreadable: the normal backoff
		"soon": 0,
		"":     0,
		"1.5":  0,
	} {
		assert.Equal(t, want, parseRetryAfter(v, now, limit), "Retry-After: %q", v)
	}
}

func TestRetryAfterCap(t *testing.T) {
	rc := configretry.NewDefaultBackOffConfig() // max_interval 30s, max_elapsed_time 5m
	assert.Equal(t, 30*time.Second, RetryAfterCap(rc))
	rc.MaxInterval = 0
	rc.MaxElapsedTime = 0
	assert.Equal(t, 30*time.Second, RetryAfterCap(rc), "30 s when max_interval is 0")
	rc.MaxInterval = time.Minute
	rc.MaxElapsedTime = 20 * time.Second
	assert.Equal(t, 10*time.Second, RetryAfterCap(rc), "half of max_elapsed_time: retried at least once")
}

func TestReasonOf(t *testing.T) {
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", reasonOf(&httpError{Status: 429, Code: "RATE_LIMIT_EXCEEDED"}))
	assert.Equal(t, "429", reasonOf(&httpError{Status: 429, Code: "SLOW_DOWN"}))
	assert.Equal(t, "0", reasonOf(context.DeadlineExceeded), "no answer")
	assert.Equal(t, "404", reasonOf(consumererror.NewPermanent(&httpError{Status: 404})))
}

func TestScrubberRemovesSecrets(t *testing.T) {
	sc := scrubber{testKey, "tenant-token-value"}
	assert.Equal(t, "k=[REDACTED] t=[REDACTED] s=acme", sc.clean("k="+testKey+" t=tenant-token-value s=acme"))
	assert.Len(t, sc.clean(strings.Repeat("é", 1000)), 256, "cut on a rune boundary")
}

func TestLoopbackURL(t *testing.T) {
	for u, want := range map[string]bool{
		"http://localhost:8088/api/v1":  true,
		"http://LOCALHOST/api":          true,
		"http://127.0.0.1:8088":         true,
		"http://127.9.9.9":              true,
		"http://[::1]:80/x":             true,
		"http://[::ffff:127.0.0.1]:80":  true,
		"http://10.0.0.5:8088":          false,
		"http://api.precogx.ai/api/v1":  false,
		"http://localhost.example.com/": false,
		"http://127.0.0.1.nip.io/":      false,
		"https://api.precogx.ai/api/v1": false,
		"http://[fe80::1]/":             false,
	} {
		assert.Equal(t, want, IsLoopbackURL(u), u)
	}
}

// SECURITY.md, nothing hangs: requests still running end Timeout+DrainGrace after shutdown began.
func TestShutdownBoundsRunningRequests(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer func() { close(release); hs.Close() }()
	c := testClient(t, hs.URL, Settings{Timeout: 100 * time.Millisecond}) // the HTTP client's own timeout is an hour
	done := make(chan error, 1)
	go func() { _, err := c.Deliver(context.Background(), [][]byte{[]byte(`{}`)}); done <- err }()
	time.Sleep(200 * time.Millisecond)
	c.BeginShutdown()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.False(t, consumererror.IsPermanent(err), "kept for a retry (a persistent queue keeps it)")
	case <-time.After(DrainGrace + 3*time.Second):
		t.Fatal("a running request held the shutdown")
	}
}

// A request that has to wait for the client-side limit counts one throttle
// wait; a cancelled wait gives its reservation back.
func TestRateLimitWaits(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(tel.NewTelemetrySettings())
	require.NoError(t, err)
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c := New(Settings{Limiter: lim}, tb, zap.NewNop())
	require.NoError(t, c.waitRateLimit(context.Background()), "the burst")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, c.waitRateLimit(ctx), context.DeadlineExceeded, "an hour to the next token")
	m, err := tel.GetMetric("otelcol_precogx_throttle_waits")
	require.NoError(t, err)
	assert.Equal(t, int64(1), m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
	assert.InDelta(t, 0, lim.Tokens(), 0.01, "the cancelled reservation was given back")
}
