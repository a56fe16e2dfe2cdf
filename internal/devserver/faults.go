package devserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// Faults configures injected failures; the zero value injects nothing.
// Windows (outage, throttle) are measured from the moment the Faults were
// installed by New or SetFaults. In JSON, durations are Go duration strings
// ("1.5s") or numbers of seconds.
type Faults struct {
	// ErrorRate is the fraction of authenticated POSTs answered with
	// ErrorStatus (default 503) and an INJECTED_FAULT body.
	ErrorRate   float64 `json:"error_rate"`
	ErrorStatus int     `json:"error_status"`
	// RetryAfter (seconds) is sent with injected 429/503 answers when > 0;
	// the throttle window always sends at least 1.
	RetryAfter int `json:"retry_after"`
	// Seed makes the ErrorRate and ResetRate draws repeatable.
	Seed uint64 `json:"seed"`
	// Latency delays every API POST; the wait ends early if the client goes away.
	Latency time.Duration `json:"latency"`
	// During [OutageStart, OutageStart+OutageDuration) every API POST gets a
	// 503 (OutageMode "status", the default) or a dropped connection ("reset").
	OutageStart    time.Duration `json:"outage_start"`
	OutageDuration time.Duration `json:"outage_duration"`
	OutageMode     string        `json:"outage_mode"`
	// ResetRate is the fraction of POSTs whose connection is dropped after the
	// body was read, without any answer.
	ResetRate float64 `json:"reset_rate"`
	// RejectMarker makes every interaction whose prompt contains it invalid.
	RejectMarker string `json:"reject_marker"`
	// ThrottleFor answers every API POST with 429 for that long.
	ThrottleFor time.Duration `json:"throttle_for"`
}

// Outage modes.
const (
	OutageStatus = "status"
	OutageReset  = "reset"
)

// Validate reports out-of-range settings.
func (f Faults) Validate() error {
	var errs []error
	for name, r := range map[string]float64{"error_rate": f.ErrorRate, "reset_rate": f.ResetRate} {
		if r < 0 || r > 1 {
			errs = append(errs, fmt.Errorf("%s must be within [0,1], got %v", name, r))
		}
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		errs = append(errs, fmt.Errorf("error_status must be a 4xx or 5xx status, got %d", f.ErrorStatus))
	}
	if f.RetryAfter < 0 {
		errs = append(errs, errors.New("retry_after must be >= 0"))
	}
	if f.Latency < 0 || f.OutageStart < 0 || f.OutageDuration < 0 || f.ThrottleFor < 0 {
		errs = append(errs, errors.New("durations must be >= 0"))
	}
	if f.OutageMode != "" && f.OutageMode != OutageStatus && f.OutageMode != OutageReset {
		errs = append(errs, fmt.Errorf("outage_mode must be %q or %q, got %q", OutageStatus, OutageReset, f.OutageMode))
	}
	return errors.Join(errs...)
}

func (f Faults) withDefaults() Faults {
	if f.ErrorStatus == 0 {
		f.ErrorStatus = http.StatusServiceUnavailable
	}
	if f.OutageMode == "" {
		f.OutageMode = OutageStatus
	}
	return f
}

// duration is the JSON form of a time.Duration: "2s" out, "2s" or 2 in.
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := time.ParseDuration(s)
		*d = duration(v)
		return err
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return errors.New(`duration must be a string like "1.5s" or a number of seconds`)
	}
	*d = duration(secs * float64(time.Second))
	return nil
}

// faultsJSON shadows the duration fields of Faults (outer fields win over
// embedded ones in encoding/json).
type faultsJSON struct {
	*plainFaults
	Latency        *duration `json:"latency"`
	OutageStart    *duration `json:"outage_start"`
	OutageDuration *duration `json:"outage_duration"`
	ThrottleFor    *duration `json:"throttle_for"`
}

type plainFaults Faults

func (f Faults) MarshalJSON() ([]byte, error) {
	d := func(v time.Duration) *duration { x := duration(v); return &x }
	return json.Marshal(faultsJSON{(*plainFaults)(&f), d(f.Latency), d(f.OutageStart), d(f.OutageDuration), d(f.ThrottleFor)})
}

// UnmarshalJSON rejects unknown fields so a typo does not silently disable a fault.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var aux faultsJSON
	aux.plainFaults = &plainFaults{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	*f = Faults(*aux.plainFaults)
	for dst, src := range map[*time.Duration]*duration{&f.Latency: aux.Latency, &f.OutageStart: aux.OutageStart, &f.OutageDuration: aux.OutageDuration, &f.ThrottleFor: aux.ThrottleFor} {
		if src != nil {
			*dst = time.Duration(*src)
		}
	}
	return nil
}

// faultState is the installed Faults plus what the windows and draws need.
type faultState struct {
	Faults
	since time.Time
	rng   *rand.Rand
}

// SetFaults replaces the injected faults, restarting their windows and their
// random sequence. Out-of-range values should be checked with Validate first.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

func (s *Server) setFaultsLocked(f Faults) {
	f = f.withDefaults()
	s.faults = faultState{Faults: f, since: s.opts.Clock(), rng: rand.New(rand.NewPCG(f.Seed, f.Seed))}
}

// currentFaults returns the installed faults and the time since they were set.
func (s *Server) currentFaults() (Faults, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Faults, s.opts.Clock().Sub(s.faults.since)
}

// roll draws once from the seeded source; no draw happens when p is 0 so the
// sequence of one fault does not depend on whether the other is enabled.
func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.rng.Float64() < p
}

func (f Faults) inOutage(elapsed time.Duration) bool {
	return f.OutageDuration > 0 && elapsed >= f.OutageStart && elapsed < f.OutageStart+f.OutageDuration
}

func (f Faults) throttled(elapsed time.Duration) bool {
	return f.ThrottleFor > 0 && elapsed < f.ThrottleFor
}

// sleep waits d unless the request is cancelled first; it reports whether
// the full delay elapsed.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// drop closes the client connection without an answer. SO_LINGER 0 turns the
// close into a TCP RST, which is what a crashed proxy or peer looks like.
func (s *Server) drop(w *recorder, r *http.Request) {
	w.dropped = true
	s.account(w, r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // e.g. HTTP/2: aborting is the closest equivalent
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
