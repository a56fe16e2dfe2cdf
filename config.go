package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// AuthHeader is how the key is sent: x-api-key (default) or bearer.
type AuthHeader string

// Auth header styles.
const (
	AuthHeaderAPIKey AuthHeader = "x-api-key"
	AuthHeaderBearer AuthHeader = "bearer"
)

// UnmarshalText accepts the documented values only.
func (a *AuthHeader) UnmarshalText(b []byte) error {
	return oneOf(a, string(b), AuthHeaderAPIKey, AuthHeaderBearer)
}

// Platform is the ingestion route: generic uses the batch API; the others
// post one interaction per request to /integrations/<platform>/telemetry.
type Platform string

// Platforms.
const (
	PlatformGeneric Platform = "generic"
	PlatformFlowise Platform = "flowise"
	PlatformN8N     Platform = "n8n"
	PlatformDify    Platform = "dify"
	PlatformCustom  Platform = "custom"
)

// UnmarshalText accepts the documented values only.
func (p *Platform) UnmarshalText(b []byte) error {
	return oneOf(p, string(b), PlatformGeneric, PlatformFlowise, PlatformN8N, PlatformDify, PlatformCustom)
}

// PromptMode is what becomes the interaction's prompt.
type PromptMode string

// Prompt modes.
const (
	PromptLastUserMessage PromptMode = "last_user_message"
	PromptConversation    PromptMode = "conversation"
)

// UnmarshalText accepts the documented values only.
func (p *PromptMode) UnmarshalText(b []byte) error {
	return oneOf(p, string(b), PromptLastUserMessage, PromptConversation)
}

// oneOf sets *dst to v when v is one of valid.
func oneOf[T ~string](dst *T, v string, valid ...T) error {
	if slices.Contains(valid, T(v)) {
		*dst = T(v)
		return nil
	}
	names := make([]string, len(valid))
	for i, x := range valid {
		names[i] = string(x)
	}
	return fmt.Errorf("%q is not one of %s", v, strings.Join(names, ", "))
}

// Config defines the configuration of the precogx exporter.
type Config struct {
	confighttp.ClientConfig `mapstructure:",squash"`

	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// APIKey authenticates against the PrecogX API. Required unless `auth`
	// names an authenticator extension.
	APIKey configopaque.String `mapstructure:"api_key"`
	// AuthHeader is x-api-key (default) or bearer.
	AuthHeader AuthHeader `mapstructure:"auth_header"`
	// Platform selects the ingestion API: generic, flowise, n8n, dify or custom.
	Platform Platform `mapstructure:"platform"`

	MaxBatchInteractions int `mapstructure:"max_batch_interactions"`
	MaxRequestBytes      int `mapstructure:"max_request_bytes"`

	RateLimit RateLimitConfig `mapstructure:"rate_limit"`

	Mapping   MappingConfig   `mapstructure:"mapping"`
	Redaction RedactionConfig `mapstructure:"redaction"`
	Assembly  AssemblyConfig  `mapstructure:"assembly"`
}

// RateLimitConfig limits real HTTP requests, shared by all queue consumers.
type RateLimitConfig struct {
	// RequestsPerMinute is the sustained rate; 0 turns the limit off.
	RequestsPerMinute int `mapstructure:"requests_per_minute"`
	// Burst is how many requests may go at once; 0 means requests_per_minute.
	Burst int `mapstructure:"burst"`
}

// limiterBurst is the burst the client uses: the configured one less one
// second of the rate, kept in reserve because the server's token timeline
// starts when the first request arrives, later than the client's by the
// network latency of that request.
func (rl RateLimitConfig) limiterBurst() int {
	b := rl.Burst
	if b <= 0 {
		b = rl.RequestsPerMinute
	}
	return max(b-(rl.RequestsPerMinute+59)/60, 1)
}

// AssemblyConfig bounds how long and how many traces wait for their pieces.
type AssemblyConfig struct {
	// Wait is how long a trace may wait for missing spans and log events
	// after its last piece; 0 maps what each pipeline call brings alone.
	Wait time.Duration `mapstructure:"wait"`
	// MaxTraces bounds the traces held; at the bound the oldest is released early.
	MaxTraces int `mapstructure:"max_traces"`
}

