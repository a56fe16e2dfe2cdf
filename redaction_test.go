package precogxexporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/precogx/precogxexporter/internal/devserver"
	"github.com/precogx/precogxexporter/internal/genai"
	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/metadatatest"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// allRedaction turns every kind on, with a pattern and keyed id hashing.
func allRedaction() RedactionConfig {
	return RedactionConfig{Emails: true, PhoneNumbers: true, CreditCards: true, Secrets: true, IPAddresses: true,
		Patterns: []RedactionPattern{{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}},
		HashIDs:  true, HashKey: "hash-key-never-printed"}
}

func TestRedactionConfig(t *testing.T) {
	cfg := loadConfig(t, "redaction")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, RedactionConfig{Emails: true, PhoneNumbers: true, CreditCards: true, Secrets: true, IPAddresses: true,
		Patterns: []RedactionPattern{{Regex: `EMP-\d{6}`, Replacement: "[EMPLOYEE]"}, {Regex: `(?i)ticket (\d+)`, Replacement: "ticket #$1"}},
		HashIDs:  true, HashKey: "hash-key-never-printed"}, cfg.Redaction)

	assert.Equal(t, RedactionConfig{}, loadConfig(t, "").Redaction, "everything off by default")
	assert.Equal(t, genai.Redaction{}, redactionOf(RedactionConfig{}), "nothing to mask")

	assertNeverPrinted(t, cfg, "hash-key-never-printed")
}

func TestInvalidRedactionConfig(t *testing.T) {
	for name, want := range map[string]string{
		"bad_pattern":      "redaction.patterns[1]: error parsing regexp: missing closing ): `(unclosed`",
		"hash_without_key": "redaction.hash_key: must be set when redaction.hash_ids is true",
		"hash_key_space":   "redaction.hash_key: has leading or trailing white space",
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
			assert.NotContains(t, err.Error(), "hash-key-never-printed")
			assert.NotContains(t, err.Error(), "patterns[0]", "indexes are zero-based: the first pattern is fine")
		})
	}
	for _, key := range []string{" k", "k ", "\tk", "k\x00k", "k\u2028"} {
		errs := (&RedactionConfig{HashIDs: true, HashKey: configopaque.String(key)}).validate()
		assert.NotEmpty(t, errs, "%q", key)
	}
	assert.Empty(t, (&RedactionConfig{HashIDs: true, HashKey: "a key with inner spaces"}).validate())
}

func redactionMapping() MappingConfig {
	mcfg := createDefaultConfig().(*Config).Mapping
	mcfg.MetadataAttributes = genaitest.RedactionAttributes
	return mcfg
}

// bodyRecorder keeps every request body (decompressed) before the devserver
// sees it, and answers the first failFirst requests with 503.
type bodyRecorder struct {
	mu        sync.Mutex
	bodies    []string
	paths     []string
	failFirst int
}

func (br *bodyRecorder) wrap(t *testing.T, next http.Handler) string {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		body := raw
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			require.NoError(t, err)
			body, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		br.mu.Lock()
		br.bodies, br.paths = append(br.bodies, string(body)), append(br.paths, r.URL.Path)
		fail := len(br.bodies) <= br.failFirst
		br.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/api/v1"
}

// twoTurns is the redaction turn twice, in two traces; the second one's
// prompt carries the devserver's reject marker when reject is set.
func twoTurns(reject bool) ptrace.Traces {
	td := genaitest.RedactionTurn()
	second := genaitest.RedactionTurn()
	spans := second.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		sp := spans.At(i)
		sp.SetTraceID(genaitest.TraceIDHex("1112131415161718191a1b1c1d1e1f20"))
		if v, ok := sp.Attributes().Get("gen_ai.input.messages"); ok && reject {
			v.SetStr(strings.Replace(v.Str(), "I am", "REJECT-ME I am", 1))
		}
	}
	second.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	return td
}

