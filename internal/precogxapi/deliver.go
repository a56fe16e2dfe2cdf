package precogxapi // import "github.com/precogx/precogxexporter/internal/precogxapi"

import (
	"context"
	"errors"
	"net/http"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// Outcome is what became of one interaction in a delivery.
type Outcome uint8

const (
	// Pending: not tried, because an earlier request must be retried.
	Pending Outcome = iota
	// Delivered: PrecogX took it.
	Delivered
	// Dropped: PrecogX rejected it for good; logged and counted.
	Dropped
	// Retry: its request failed in a way worth retrying.
	Retry
)

// delivery is one call of Deliver.
type delivery struct {
	encoded  [][]byte
	outcomes []Outcome
	dropErrs []error
}

// Deliver sends encoded interactions (each one JSON object) and returns the
// outcome of each with the error: nil when all were delivered, permanent
// when the only failures were rejections (dropped, logged and counted),
// retryable otherwise (the Pending and Retry ones are worth sending again).
func (c *Client) Deliver(ctx context.Context, encoded [][]byte) ([]Outcome, error) {
	d := &delivery{encoded: encoded, outcomes: make([]Outcome, len(encoded))}
	if len(encoded) == 0 {
		return d.outcomes, nil
	}
	var retryErr error
	for _, items := range c.plan(encoded) {
		if retryErr = c.sendItems(ctx, d, items); retryErr != nil {
			break // the rest goes back to the queue untried
		}
	}
	if retryErr != nil {
		c.tel.PrecogxRetries.Add(ctx, 1)
		return d.outcomes, errors.Join(append(d.dropErrs, retryErr)...)
	}
	if len(d.dropErrs) > 0 {
		return d.outcomes, consumererror.NewPermanent(errors.Join(d.dropErrs...))
	}
	return d.outcomes, nil
}

// sendItems sends one request; when PrecogX rejects a batch as invalid
// (400) or too large (413), it splits the batch until the rejected
// interactions are isolated, and delivers the rest.
func (c *Client) sendItems(ctx context.Context, d *delivery, items []int) error {
	path, body := c.body(d.encoded, items)
	err := c.send(ctx, path, body)
	body.release()
	if err == nil {
		d.set(items, Delivered)
		c.tel.PrecogxInteractionsSent.Add(ctx, int64(len(items)))
		return nil
	}
	if !consumererror.IsPermanent(err) {
		d.set(items, Retry)
		return err
	}
	h, isHTTP := errors.AsType[*httpError](err)
	if isHTTP && len(items) > 1 && (h.Status == http.StatusBadRequest || h.Status == http.StatusRequestEntityTooLarge) {
		mid := len(items) / 2
		if err := c.sendItems(ctx, d, items[:mid]); err != nil {
			return err
		}
		return c.sendItems(ctx, d, items[mid:])
	}
	d.set(items, Dropped)
	c.tel.PrecogxInteractionsFailed.Add(ctx, int64(len(items)), metric.WithAttributes(attribute.String("reason", reasonOf(err))))
	if !c.authFailure(err) {
		c.logger.Error("PrecogX rejected interactions; dropping them", zap.Int("interactions", len(items)), zap.Error(err))
	}
	if isHTTP {
		err = h // wrapped once, by Deliver
	}
	d.dropErrs = append(d.dropErrs, err)
	return nil
}

func (d *delivery) set(items []int, o Outcome) {
	for _, i := range items {
		d.outcomes[i] = o
	}
}

// plan groups interactions into requests within the configured limits.
func (c *Client) plan(encoded [][]byte) [][]int {
	if c.set.Integration != "" {
		reqs := make([][]int, len(encoded))
		for i := range encoded {
			reqs[i] = []int{i}
		}
		return reqs
	}
	var reqs [][]int
	var cur []int
	size := batchOverhead
	for i, b := range encoded {
		if len(cur) > 0 && (len(cur) >= c.set.MaxBatch || size+len(b)+1 > c.set.MaxRequestBytes) {
			reqs = append(reqs, cur)
			cur, size = nil, batchOverhead
		}
		cur = append(cur, i)
		size += len(b) + 1
	}
	return append(reqs, cur)
}

const batchOverhead = len(`{"interactions":[]}`)

// body returns the path and body of a request for items; the caller
// releases the body.
func (c *Client) body(encoded [][]byte, items []int) (string, *requestBody) {
	if c.set.Integration != "" {
		return "/integrations/" + c.set.Integration + "/telemetry", copyBody(encoded[items[0]])
	}
	if len(items) == 1 {
		return "/telemetry/ingest", copyBody(encoded[items[0]])
	}
	size := batchOverhead
	for _, i := range items {
		size += len(encoded[i]) + 1
	}
	b := newRequestBody(size)
	body := append(*b.buf, `{"interactions":[`...)
	for n, i := range items {
		if n > 0 {
			body = append(body, ',')
		}
		body = append(body, encoded[i]...)
	}
	*b.buf = append(body, ']', '}')
	return "/telemetry/batch", b
}
