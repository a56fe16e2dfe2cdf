package devserver

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
)

// bodyStore writes every API request body, as received after
// decompression and before any check, to a file of its own in a directory
// (Options.BodiesDir), so that tests can search what was really sent, for
// instance for personal data that redaction must have masked.
type bodyStore struct {
	n atomic.Int64
}

func (s *Server) keepBody(body []byte) {
	if s.opts.BodiesDir == "" {
		return
	}
	name := filepath.Join(s.opts.BodiesDir, fmt.Sprintf("body-%06d.json", s.bodies.n.Add(1)))
	if err := os.WriteFile(name, body, 0o600); err != nil {
		s.opts.Logf("bodies: %v", err)
	}
}
