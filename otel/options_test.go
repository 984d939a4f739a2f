package nexwayotel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nexway-go/nexway"
	nexwayotel "github.com/nexway-go/nexway/otel"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestNilProvidersRefused(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]nexwayotel.Option{
		"WithTracerProvider": nexwayotel.WithTracerProvider(nil),
		"WithMeterProvider":  nexwayotel.WithMeterProvider(nil),
	} {
		obs, err := nexwayotel.NewObserver(opt)
		if obs != nil || err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s(nil): %v, %v", name, obs, err)
		}
	}
}

// Without options, the Observer uses the providers set globally before it
// was made. Not parallel: it sets them.
func TestGlobalProviders(t *testing.T) {
	prevT, prevM := otel.GetTracerProvider(), otel.GetMeterProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prevT); otel.SetMeterProvider(prevM) })
	spans := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))

	obs, err := nexwayotel.NewObserver()
	if err != nil {
		t.Fatal(err)
	}
	ctx := obs.StartCall(context.Background(), nexway.CallInfo{Operation: "StockStatus", Method: "POST", Path: "/connect/stock", Host: "api.nexway.store"})
	obs.EndCall(ctx, nexway.CallInfo{Operation: "StockStatus"}, nexway.CallResult{Attempts: 1, HTTPStatus: 200})
	if got := spans.GetSpans(); len(got) != 1 || got[0].Name != "nexway StockStatus" || got[0].InstrumentationScope.Name != nexwayotel.ScopeName {
		t.Errorf("spans: %v", got)
	}
	tel := &telemetry{reader: reader}
	if d := tel.durations(t); len(d) != 1 {
		t.Errorf("call durations: %v", d)
	}
}
