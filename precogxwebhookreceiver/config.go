package precogxwebhookreceiver // import "github.com/precogx/precogxexporter/precogxwebhookreceiver"

import (
	"errors"
	"strings"

	"go.opentelemetry.io/collector/config/confighttp"
)

// Config is the receiver's configuration: every confighttp server key
// (endpoint, tls, auth, max_request_body_size, ...) plus the webhook path.
type Config struct {
	confighttp.ServerConfig `mapstructure:",squash"`

	// Path is the URL path PrecogX posts alerts to; other paths answer 404.
	Path string `mapstructure:"path"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the receiver's own keys; confighttp checks its own.
func (cfg *Config) Validate() error {
	var errs []error
	if !strings.HasPrefix(cfg.Path, "/") {
		errs = append(errs, errors.New(`path: must start with "/"`))
	}
	if cfg.MaxRequestBodySize < 0 {
		errs = append(errs, errors.New("max_request_body_size: must not be negative"))
	}
	if cfg.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint: must be set (host:port)"))
	}
	return errors.Join(errs...)
}
