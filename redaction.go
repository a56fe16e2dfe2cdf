package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/precogx/precogxexporter/internal/genai"
	"github.com/precogx/precogxexporter/internal/redact"
)

// RedactionConfig masks personal data and secrets before interactions leave
// the collector. Every kind is off by default.
type RedactionConfig struct {
	Emails       bool `mapstructure:"emails"`
	PhoneNumbers bool `mapstructure:"phone_numbers"`
	CreditCards  bool `mapstructure:"credit_cards"`
	Secrets      bool `mapstructure:"secrets"`
	// IPAddresses masks addresses in the text and leaves metadata.ip_address out.
	IPAddresses bool `mapstructure:"ip_addresses"`
	// Patterns run after the built-in kinds, in order, on the text between masks.
	Patterns []RedactionPattern `mapstructure:"patterns"`
	// HashIDs replaces userId, sessionId and conversationId by the hex
	// HMAC-SHA256 of the id keyed with HashKey.
	HashIDs bool                `mapstructure:"hash_ids"`
	HashKey configopaque.String `mapstructure:"hash_key"`
}

// RedactionPattern is a user pattern: matches of Regex (RE2) become
// Replacement, where $1 and ${name} expand to the regex's groups.
type RedactionPattern struct {
	Regex       string `mapstructure:"regex"`
	Replacement string `mapstructure:"replacement"`
}

func (rc *RedactionConfig) validate() []error {
	var errs []error
	for i, p := range rc.Patterns {
		if _, err := redact.Compile(redact.Rule{Regex: p.Regex, Replacement: p.Replacement}); err != nil {
			errs = append(errs, fmt.Errorf("redaction.patterns[%d]: %w", i, err))
		}
	}
	if rc.HashIDs && rc.HashKey == "" {
		errs = append(errs, errors.New("redaction.hash_key: must be set when redaction.hash_ids is true"))
	}
	if err := validateSecret("redaction.hash_key", rc.HashKey); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// redactionOf is the mapping's side of the redaction settings.
func redactionOf(rc RedactionConfig) genai.Redaction {
	var kinds redact.Kinds
	for _, k := range []struct {
		on   bool
		kind redact.Kind
	}{{rc.Emails, redact.Email}, {rc.PhoneNumbers, redact.Phone}, {rc.CreditCards, redact.Card},
		{rc.Secrets, redact.Secret}, {rc.IPAddresses, redact.IP}} {
		if k.on {
			kinds = kinds.With(k.kind)
		}
	}
	rd := genai.Redaction{Kinds: kinds, DropIPAddress: rc.IPAddresses}
	for _, p := range rc.Patterns {
		rd.Patterns = append(rd.Patterns, redact.Rule{Regex: p.Regex, Replacement: p.Replacement})
	}
	if rc.HashIDs {
		rd.HashKey = []byte(rc.HashKey)
	}
	return rd
}

// redactedKind holds the attribute option of each kind, built once.
var redactedKind = func() (t [redact.NumKinds]metric.AddOption) {
	for k := range t {
		t[k] = metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", redact.Kind(k).String())))
	}
	return t
}()

// countRedacted adds one mapping call's redactions to values_redacted.
func (e *precogxExporter) countRedacted(ctx context.Context, c *redact.Counts) {
	for k, n := range c {
		if n > 0 {
			e.telemetry.PrecogxValuesRedacted.Add(ctx, n, redactedKind[k])
		}
	}
}