// TestRedactionOnEveryDeliveryPath: batch, ingest, a platform endpoint, a
// batch split after a 400 and a retry after a 503 all carry masked text only.
func TestRedactionOnEveryDeliveryPath(t *testing.T) {
	tests := []struct {
		name      string
		platform  Platform
		maxItems  int
		reject    bool
		failFirst int
		wantPaths []string
		stored    int
	}{
		{"batch", PlatformGeneric, 100, false, 0, []string{"/api/v1/telemetry/batch"}, 2},
		{"ingest", PlatformGeneric, 1, false, 0, repeat("/api/v1/telemetry/ingest", 2), 2},
		{"platform", PlatformN8N, 100, false, 0, repeat("/api/v1/integrations/n8n/telemetry", 2), 2},
		{"split after 400", PlatformGeneric, 100, true, 0,
			[]string{"/api/v1/telemetry/batch", "/api/v1/telemetry/ingest", "/api/v1/telemetry/ingest"}, 1},
		{"retry after 503", PlatformGeneric, 100, false, 1, repeat("/api/v1/telemetry/batch", 2), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := devserver.New(devserver.Options{Keys: map[string]string{testKey: "unlimited"},
				Faults: devserver.Faults{RejectMarker: "REJECT-ME"}})
			require.NoError(t, err)
			br := &bodyRecorder{failFirst: tt.failFirst}
			cfg := testConfig(br.wrap(t, srv))
			cfg.Platform, cfg.MaxBatchInteractions = tt.platform, tt.maxItems
			cfg.Mapping = redactionMapping()
			cfg.Redaction = allRedaction()
			require.NoError(t, cfg.Validate())
			e := startExporter(t, cfg)

			err = e.pushTraces(context.Background(), twoTurns(tt.reject))
			if tt.failFirst > 0 {
				require.Error(t, err)
				// the queue hands the same spans back: they are mapped and masked again
				err = e.pushTraces(context.Background(), twoTurns(tt.reject))
			}
			if tt.reject {
				require.True(t, consumererror.IsPermanent(err), "%v", err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantPaths, br.paths)
			for _, body := range br.bodies {
				assert.Contains(t, body, "[EMAIL]")
				for _, v := range genaitest.RedactionValues {
					assert.NotContains(t, body, v)
				}
			}
			assert.Len(t, srv.Interactions(), tt.stored)
		})
	}
}

func TestValuesRedactedCounter(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	srv := newDevserver(t, devserver.Options{})
	cfg := testConfig(srv.endpoint)
	cfg.Mapping = redactionMapping()
	cfg.Redaction = allRedaction()
	e, err := newExporter(cfg, metadatatest.NewSettings(tt))
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = e.shutdown(context.Background()) })
	require.NoError(t, e.pushTraces(context.Background(), twoTurns(false)))

	kind := func(k string, v int64) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Value: v, Attributes: attribute.NewSet(attribute.String("kind", k))}
	}
	metadatatest.AssertEqualPrecogxValuesRedacted(t, tt, []metricdata.DataPoint[int64]{
		kind("email", 12), kind("phone", 4), kind("card", 6), kind("secret", 6), kind("ip", 8), kind("pattern", 2),
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// BenchmarkRedactionMapAndEncode is BenchmarkMapAndEncode with every kind
// on, a pattern and id hashing, beside the same run with redaction off.
func BenchmarkRedactionMapAndEncode(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 64 << 10} {
		td := benchTraces(100, size)
		for _, mode := range []string{"off", "on"} {
			b.Run(fmt.Sprintf("msg=%dKiB/redaction=%s", size>>10, mode), func(b *testing.B) {
				rc := RedactionConfig{}
				if mode == "on" {
					rc = allRedaction()
				}
				cfg := createDefaultConfig().(*Config)
				cfg.Redaction = rc
				m, err := newMapper(cfg)
				if err != nil {
					b.Fatal(err)
				}
				var buf []byte
				b.ReportAllocs()
				for b.Loop() {
					ixs, _ := m.Map(td)
					for i := range ixs {
						buf = precogxapi.AppendInteraction(buf[:0], &ixs[i].Interaction)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*td.SpanCount()), "ns/span")
			})
		}
	}
}
