package nexwayotel

import (
	"errors"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Option configures an Observer.
type Option func(*config) error

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider makes the Observer create its spans with tp instead of
// the global provider (otel.GetTracerProvider). A nil tp is refused.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return errors.New("nexwayotel: WithTracerProvider needs a provider")
		}
		c.tp = tp
		return nil
	}
}

// WithMeterProvider makes the Observer record its metrics with mp instead
// of the global provider (otel.GetMeterProvider). A nil mp is refused.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) error {
		if mp == nil {
			return errors.New("nexwayotel: WithMeterProvider needs a provider")
		}
		c.mp = mp
		return nil
	}
}
