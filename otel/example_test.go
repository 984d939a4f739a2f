package nexwayotel_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	nexwayotel "github.com/nexway-go/nexway/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A client observed with the SDK's providers; here an in-memory exporter
// and a manual reader stand for a real exporter. The fake Nexway answers
// the first request with a 503, so the call is sent twice.
func ExampleNewObserver() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())

	obs, err := nexwayotel.NewObserver(nexwayotel.WithTracerProvider(tp), nexwayotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	srv, err := nexwaytest.StartServer(nexwaytest.WithClientOptions(nexway.WithObserver(obs)))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.InjectFault(nexwaytest.RouteStock, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503})

	if _, err := srv.Client.Stock.Status(context.Background(), []nexway.ProductRef{733551}); err != nil {
		log.Fatal(err)
	}
	for _, s := range spans.GetSpans() { // in the order they ended
		fmt.Println(s.Name, s.SpanKind)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	var names []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		names = append(names, m.Name+" ("+m.Unit+")")
	}
	slices.Sort(names)
	fmt.Println(names)
	// Output:
	// POST /connect/stock client
	// POST /connect/stock client
	// nexway StockStatus client
	// [nexway.client.attempts ({attempt}) nexway.client.call.duration (s)]
}
