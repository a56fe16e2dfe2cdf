package precogxapi // import "github.com/precogx/precogxexporter/internal/precogxapi"

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// requestBody is a request's JSON in a pooled buffer. Building each batch
// body in a fresh slice was a third of the exporter's own allocation under
// load. The buffer goes back to the pool only when the sender is done and
// the transport closed every reader of it: a transport may still read a
// body after RoundTrip returns, and reads it again through GetBody when it
// retries on a fresh connection (http.RoundTripper).
type requestBody struct {
	buf  *[]byte
	refs atomic.Int32
	put  func(*[]byte)
}

var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody keeps one huge request from pinning its buffer.
const maxPooledBody = 8 << 20

func putBody(b *[]byte) {
	if cap(*b) <= maxPooledBody {
		*b = (*b)[:0]
		bodyBuffers.Put(b)
	}
}

// newRequestBody returns an empty body of capacity size; the caller holds
// a reference until it calls release.
func newRequestBody(size int) *requestBody {
	b := &requestBody{buf: bodyBuffers.Get().(*[]byte), put: putBody}
	if cap(*b.buf) < size {
		*b.buf = make([]byte, 0, size)
	}
	b.refs.Store(1)
	return b
}

// copyBody is a body holding a copy of data: encoded interactions go back
// to their pool when Deliver returns, a transport may read later.
func copyBody(data []byte) *requestBody {
	b := newRequestBody(len(data))
	*b.buf = append(*b.buf, data...)
	return b
}

func (b *requestBody) release() {
	if b.refs.Add(-1) == 0 {
		b.put(b.buf)
	}
}

// reader is a reader of the body that holds a reference until closed.
func (b *requestBody) reader() io.ReadCloser {
	b.refs.Add(1)
	return &bodyReader{Reader: bytes.NewReader(*b.buf), body: b}
}

// attach makes b the body of req, as http.NewRequest does for a
// bytes.Reader: its length, and GetBody for a retry on a fresh connection.
func (b *requestBody) attach(req *http.Request) {
	req.Body = b.reader()
	req.ContentLength = int64(len(*b.buf))
	req.GetBody = func() (io.ReadCloser, error) { return b.reader(), nil }
}

type bodyReader struct {
	*bytes.Reader
	body   *requestBody
	closed atomic.Bool
}

func (r *bodyReader) Close() error {
	if r.closed.CompareAndSwap(false, true) {
		r.body.release()
	}
	return nil
}
