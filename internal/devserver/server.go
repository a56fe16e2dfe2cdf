// Package devserver is a local stand-in for the PrecogX ingestion API. It
// checks the wire format on its own (JSON Schema, limits, auth, rate limits)
// without importing the exporter, keeps what it accepts for inspection, and
// can inject faults for retry and resilience tests.
package devserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/time/rate"
)

// Defaults for Options.
const (
	DefaultKey          = "dev-key"
	DefaultMaxBatch     = 1000
	DefaultMaxBodyBytes = 10 << 20
)

// Tier names accepted in Options.Keys.
const (
	TierFree       = "free"
	TierPro        = "pro"
	TierEnterprise = "enterprise"
	TierUnlimited  = "unlimited"
	TierRevoked    = "revoked"
)

type tier struct {
	perMinute, burst int // 0: unlimited
	revoked          bool
}

var tiers = map[string]tier{
	TierFree:       {perMinute: 100, burst: 200},
	TierPro:        {perMinute: 1000, burst: 2000},
	TierEnterprise: {perMinute: 5000, burst: 10000},
	TierUnlimited:  {},
	TierRevoked:    {revoked: true},
}

var platforms = map[string]bool{"flowise": true, "n8n": true, "dify": true, "custom": true}

// Options configures a Server. Zero values take the documented defaults.
type Options struct {
	Keys         map[string]string // API key -> tier; empty means {DefaultKey: TierUnlimited}
	SchemaPath   string            // JSON Schema override; default is the embedded one
	StorePath    string            // optional JSONL file, appended to per accepted request
	BodiesDir    string            // optional directory: every API request body is written there (bodies.go)
	MaxBatch     int               // max interactions per batch (DefaultMaxBatch)
	MaxBodyBytes int64             // max body size, compressed and decompressed (DefaultMaxBodyBytes)
	Faults       Faults
	Clock        func() time.Time // time.Now by default; drives windows and rate limits
	Logf         func(format string, args ...any)
	// Open serves the inspection and admin endpoints (interactions, stats,
	// faults) without a key; by default they need one of Keys, as the API does.
	Open bool
	// OnStored, optional, is called with each request's accepted interactions
	// (Webhook.Observe); it runs under the server's lock and must not block.
	OnStored func([]Stored)
}

