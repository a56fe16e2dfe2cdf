package precogxwebhookreceiver

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/precogx/precogxexporter/precogxwebhookreceiver/internal/metadata"
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
	assert.Equal(t, "localhost:8089", cfg.NetAddr.Endpoint)
	assert.Equal(t, "/precogx/webhook", cfg.Path)
	assert.Equal(t, int64(1<<20), cfg.MaxRequestBodySize)
	assert.False(t, cfg.TLS.HasValue())
	assert.False(t, cfg.Auth.HasValue())
}

func TestFullConfig(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "0.0.0.0:9443", cfg.NetAddr.Endpoint)
	assert.Equal(t, "/hooks/precogx", cfg.Path)
	assert.Equal(t, int64(65536), cfg.MaxRequestBodySize)
	require.True(t, cfg.TLS.HasValue())
	assert.Equal(t, "/tls/tls.crt", cfg.TLS.Get().CertFile)
	require.True(t, cfg.Auth.HasValue())
	assert.Equal(t, component.MustNewID("bearertokenauth"), cfg.Auth.Get().Config.AuthenticatorID)
}

func TestInvalidConfig(t *testing.T) {
	for name, want := range map[string]string{
		"bad_path":       `path: must start with "/"`,
		"negative_limit": "max_request_body_size: must not be negative",
		"no_endpoint":    "endpoint: must be set",
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}
