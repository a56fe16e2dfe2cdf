package devserver

// What the server checks of a request before it stores anything: the key,
// the tier's rate limit, the body (size, encoding) and the payload's shape.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"golang.org/x/time/rate"
)

// authenticate returns the key's tier and the key itself (only used as a map
// key for the limiter).
func (s *Server) authenticate(r *http.Request) (string, string, *apiError) {
	key := strings.TrimSpace(r.Header.Get("X-Api-Key"))
	if key == "" {
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			key = strings.TrimSpace(v)
		}
	}
	if key == "" {
		return "", "", errorf(http.StatusUnauthorized, "MISSING_API_KEY", "send the API key in x-api-key or Authorization: Bearer")
	}
	t, ok := s.opts.Keys[key]
	if !ok {
		return "", "", errorf(http.StatusUnauthorized, "INVALID_API_KEY", "the API key is not valid")
	}
	if tiers[t].revoked {
		return "", "", errorf(http.StatusForbidden, "FORBIDDEN", "the API key has been revoked")
	}
	return t, key, nil
}

// rateLimit takes a token for key and returns 0, or the whole seconds (>= 1)
// until one is available.
func (s *Server) rateLimit(key, tierName string) int {
	t := tiers[tierName]
	if t.perMinute == 0 {
		return 0
	}
	// the clock is read under the lock: a limiter fed times out of order
	// (concurrent requests) loses tokens
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Clock()
	lim, ok := s.limiters[key]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(float64(t.perMinute)/60), t.burst)
		s.limiters[key] = lim
	}
	res := lim.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay == 0 {
		return 0
	}
	res.CancelAt(now) // a rejected request must not consume a future token
	return max(1, int(math.Ceil(delay.Seconds())))
}

// readBody checks the media type and encoding, then reads and decompresses
// the body, enforcing MaxBodyBytes on both sides.
func (s *Server) readBody(r *http.Request) ([]byte, *apiError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, errorf(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if !knownEncodings[enc] {
		return nil, errorf(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
			"unsupported Content-Encoding %q (supported: gzip, deflate, zlib, zstd, snappy, x-snappy-framed, lz4)", enc)
	}
	limit := s.opts.MaxBodyBytes
	raw, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	s.mu.Lock()
	s.stats.BytesReceived += int64(len(raw))
	s.mu.Unlock()
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "INVALID_JSON", "could not read the body: %v", err)
	}
	if int64(len(raw)) > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "body exceeds %d bytes", limit)
	}
	body, err := decompress(enc, raw, limit)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, errorf(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "decompressed body exceeds %d bytes", limit)
	case err != nil:
		return nil, errorf(http.StatusBadRequest, "INVALID_JSON", "body is not valid %s: %v", enc, err)
	}
	return body, nil
}

var knownEncodings = map[string]bool{"": true, "identity": true, "gzip": true, "x-gzip": true, "deflate": true,
	"zlib": true, "zstd": true, "snappy": true, "x-snappy-framed": true, "lz4": true}

var errTooLarge = errors.New("too large")

// snappyFramed is the stream identifier chunk that starts every framed stream.
var snappyFramed = []byte("\xff\x06\x00\x00sNaPpY")

func decompress(enc string, raw []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	src := bytes.NewReader(raw)
	switch enc {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, err
		}
		rd = zr
	case "deflate", "zlib":
		// HTTP "deflate" is zlib-wrapped (the collector sends that), but some
		// clients send raw deflate: sniff the zlib header.
		if len(raw) >= 2 && raw[0]&0x0f == 8 && (uint16(raw[0])<<8|uint16(raw[1]))%31 == 0 {
			zr, err := zlib.NewReader(src)
			if err != nil {
				return nil, err
			}
			rd = zr
		} else {
			rd = flate.NewReader(src)
		}
	case "zstd":
		// Bound the window like the collector does: at least the 8 MiB that
		// default encoders use, so small limits do not reject valid frames.
		bound := min(max(uint64(limit)+1, 8<<20), zstd.MaxWindowSize)
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(bound), zstd.WithDecoderMaxWindow(bound))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	case "snappy", "x-snappy-framed":
		// Like the collector, accept both block and framed data under either name.
		if !bytes.HasPrefix(raw, snappyFramed) {
			n, err := snappy.DecodedLen(raw)
			if err != nil {
				return nil, err
			}
			if int64(n) > limit {
				return nil, errTooLarge
			}
			return snappy.Decode(nil, raw)
		}
		rd = snappy.NewReader(src)
	case "lz4": // the collector's lz4 option sends the frame format
		rd = lz4.NewReader(src)
	}
	out, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return nil, errTooLarge
		}
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, errTooLarge
	}
	return out, nil
}

// parse splits the body into compacted interactions; it does not validate them.
func (s *Server) parse(body []byte, batch bool) ([][]byte, *apiError) {
	if !json.Valid(body) {
		return nil, errorf(http.StatusBadRequest, "INVALID_JSON", "the body is not valid JSON")
	}
	if !batch {
		return [][]byte{compact(body)}, nil
	}
	var env struct {
		Interactions []json.RawMessage `json:"interactions"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Interactions) == 0 {
		return nil, errorf(http.StatusBadRequest, "INVALID_REQUEST", `the body must be {"interactions":[...]} with at least one interaction`)
	}
	if n := len(env.Interactions); n > s.opts.MaxBatch {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
			fmt.Sprintf("batch of %d interactions exceeds the limit of %d", n, s.opts.MaxBatch),
			map[string]int{"count": n, "max_batch": s.opts.MaxBatch}}
	}
	out := make([][]byte, len(env.Interactions))
	for i, raw := range env.Interactions {
		out[i] = compact(raw)
	}
	return out, nil
}

// compact removes insignificant whitespace so each item fits on a JSONL line.
func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
