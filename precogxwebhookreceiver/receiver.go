package precogxwebhookreceiver // import "github.com/precogx/precogxexporter/precogxwebhookreceiver"

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/precogxwebhookreceiver/internal/metadata"
)

// Codes of answers that are not about the body's content.
const (
	codeNotFound         = "NOT_FOUND"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	codePayloadTooLarge  = "PAYLOAD_TOO_LARGE"
	codeUnauthorized     = "UNAUTHORIZED"
	codeUnavailable      = "SERVICE_UNAVAILABLE"
	codeInternal         = "INTERNAL_ERROR"
)

type webhookReceiver struct {
	cfg    *Config
	set    receiver.Settings
	next   consumer.Logs
	obsrep *receiverhelper.ObsReport

	server *http.Server
	addr   net.Addr // where it listens, once started
	wg     sync.WaitGroup
}

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Logs) (*webhookReceiver, error) {
	obsrep, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	return &webhookReceiver{cfg: cfg, set: set, next: next, obsrep: obsrep}, nil
}

// Start listens on the configured endpoint, with TLS and the authenticator
// when configured, as the OTLP receiver's HTTP server does.
func (r *webhookReceiver) Start(ctx context.Context, host component.Host) error {
	srv, err := r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), r.set.TelemetrySettings, http.HandlerFunc(r.serveHTTP),
		confighttp.WithErrorHandler(r.serverError))
	if err != nil {
		return err
	}
	ln, err := r.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return err
	}
	r.server, r.addr = srv, ln.Addr()
	r.set.Logger.Info("Starting HTTP server", zap.String("endpoint", ln.Addr().String()), zap.String("path", r.cfg.Path))
	r.wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	})
	return nil
}

// Shutdown stops accepting requests and waits for the ones in flight.
func (r *webhookReceiver) Shutdown(ctx context.Context) error {
	if r.server == nil {
		return nil
	}
	err := r.server.Shutdown(ctx)
	r.wg.Wait()
	return err
}

// outcome is what one request was answered; only it, event and severity are
// logged above debug level (never details, never a refused body).
type outcome struct {
	status          int
	code, field     string
	event, severity string
}

func (r *webhookReceiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	received := time.Now()
	o := r.handle(w, req, received)
	fields := []zap.Field{zap.Int("status", o.status), zap.String("path", req.URL.Path)}
	if o.code != "" {
		fields = append(fields, zap.String("code", o.code))
	}
	if o.field != "" {
		fields = append(fields, zap.String("field", o.field))
	}
	if o.event != "" {
		fields = append(fields, zap.String("event", o.event), zap.String("severity", o.severity))
	}
	if o.status >= http.StatusInternalServerError {
		r.set.Logger.Warn("Alert refused by the pipeline", fields...)
		return
	}
	r.set.Logger.Debug("Webhook request", fields...)
}

func (r *webhookReceiver) handle(w http.ResponseWriter, req *http.Request, received time.Time) outcome {
	if req.URL.Path != r.cfg.Path {
		return writeError(w, http.StatusNotFound, codeNotFound, "", "no webhook at this path")
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "", "only POST is allowed")
	}
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedMedia, "", "Content-Type must be application/json")
	}
	// confighttp bounds the body, decoded or not, by max_request_body_size.
	body, err := io.ReadAll(req.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return writeError(w, http.StatusRequestEntityTooLarge, codePayloadTooLarge, "",
				"the body exceeds "+strconv.FormatInt(r.cfg.MaxRequestBodySize, 10)+" bytes")
		}
		return writeError(w, http.StatusBadRequest, codeInvalidRequest, "", "could not read the body")
	}
	a, derr := decodeAlert(body)
	if derr != nil {
		return writeError(w, http.StatusBadRequest, derr.code, derr.field, derr.message)
	}

	lb := metadata.NewLogsBuilder(r.set)
	lr := plog.NewLogRecord()
	a.toLogRecord(received, lr)
	lb.AppendLogRecord(lr)
	ld := lb.Emit()

	ctx := r.obsrep.StartLogsOp(req.Context())
	err = r.next.ConsumeLogs(ctx, ld)
	r.obsrep.EndLogsOp(ctx, "json", 1, err)

	o := outcome{status: http.StatusOK, event: a.event, severity: a.severity.v}
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
		return o
	case consumererror.IsPermanent(err):
		o.status, o.code = http.StatusInternalServerError, codeInternal
		writeJSON(w, o.status, errorBody(o.code, "", "the collector refused the alert"))
	default:
		o.status, o.code = http.StatusServiceUnavailable, codeUnavailable
		writeJSON(w, o.status, errorBody(o.code, "", "the collector cannot take the alert now; retry later"))
	}
	r.set.Logger.Debug("Pipeline error", zap.Error(err))
	return o
}

// serverError answers confighttp's own refusals (authentication, content
// decoding) in the API's error shape.
func (r *webhookReceiver) serverError(w http.ResponseWriter, req *http.Request, msg string, status int) {
	code := codeInvalidRequest
	if status == http.StatusUnauthorized {
		// the authenticator's message stays in the debug log
		code, msg = codeUnauthorized, "authentication failed"
	}
	r.set.Logger.Debug("Webhook request refused by the server", zap.Int("status", status), zap.String("path", req.URL.Path))
	writeError(w, status, code, "", msg)
}

type apiError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

func errorBody(code, field, msg string) map[string]apiError {
	details := map[string]any{}
	if field != "" {
		details["field"] = field
	}
	return map[string]apiError{"error": {Code: code, Message: msg, Details: details}}
}

func writeError(w http.ResponseWriter, status int, code, field, msg string) outcome {
	writeJSON(w, status, errorBody(code, field, msg))
	return outcome{status: status, code: code, field: field}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
