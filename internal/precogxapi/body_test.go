package precogxapi

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
)

func TestRequestBodyGoesBackWhenEveryReaderIsClosed(t *testing.T) {
	b := newRequestBody(16)
	*b.buf = append(*b.buf, `{"a":1}`...)
	puts := 0
	b.put = func(*[]byte) { puts++ }
	first := b.reader()
	retry := b.reader() // GetBody, for a retry on a fresh connection
	b.release()         // the sender is done
	assert.Zero(t, puts)
	require.NoError(t, first.Close())
	require.NoError(t, first.Close(), "closing twice releases once")
	assert.Zero(t, puts, "a reader is still open")
	data, err := io.ReadAll(retry)
	require.NoError(t, err)
	assert.Equal(t, `{"a":1}`, string(data))
	require.NoError(t, retry.Close())
	assert.Equal(t, 1, puts)
}

// lateReader answers at once and reads each body later, as a transport may
// (http.RoundTripper: the body may be read after RoundTrip returns).
type lateReader struct {
	wg     sync.WaitGroup
	mu     sync.Mutex
	bodies []string
}

func (l *lateReader) RoundTrip(req *http.Request) (*http.Response, error) {
	l.wg.Go(func() {
		time.Sleep(20 * time.Millisecond)
		data, _ := io.ReadAll(req.Body)
		_ = req.Body.Close()
		l.mu.Lock()
		l.bodies = append(l.bodies, string(data))
		l.mu.Unlock()
	})
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

// A body read after the request returned is still the request's own, while
// later requests reuse pooled buffers.
func TestBodyReadAfterRoundTripIsIntact(t *testing.T) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	c := New(Settings{Endpoint: "http://127.0.0.1:1/api/v1", APIKey: testKey, MaxBatch: 2, MaxRequestBytes: 4 << 20}, tb, zap.NewNop())
	lr := &lateReader{}
	c.Start(&http.Client{Transport: lr}, componenttest.NewNopHost())
	var want []string
	for n := range 20 {
		encoded := [][]byte{
			[]byte(fmt.Sprintf(`{"n":%d,"part":"%s"}`, n, strings.Repeat("a", n))),
			[]byte(fmt.Sprintf(`{"n":%d,"part":"%s"}`, n, strings.Repeat("b", 20-n))),
			[]byte(fmt.Sprintf(`{"n":%d,"alone":true}`, n)),
		}
		want = append(want, `{"interactions":[`+string(encoded[0])+","+string(encoded[1])+`]}`, string(encoded[2]))
		_, err := c.Deliver(context.Background(), encoded)
		require.NoError(t, err)
	}
	lr.wg.Wait()
	assert.ElementsMatch(t, want, lr.bodies)
}

// TestAppendTimestampMatchesLayout holds the digit-by-digit writer to
// AppendFormat over the whole range of the field (uint64 nanos, read as
// int64 like time.Unix does) and at the edges of days, months and years.
func TestAppendTimestampMatchesLayout(t *testing.T) {
	stamps := []uint64{0, 1, 999_999, 1_000_000, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64,
		uint64(time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.UTC).UnixNano()),
		uint64(time.Date(2026, 12, 31, 23, 59, 59, 1_000_000, time.UTC).UnixNano()),
		uint64(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		stamps = append(stamps, rng.Uint64(), uint64(1_700_000_000_000_000_000+rng.Int64N(1e18)))
	}
	for _, ns := range stamps {
		want := time.Unix(0, int64(ns)).UTC().AppendFormat(nil, timestampLayout)
		require.Equal(t, string(want), string(appendTimestamp(nil, ns)), "%d", ns)
	}
}