// MappingConfig tunes how spans and events become interactions.
type MappingConfig struct {
	// AgentID, when set, is the agentId of every interaction.
	AgentID string `mapstructure:"agent_id"`
	// AgentIDAttributes are tried (span, then resource) before the built-in chain.
	AgentIDAttributes []string `mapstructure:"agent_id_attributes"`
	// Prompt is last_user_message (default) or conversation.
	Prompt PromptMode `mapstructure:"prompt"`
	// MetadataAttributes are span or resource attributes copied into metadata.
	MetadataAttributes []string `mapstructure:"metadata_attributes"`
	// MaxFieldBytes bounds prompt, response and tool input/output (UTF-8 safe).
	MaxFieldBytes int `mapstructure:"max_field_bytes"`
}

// Validate checks the configuration; each error names the offending key.
func (cfg *Config) Validate() error {
	var errs []error
	if err := validateEndpoint(cfg.Endpoint); err != nil {
		errs = append(errs, err)
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: must be positive (a request without a timeout can hang forever), got %s", cfg.Timeout))
	}
	if cfg.APIKey == "" && !cfg.Auth.HasValue() {
		errs = append(errs, errors.New("api_key: must be set (usually ${env:PRECOGX_API_KEY}) unless auth names an authenticator extension"))
	}
	if err := validateSecret("api_key", cfg.APIKey); err != nil {
		errs = append(errs, err)
	}
	// values set in code rather than decoded
	if err := new(AuthHeader).UnmarshalText([]byte(cfg.AuthHeader)); err != nil {
		errs = append(errs, fmt.Errorf("auth_header: %w", err))
	}
	if err := new(Platform).UnmarshalText([]byte(cfg.Platform)); err != nil {
		errs = append(errs, fmt.Errorf("platform: %w", err))
	}
	if cfg.MaxBatchInteractions <= 0 {
		errs = append(errs, fmt.Errorf("max_batch_interactions: must be positive, got %d", cfg.MaxBatchInteractions))
	}
	if cfg.MaxRequestBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_request_bytes: must be positive, got %d", cfg.MaxRequestBytes))
	}
	if err := new(PromptMode).UnmarshalText([]byte(cfg.Mapping.Prompt)); err != nil {
		errs = append(errs, fmt.Errorf("mapping.prompt: %w", err))
	}
	if cfg.Mapping.MaxFieldBytes <= 0 {
		errs = append(errs, fmt.Errorf("mapping.max_field_bytes: must be positive, got %d", cfg.Mapping.MaxFieldBytes))
	}
	if cfg.RateLimit.RequestsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("rate_limit.requests_per_minute: must not be negative, got %d", cfg.RateLimit.RequestsPerMinute))
	}
	if cfg.RateLimit.Burst < 0 {
		errs = append(errs, fmt.Errorf("rate_limit.burst: must not be negative, got %d", cfg.RateLimit.Burst))
	}
	if cfg.Assembly.Wait < 0 {
		errs = append(errs, fmt.Errorf("assembly.wait: must not be negative, got %s", cfg.Assembly.Wait))
	}
	if cfg.Assembly.MaxTraces <= 0 {
		errs = append(errs, fmt.Errorf("assembly.max_traces: must be positive, got %d", cfg.Assembly.MaxTraces))
	}
	errs = append(errs, cfg.Redaction.validate()...)
	return errors.Join(errs...)
}

// validateEndpoint never quotes a URL that carries user info or a query:
// they may hold credentials.
func validateEndpoint(endpoint string) error {
	if endpoint == "" {
		return errors.New("endpoint: must be set")
	}
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return errors.New("endpoint: is not a valid URL")
	case u.User != nil:
		return errors.New("endpoint: must not carry user info (user:password@); use api_key or auth")
	case u.RawQuery != "" || u.ForceQuery:
		return errors.New("endpoint: must not carry a query (?...); paths are appended to it, and a query may hold a credential")
	case u.Fragment != "" || strings.Contains(endpoint, "#"):
		return errors.New("endpoint: must not carry a fragment (#...)")
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("endpoint: %q must be an http:// or https:// URL", endpoint)
	}
	return nil
}

// validateSecret rejects a key that cannot be sent as it is in a header: a
// trailing newline from a mounted file, or only spaces. The message never
// holds the key.
func validateSecret(name string, v configopaque.String) error {
	s := string(v)
	if s == "" {
		return nil
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("%s: has leading or trailing white space (a trailing newline from a file or a Secret?); remove it", name)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("%s: contains a control character; remove it", name)
	}
	return nil
}
