package nexwayotel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

const (
	canarySecret       = "canarySecret7f3a"
	canaryClientSecret = "canary-client-secret-91b"
	canaryEmail        = "canary.shopper@example.org"
)

// No secret, token or customer e-mail reaches a span or a metric, through
// successes, refusals, lost answers, an ambiguous create, a failed token
// request and an e-mail passed where an order number goes.
func TestNoSecretsInTelemetry(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	srv := tel.server(t, nexwaytest.WithAccount(canarySecret, "canary-realm", canaryClientSecret))
	ctx := context.Background()
	c := srv.Client

	srv.InjectFault(nexwaytest.RouteToken, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503})
	_, _ = c.Stock.Status(ctx, []nexway.ProductRef{733551})
	if _, err := c.Orders.Create(ctx, order("CANARY-1", canaryEmail)); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Orders.Create(ctx, order("CANARY-1", canaryEmail)) // a duplicate
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultLoseResponse, Times: 4})
	srv.InjectFault(nexwaytest.RouteGetOrder, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 500, Times: 4})
	_, _ = c.Orders.Create(ctx, order("CANARY-2", canaryEmail))
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultLoseResponse})
	if _, err := c.Orders.Create(ctx, order("CANARY-3", canaryEmail)); err != nil {
		t.Fatal(err) // settled by reading the order back
	}
	_, _ = c.Orders.Get(ctx, canaryEmail)
	_, _ = c.Downloads.Info(ctx, canaryEmail)

	canaries := []string{canarySecret, canaryClientSecret, canaryEmail, "canary.shopper"}
	for _, r := range srv.Requests() {
		if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			canaries = append(canaries, token)
		}
	}
	if len(canaries) < 8 {
		t.Fatalf("only %d tokens were sent", len(canaries)-4)
	}
	texts := tel.texts(t)
	if len(texts) < 100 {
		t.Fatalf("the telemetry holds %d texts", len(texts))
	}
	for _, text := range texts {
		for _, c := range canaries {
			if strings.Contains(strings.ToLower(text), strings.ToLower(c)) {
				t.Errorf("%q in %q", c, text)
			}
		}
	}
}

// texts returns everything the spans and metrics hold as text: span names,
// attributes, events, links and status descriptions, and the attributes of
// every metric point and exemplar.
func (tel *telemetry) texts(t *testing.T) []string {
	var out []string
	add := func(kvs ...attribute.KeyValue) {
		for _, kv := range kvs {
			out = append(out, string(kv.Key)+"="+kv.Value.String())
		}
	}
	for _, s := range tel.spans.GetSpans() {
		out = append(out, s.Name, s.Status.Description)
		add(s.Attributes...)
		for _, e := range s.Events {
			out = append(out, e.Name)
			add(e.Attributes...)
		}
		for _, l := range s.Links {
			add(l.Attributes...)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes.ToSlice()...)
					for _, e := range dp.Exemplars {
						add(e.FilteredAttributes...)
					}
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes.ToSlice()...)
					for _, e := range dp.Exemplars {
						add(e.FilteredAttributes...)
					}
				}
			default:
				t.Errorf("metric %s of an unexpected type %T", m.Name, m.Data)
			}
		}
	}
	return out
}