// Stored is one accepted interaction.
type Stored struct {
	ID          string          `json:"id"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	Path        string          `json:"path"`
	Platform    string          `json:"platform"` // "generic" or the integration name
	Interaction json.RawMessage `json:"interaction"`
}

// Stats counts answered API requests (everything but the inspection, health
// and admin endpoints) by status code.
type Stats struct {
	Requests             map[int]int64 `json:"requests"`
	InteractionsAccepted int64         `json:"interactions_accepted"`
	BytesReceived        int64         `json:"bytes_received"`      // request bodies as sent (compressed)
	ConnectionsDropped   int64         `json:"connections_dropped"` // injected resets: no status to count
}

// Server is the devserver; it is an http.Handler.
type Server struct {
	opts   Options
	schema *jsonschema.Schema
	store  *os.File

	mu       sync.Mutex
	items    []Stored
	stats    Stats
	limiters map[string]*rate.Limiter
	faults   faultState
	bodies   bodyStore
}

// New validates opts, compiles the schema and opens the store.
func New(opts Options) (*Server, error) {
	keys := map[string]string{DefaultKey: TierUnlimited}
	if len(opts.Keys) > 0 {
		keys = make(map[string]string, len(opts.Keys)) // a copy: the caller may reuse its map
	}
	for k, t := range opts.Keys {
		if _, ok := tiers[t]; !ok { // the error names the tier only: keys are secrets
			return nil, fmt.Errorf("unknown tier %q (want one of %s)", t, strings.Join(sortedTiers(), ", "))
		}
		keys[k] = t
	}
	opts.Keys = keys
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if err := opts.Faults.Validate(); err != nil {
		return nil, err
	}
	sch, err := compileSchema(opts.SchemaPath)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s := &Server{opts: opts, schema: sch, limiters: map[string]*rate.Limiter{}, stats: Stats{Requests: map[int]int64{}}}
	if opts.StorePath != "" {
		if s.store, err = os.OpenFile(opts.StorePath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
			return nil, err
		}
	}
	s.setFaultsLocked(opts.Faults)
	return s, nil
}

// Close closes the JSONL store, if any.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil {
		return nil
	}
	err := s.store.Close()
	s.store = nil
	return err
}

// Interactions returns a copy of the accepted interactions in arrival order.
func (s *Server) Interactions() []Stored {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stored, len(s.items))
	for i, it := range s.items {
		it.Interaction = bytes.Clone(it.Interaction)
		out[i] = it
	}
	return out
}

// Reset forgets the stored interactions, the stats and the rate-limit state.
// Faults and the JSONL file are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = nil
	s.stats = Stats{Requests: map[int]int64{}}
	s.limiters = map[string]*rate.Limiter{}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = make(map[int]int64, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		st.Requests[k] = v
	}
	return st
}

// apiError is an error answer; details is omitted from JSON when nil.
type apiError struct {
	status        int
	code, message string
	details       any
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// recorder captures what was answered, for stats and the log line.
type recorder struct {
	http.ResponseWriter
	status  int
	code    string
	note    string
	dropped bool
	// accounted is set once the request is counted: a dropped connection
	// is counted before the close, so a client never sees it first
	accounted bool
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the Hijacker underneath.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep stored interactions byte-comparable
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if r, ok := w.(*recorder); ok {
		r.code = e.code
	}
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details any    `json:"details,omitempty"`
	}
	writeJSON(w, e.status, map[string]body{"error": {e.code, e.message, e.details}})
}

// allowMethod answers 405 unless r uses one of methods.
func allowMethod(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, errorf(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", r.Method, r.URL.Path))
	return false
}

// ServeHTTP routes by hand so that 404 and 405 answers use the API error shape.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; p {
	case "/healthz":
		if allowMethod(w, r, http.MethodGet, http.MethodHead) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "ok")
		}
	case "/api/v1/stats":
		if s.admin(w, r) && allowMethod(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, s.Stats())
		}
	case "/api/v1/interactions":
		if s.admin(w, r) {
			s.serveInteractions(w, r)
		}
	case "/admin/faults":
		if s.admin(w, r) {
			s.serveFaults(w, r)
		}
	default:
		rec := &recorder{ResponseWriter: w}
		defer s.account(rec, r) // deferred: drop may panic with http.ErrAbortHandler
		platform, batch, ok := route(p)
		switch {
		case !ok:
			writeError(rec, errorf(http.StatusNotFound, "NOT_FOUND", "no route for %s", p))
		case allowMethod(rec, r, http.MethodPost):
			s.serveAPI(rec, r, platform, batch)
		}
	}
}

func route(p string) (platform string, batch, ok bool) {
	switch p {
	case "/api/v1/telemetry/ingest":
		return "generic", false, true
	case "/api/v1/telemetry/batch":
		return "generic", true, true
	}
	if rest, found := strings.CutPrefix(p, "/api/v1/integrations/"); found {
		if name, found := strings.CutSuffix(rest, "/telemetry"); found && platforms[name] {
			return name, false, true
		}
	}
	return "", false, false
}

func (s *Server) account(w *recorder, r *http.Request) {
	if w.accounted {
		return
	}
	w.accounted = true
	s.mu.Lock()
	switch {
	case w.dropped:
		s.stats.ConnectionsDropped++
	case w.status != 0:
		s.stats.Requests[w.status]++
	}
	s.mu.Unlock()
	// Only method, path and outcome are logged: never headers (they carry the key).
	switch {
	case w.dropped:
		s.opts.Logf("%s %s -> connection dropped (injected)", r.Method, r.URL.Path)
	case w.status == 0:
		s.opts.Logf("%s %s -> client went away", r.Method, r.URL.Path)
	default:
		outcome := strconv.Itoa(w.status)
		if w.code != "" {
			outcome += " " + w.code
		}
		s.opts.Logf("%s %s -> %s%s", r.Method, r.URL.Path, outcome, w.note)
	}
}

// serveAPI runs the ingestion pipeline: injected latency, outage and throttle
// first (they model the network and the whole service), then auth, rate
// limit, random errors, body, random resets, and finally validation.
func (s *Server) serveAPI(w *recorder, r *http.Request, platform string, batch bool) {
	f, elapsed := s.currentFaults()
	if !sleep(r, f.Latency) {
		return // the client gave up; there is nobody to answer
	}
	if f.inOutage(elapsed) {
		if f.OutageMode == OutageReset {
			s.drop(w, r)
			return
		}
		s.injected(w, http.StatusServiceUnavailable, f.RetryAfter, "service unavailable (injected outage)")
		return
	}
	if f.throttled(elapsed) {
		s.injected(w, http.StatusTooManyRequests, max(f.RetryAfter, 1), "throttled (injected fault)")
		return
	}
	t, key, aerr := s.authenticate(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.note = " tier=" + t
	if wait := s.rateLimit(key, t); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		writeError(w, errorf(http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "rate limit of the %s tier exceeded; retry in %ds", t, wait))
		return
	}
	if s.roll(f.ErrorRate) {
		s.injected(w, f.ErrorStatus, f.RetryAfter, "injected error")
		return
	}
	body, aerr := s.readBody(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.keepBody(body)
	if s.roll(f.ResetRate) {
		s.drop(w, r)
		return
	}
	raws, aerr := s.parse(body, batch)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var details []Detail
	bad := 0
	for i, raw := range raws {
		d := s.validate(i, raw, f.RejectMarker)
		if len(d) > 0 {
			bad++
		}
		details = append(details, d...)
	}
	if bad > 0 {
		writeError(w, &apiError{http.StatusBadRequest, "INVALID_REQUEST",
			fmt.Sprintf("%d of %d interactions failed validation; nothing was stored", bad, len(raws)), details})
		return
	}
	ids, err := s.save(r.URL.Path, platform, raws)
	if err != nil {
		s.opts.Logf("store: %v", err)
		writeError(w, errorf(http.StatusInternalServerError, "INTERNAL_ERROR", "could not persist the interactions"))
		return
	}
	w.note += fmt.Sprintf(" accepted=%d", len(ids))
	writeJSON(w, http.StatusOK, map[string]any{"accepted": len(ids), "ids": ids})
}

func (s *Server) injected(w *recorder, status, retryAfter int, msg string) {
	if retryAfter > 0 && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeError(w, errorf(status, "INJECTED_FAULT", "%s", msg))
}

// admin lets a request reach the inspection and admin endpoints: with a
// valid key, or with any when the server runs Open.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Open {
		return true
	}
	if _, _, err := s.authenticate(r); err != nil {
		writeError(w, err)
		return false
	}
	return true
}

// save assigns ids, appends to the JSONL file (one write per request) and
// then to memory, so a failed write stores nothing.
func (s *Server) save(path, platform string, raws [][]byte) ([]string, error) {
	now := s.opts.Clock().UTC()
	items := make([]Stored, len(raws))
	ids := make([]string, len(raws))
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	enc.SetEscapeHTML(false)
	for i, raw := range raws {
		ids[i] = newID()
		items[i] = Stored{ID: ids[i], ReceivedAt: now, Path: path, Platform: platform, Interaction: raw}
		if err := enc.Encode(items[i]); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		if _, err := s.store.Write(lines.Bytes()); err != nil {
			return nil, err
		}
	}
	s.items = append(s.items, items...)
	s.stats.InteractionsAccepted += int64(len(items))
	if s.opts.OnStored != nil {
		s.opts.OnStored(items)
	}
	return ids, nil
}

// newID is random rather than a counter so ids stay unique across restarts
// that append to the same JSONL file.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "ix_" + hex.EncodeToString(b[:])
}

func (s *Server) serveInteractions(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodGet, http.MethodDelete) {
		return
	}
	if r.Method == http.MethodDelete {
		s.mu.Lock()
		s.items = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	items := s.Interactions()
	if agent := r.URL.Query().Get("agentId"); agent != "" {
		kept := items[:0]
		for _, it := range items {
			var head struct {
				AgentID string `json:"agentId"`
			}
			if json.Unmarshal(it.Interaction, &head) == nil && head.AgentID == agent {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(items), "items": items})
}

func (s *Server) serveFaults(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r, http.MethodGet, http.MethodPut) {
		return
	}
	if r.Method == http.MethodPut {
		var f Faults
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = json.Unmarshal(body, &f)
		}
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "INVALID_JSON", "faults: %v", err))
			return
		}
		if err := f.Validate(); err != nil {
			writeError(w, errorf(http.StatusBadRequest, "INVALID_REQUEST", "faults: %v", err))
			return
		}
		s.SetFaults(f)
	}
	f, _ := s.currentFaults()
	writeJSON(w, http.StatusOK, f)
}

// sortedTiers lists the tier names, for messages and flag help.
func sortedTiers() []string {
	names := make([]string, 0, len(tiers))
	for n := range tiers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
