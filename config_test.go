package precogxexporter

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/precogx/precogxexporter/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestDefaultConfig(t *testing.T) {
	cfg := loadConfig(t, "")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "https://api.precogx.ai/api/v1", cfg.Endpoint)
	assert.Equal(t, 10*time.Second, cfg.Timeout)
	assert.Equal(t, configcompression.TypeGzip, cfg.Compression)
	assert.Equal(t, AuthHeaderAPIKey, cfg.AuthHeader)
	assert.Equal(t, PlatformGeneric, cfg.Platform)
	assert.Equal(t, 100, cfg.MaxBatchInteractions)
	assert.Equal(t, 4<<20, cfg.MaxRequestBytes)
	assert.Equal(t, PromptLastUserMessage, cfg.Mapping.Prompt)
	assert.Equal(t, 65536, cfg.Mapping.MaxFieldBytes)
	require.True(t, cfg.QueueConfig.HasValue(), "queue is on by default")
	q := cfg.QueueConfig.Get()
	require.True(t, q.Batch.HasValue(), "batching happens inside the queue")
	assert.Equal(t, int64(0), q.Batch.Get().MaxSize, "batches are never split")
	assert.True(t, cfg.RetryConfig.Enabled)
	assert.Equal(t, AssemblyConfig{Wait: 2 * time.Second, MaxTraces: 10000}, cfg.Assembly)
	assert.Equal(t, RateLimitConfig{}, cfg.RateLimit, "no client-side limit by default")
}

func TestFullConfig(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "http://127.0.0.1:8088/api/v1", cfg.Endpoint)
	assert.Equal(t, "super-secret-key", string(cfg.APIKey))
	assert.Equal(t, AuthHeaderBearer, cfg.AuthHeader)
	assert.Equal(t, PlatformN8N, cfg.Platform)
	assert.Equal(t, 3*time.Second, cfg.Timeout)
	assert.Equal(t, configcompression.TypeZstd, cfg.Compression)
	v, ok := cfg.Headers.Get("X-Tenant")
	require.True(t, ok)
	assert.Equal(t, "acme", string(v))
	assert.Equal(t, 25, cfg.MaxBatchInteractions)
	assert.Equal(t, 1<<20, cfg.MaxRequestBytes)
	assert.Equal(t, MappingConfig{
		AgentID:            "fixed-agent",
		AgentIDAttributes:  []string{"app.agent"},
		Prompt:             PromptConversation,
		MetadataAttributes: []string{"app.tenant"},
		MaxFieldBytes:      1024,
	}, cfg.Mapping)
	q := cfg.QueueConfig.Get()
	assert.Equal(t, int64(5000), q.QueueSize)
	assert.Equal(t, time.Second, q.Batch.Get().FlushTimeout)
	assert.Equal(t, time.Second, cfg.RetryConfig.InitialInterval)
	assert.Equal(t, time.Minute, cfg.RetryConfig.MaxElapsedTime)
	assert.Equal(t, AssemblyConfig{Wait: 5 * time.Second, MaxTraces: 500}, cfg.Assembly)
	assert.Equal(t, RateLimitConfig{RequestsPerMinute: 100, Burst: 200}, cfg.RateLimit)
}

func TestAssemblyCanBeTurnedOff(t *testing.T) {
	cfg := loadConfig(t, "no_assembly")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, time.Duration(0), cfg.Assembly.Wait)
}

func TestQueueCanBeDisabled(t *testing.T) {
	cfg := loadConfig(t, "noqueue")
	require.NoError(t, confmap.Validate(cfg))
	assert.False(t, cfg.QueueConfig.HasValue())
}

func TestAuthExtensionReplacesAPIKey(t *testing.T) {
	cfg := loadConfig(t, "auth_extension")
	require.NoError(t, confmap.Validate(cfg))
}

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"missing_key", "api_key: must be set"},
		{"bad_batch", "max_batch_interactions: must be positive, got 0"},
		{"bad_bytes", "max_request_bytes: must be positive, got -1"},
		{"bad_endpoint", `endpoint: "ftp://example.com" must be an http:// or https:// URL`},
		{"bad_field_bytes", "mapping.max_field_bytes: must be positive, got 0"},
		{"bad_wait", "assembly.wait: must not be negative, got -1s"},
		{"bad_max_traces", "assembly.max_traces: must be positive, got 0"},
		{"bad_rate", "rate_limit.requests_per_minute: must not be negative, got -5"},
		{"zero_timeout", "timeout: must be positive"},
		{"negative_timeout", "timeout: must be positive"},
		{"endpoint_userinfo", "endpoint: must not carry user info"},
		{"endpoint_query", "endpoint: must not carry a query"},
		{"endpoint_fragment", "endpoint: must not carry a fragment"},
		{"key_newline", "api_key: has leading or trailing white space"},
		{"key_spaces", "api_key: has leading or trailing white space"},
		{"key_control", "api_key: contains a control character"},
	}
	// what these configs carry that a message must never repeat
	secrets := []string{"hunter2-pass", "query-secret", "frag-secret", "newline-key", "ctl\u0007key", "\x07"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, tt.name))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			for _, s := range secrets {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
}

// Enumerations are typed: a value outside the documented ones fails while
// the configuration is read, naming the key; set in code, Validate names it.
func TestEnumerations(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	for name, want := range map[string]string{
		"bad_auth_header": `'auth_header' "basic" is not one of x-api-key, bearer`,
		"bad_platform":    `'platform' "zapier" is not one of generic, flowise, n8n, dify, custom`,
		"bad_prompt":      `'mapping.prompt' "everything" is not one of last_user_message, conversation`,
	} {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		err = sub.Unmarshal(NewFactory().CreateDefaultConfig())
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), want)
	}
	cfg := loadConfig(t, "")
	cfg.AuthHeader, cfg.Platform, cfg.Mapping.Prompt = "basic", "zapier", "everything"
	err = confmap.Validate(cfg)
	require.Error(t, err)
	for _, want := range []string{`auth_header: "basic" is not one of`, `platform: "zapier" is not one of`, `mapping.prompt: "everything" is not one of`} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestAPIKeyNeverPrinted(t *testing.T) {
	assertNeverPrinted(t, loadConfig(t, "full"), "super-secret-key")
}

// assertNeverPrinted checks that a secret of cfg shows neither when cfg is
// printed nor in its marshalled form (print-config).
func assertNeverPrinted(t *testing.T, cfg *Config, secret string) {
	t.Helper()
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", *cfg)} {
		assert.NotContains(t, s, secret)
	}
	out := confmap.New()
	require.NoError(t, out.Marshal(cfg))
	assert.NotContains(t, fmt.Sprintf("%v", out.ToStringMap()), secret)
}

func TestRateLimitKeepsOneSecondInReserve(t *testing.T) {
	assert.Equal(t, 198, RateLimitConfig{RequestsPerMinute: 100, Burst: 200}.limiterBurst())
	assert.Equal(t, 1983, RateLimitConfig{RequestsPerMinute: 1000, Burst: 2000}.limiterBurst())
	assert.Equal(t, 9916, RateLimitConfig{RequestsPerMinute: 5000, Burst: 10000}.limiterBurst())
	assert.Equal(t, 59, RateLimitConfig{RequestsPerMinute: 60}.limiterBurst(), "burst defaults to the per-minute rate")
	assert.Equal(t, 1, RateLimitConfig{RequestsPerMinute: 600, Burst: 5}.limiterBurst())
}
