package sharedcomponent

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

type fake struct {
	starts, stops int
	startErr      error
	host          component.Host
}

func (f *fake) Start(_ context.Context, host component.Host) error {
	f.starts++
	f.host = host
	return f.startErr
}

func (f *fake) Shutdown(context.Context) error { f.stops++; return nil }

type statusHost struct {
	component.Host
	events []componentstatus.Status
}

func (h *statusHost) Report(e *componentstatus.Event) { h.events = append(h.events, e.Status()) }

func TestStartOnceErrorCachedStatusToEveryPipeline(t *testing.T) {
	m := NewMap[string, *fake]()
	f := &fake{startErr: errors.New("no such authenticator")}
	c1, err := m.LoadOrStore("cfg", func() (*fake, error) { return f, nil })
	require.NoError(t, err)
	c2, err := m.LoadOrStore("cfg", func() (*fake, error) { t.Fatal("created twice"); return nil, nil })
	require.NoError(t, err)
	require.Same(t, c1, c2)

	traces := &statusHost{Host: componenttest.NewNopHost()}
	logs := &statusHost{Host: componenttest.NewNopHost()}
	assert.EqualError(t, c1.Start(context.Background(), traces), "no such authenticator")
	assert.EqualError(t, c2.Start(context.Background(), logs), "no such authenticator", "a failed start fails every pipeline")
	assert.Equal(t, 1, f.starts)

	componentstatus.ReportStatus(f.host, componentstatus.NewRecoverableErrorEvent(errors.New("401")))
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, traces.events)
	assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, logs.events, "status reaches every pipeline")

	require.NoError(t, c1.Shutdown(context.Background()))
	require.NoError(t, c2.Shutdown(context.Background()))
	assert.Equal(t, 1, f.stops)
	c3, err := m.LoadOrStore("cfg", func() (*fake, error) { return &fake{}, nil })
	require.NoError(t, err)
	assert.NotSame(t, c1, c3, "a stopped instance is forgotten")
}
