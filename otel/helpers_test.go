package nexwayotel_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	nexwayotel "github.com/nexway-go/nexway/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// telemetry is an Observer on the SDK's providers, with an in-memory span
// exporter and a metric reader to read what it made.
type telemetry struct {
	obs    *nexwayotel.Observer
	tp     *sdktrace.TracerProvider
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(tel.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() { tel.tp.Shutdown(context.Background()); mp.Shutdown(context.Background()) })
	var err error
	tel.obs, err = nexwayotel.NewObserver(nexwayotel.WithTracerProvider(tel.tp), nexwayotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	return tel
}

// server starts a fake Nexway whose Client reports to tel.
func (tel *telemetry) server(t *testing.T, opts ...nexwaytest.Option) *nexwaytest.Server {
	return nexwaytest.NewServer(t, append(opts, nexwaytest.WithClientOptions(nexway.WithObserver(tel.obs)))...)
}

// parent starts the span a storefront's own code would have around its
// calls.
func (tel *telemetry) parent(ctx context.Context) (context.Context, trace.Span) {
	return tel.tp.Tracer("storefront").Start(ctx, "checkout")
}

// span returns the one ended span named name; it fails the test if there
// is not exactly one.
func (tel *telemetry) span(t *testing.T, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range tel.spans.GetSpans() {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %q; spans: %v", len(found), name, tel.names())
	}
	return found[0]
}

// children returns the spans whose parent is p, in the order they started.
func (tel *telemetry) children(p tracetest.SpanStub) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range tel.spans.GetSpans() {
		if s.Parent.SpanID() == p.SpanContext.SpanID() && s.Parent.TraceID() == p.SpanContext.TraceID() {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b tracetest.SpanStub) int { return a.StartTime.Compare(b.StartTime) })
	return out
}

func (tel *telemetry) names() []string {
	var out []string
	for _, s := range tel.spans.GetSpans() {
		out = append(out, s.Name)
	}
	return out
}

// attrs renders attributes as key=value, for an exact comparison.
func attrs(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// setKey renders an attribute set as "k=v,k=v" in key order.
func setKey(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(parts, ",")
}

// metrics collects the metrics and returns the one named name, nil when
// none was recorded.
func (tel *telemetry) metric(t *testing.T, name string) *metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for i, m := range sm.Metrics {
			if m.Name == name {
				if sm.Scope.Name != nexwayotel.ScopeName {
					t.Errorf("%s in scope %q", name, sm.Scope.Name)
				}
				return &sm.Metrics[i]
			}
		}
	}
	return nil
}

// counts returns a counter's values by attribute set.
func (tel *telemetry) counts(t *testing.T, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m := tel.metric(t, name)
	if m == nil {
		return out
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok || !sum.IsMonotonic || m.Unit == "" {
		t.Fatalf("%s is %T (unit %q), not a monotonic int64 counter with a unit", name, m.Data, m.Unit)
	}
	for _, dp := range sum.DataPoints {
		out[setKey(dp.Attributes)] = dp.Value
	}
	return out
}

// durations returns the call duration histogram's points by attribute set.
func (tel *telemetry) durations(t *testing.T) map[string]metricdata.HistogramDataPoint[float64] {
	t.Helper()
	out := map[string]metricdata.HistogramDataPoint[float64]{}
	m := tel.metric(t, nexwayotel.MetricCallDuration)
	if m == nil {
		return out
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok || m.Unit != "s" {
		t.Fatalf("%s is %T in %q, not a float64 histogram in seconds", m.Name, m.Data, m.Unit)
	}
	for _, dp := range h.DataPoints {
		out[setKey(dp.Attributes)] = dp
	}
	return out
}

// serverAttrs are server.address and server.port of srv.
func serverAttrs(t *testing.T, srv *nexwaytest.Server) (host, port string) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Hostname(), u.Port()
}

// with returns base with kv added (a "key=value" pair each).
func with(base map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(base)+len(kv))
	for k, v := range base {
		out[k] = v
	}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		out[k] = v
	}
	return out
}

// sameMap reports the differences between got and want.
func sameMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: %s = %q (present %v), want %q", what, k, g, ok, v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s = %q", what, k, v)
		}
	}
}

func order(number, email string) *nexway.CreateOrderRequest {
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: number,
		OrderDate:          nexwaytest.DefaultStartTime(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: 733552, Quantity: 1}},
		Customer: nexway.Customer{
			Email:           email,
			Language:        "en_GB",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", City: "London", Country: "GB"},
		},
	}
}
