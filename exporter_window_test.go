package precogxexporter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// A push larger than a window (512 interactions, whole requests) is encoded
// and sent a window at a time, and answers as one Deliver of it all would:
// the first request to retry leaves every later one untried, and drops in
// one window do not stop the next.
func TestDeliveryAcrossWindows(t *testing.T) {
	const turns = 1_200 // 12 requests of 100; windows of 500
	tests := []struct {
		name      string
		status    func(n int) int // the answer to the nth request (from 1)
		requests  int
		delivered int
		retried   int // turns handed back
		permanent bool
	}{
		{"all delivered", func(int) int { return http.StatusOK }, 12, 1_200, 0, false},
		{"the 7th request (second window) must be retried", func(n int) int {
			if n >= 7 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}, 7, 600, 600, false},
		{"the 3rd request (first window) is refused for good", func(n int) int {
			if n == 3 {
				return http.StatusUnauthorized
			}
			return http.StatusOK
		}, 12, 1_100, 0, true},
		{"one refused for good, then a retry in the third window", func(n int) int {
			switch {
			case n == 2:
				return http.StatusUnauthorized
			case n >= 11:
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}, 11, 900, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var n, delivered int
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					Interactions []json.RawMessage `json:"interactions"`
				}
				require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
				mu.Lock()
				n++
				status := tt.status(n)
				if status == http.StatusOK {
					delivered += len(body.Interactions)
				}
				mu.Unlock()
				w.WriteHeader(status)
			}))
			defer hs.Close()
			cfg := testConfig(hs.URL)
			cfg.Compression = ""
			e := startExporter(t, cfg)

			td := ptrace.NewTraces()
			spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
			for i := range turns {
				genaitest.AgentTurn(spans, genaitest.TraceID("win", i), time.Unix(1_800_000_000, 0), "hello", "hi")
			}
			err := e.pushTraces(context.Background(), td)

			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, tt.requests, n, "requests")
			assert.Equal(t, tt.delivered, delivered, "interactions delivered")
			if tt.delivered == turns {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.permanent, consumererror.IsPermanent(err), "permanent: %v", err)
			var te consumererror.Traces
			if tt.retried == 0 {
				assert.False(t, errors.As(err, &te), "nothing to retry")
				return
			}
			require.True(t, errors.As(err, &te))
			assert.Equal(t, tt.retried*4, te.Data().SpanCount(), "the spans of the turns not delivered")
			if tt.delivered+tt.retried < turns {
				assert.ErrorContains(t, err, "401", "the drop of an earlier window is named")
			}
		})
	}
}
