package precogxapi // import "github.com/precogx/precogxexporter/internal/precogxapi"

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/config/configretry"
)

const (
	maxErrorBody  = 64 << 10
	maxServerText = 256 // bytes kept of each field of text from the server
)

// httpError is a non-2xx answer of the PrecogX API. Code and Message come
// from the server: they are cut and scrubbed of secrets (scrubber) before
// they are kept, so they may reach logs, errors and component status.
type httpError struct {
	Status   int
	Code     string
	Message  string
	Path     string
	Location string // scheme://host[:port] of a refused redirect
}

func (h *httpError) Error() string {
	msg := fmt.Sprintf("precogx: POST %s: HTTP %d", h.Path, h.Status)
	if h.Location != "" {
		msg += " redirect to " + h.Location + " refused (redirects are never followed: the key and the body go to the configured endpoint only)"
	}
	if h.Code != "" {
		msg += " " + h.Code
	}
	if h.Message != "" {
		msg += ": " + h.Message
	}
	return msg
}

// scrubber removes the secrets the exporter sends from text the server
// wrote, which a hostile or broken server may echo.
type scrubber []string

func (sc scrubber) clean(s string) string {
	for _, secret := range sc {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	return strings.TrimSpace(TruncateUTF8(s, maxServerText))
}

func responseError(path string, resp *http.Response, sc scrubber) *httpError {
	herr := &httpError{Status: resp.StatusCode, Path: path}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		herr.Location = redirectTarget(resp.Header.Get("Location"))
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb struct {
		Error struct {
			Code    json.RawMessage `json:"code"`
			Message json.RawMessage `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &eb) == nil && (len(eb.Error.Code) > 0 || len(eb.Error.Message) > 0) {
		herr.Code, herr.Message = sc.clean(RawJSON(eb.Error.Code).Text()), sc.clean(RawJSON(eb.Error.Message).Text())
	} else if len(body) > 0 {
		herr.Message = sc.clean(string(body))
	}
	return herr
}

// TruncateUTF8 cuts s to at most n bytes, never inside a UTF-8 character.
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// redirectTarget names where a redirect pointed without its path, query,
// user info or fragment, which may carry secrets.
func redirectTarget(location string) string {
	if location == "" {
		return "(no Location)"
	}
	u, err := url.Parse(location)
	if err != nil || u.Host == "" {
		return "(a relative or invalid Location)"
	}
	return u.Scheme + "://" + u.Host
}

// documentedCodes are the error codes of the PrecogX API reference; only
// these become label values, so a server cannot mint metric series.
var documentedCodes = map[string]bool{
	"INVALID_REQUEST": true, "INVALID_JSON": true, "INVALID_API_KEY": true, "MISSING_REQUIRED_FIELD": true,
	"INVALID_FIELD_TYPE": true, "RATE_LIMIT_EXCEEDED": true, "AGENT_LIMIT_EXCEEDED": true, "NOT_FOUND": true,
	"PAYLOAD_TOO_LARGE": true, "INTERNAL_ERROR": true, "SERVICE_UNAVAILABLE": true,
}

// reasonOf is the reason label of interactions_failed: a documented code,
// else the HTTP status, "0" when there was no answer.
func reasonOf(err error) string {
	h, ok := errors.AsType[*httpError](err)
	if !ok {
		return "0"
	}
	if documentedCodes[h.Code] {
		return h.Code
	}
	return strconv.Itoa(h.Status)
}

// defaultRetryAfterCap bounds Retry-After when retry_on_failure.max_interval is 0.
const defaultRetryAfterCap = 30 * time.Second

// RetryAfterCap is the longest Retry-After honoured: max_interval, and at most
// half of max_elapsed_time so that a throttled batch is retried at least once.
func RetryAfterCap(rc configretry.BackOffConfig) time.Duration {
	c := rc.MaxInterval
	if c <= 0 {
		c = defaultRetryAfterCap
	}
	if rc.MaxElapsedTime > 0 {
		c = min(c, rc.MaxElapsedTime/2)
	}
	return c
}

// parseRetryAfter reads delta-seconds or an HTTP date, bounded by limit:
// larger, negative, overflowing or past values count as limit, so a hostile
// value can neither park the consumers nor drop the batch. An absent or
// unreadable value is 0 (the normal backoff).
func parseRetryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if isDigits(strings.TrimPrefix(v, "-")) {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil || s < 0 || s > int64(limit/time.Second) {
			return limit
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 && d < limit {
			return d
		}
		return limit
	}
	return 0
}

// IsLoopbackURL tells, from the URL alone (no name resolution), whether
// plain http stays on this host.
func IsLoopbackURL(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
