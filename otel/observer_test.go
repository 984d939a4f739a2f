package nexwayotel_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// checkCallSpan checks the span of a call and of each of its attempts, in
// order, and returns the attempts.
func checkCallSpan(t *testing.T, tel *telemetry, parent trace.SpanContext, name string, want map[string]string, attempts ...map[string]string) []tracetest.SpanStub {
	t.Helper()
	call := tel.span(t, name)
	if call.SpanKind != trace.SpanKindClient {
		t.Errorf("%s: kind %v, want client", name, call.SpanKind)
	}
	if call.Parent.SpanID() != parent.SpanID() || call.SpanContext.TraceID() != parent.TraceID() {
		t.Errorf("%s is not a child of the span it was called in", name)
	}
	sameMap(t, name, attrs(call.Attributes), want)
	var got []tracetest.SpanStub
	for _, c := range tel.children(call) {
		if !strings.HasPrefix(c.Name, "nexway ") { // a call made within this one is not an attempt
			got = append(got, c)
		}
	}
	if len(got) != len(attempts) {
		t.Fatalf("%s: %d attempt spans, want %d", name, len(got), len(attempts))
	}
	for i, a := range got {
		what := name + " attempt " + strconv.Itoa(i+1)
		if a.SpanKind != trace.SpanKindClient || a.SpanContext.TraceID() != call.SpanContext.TraceID() {
			t.Errorf("%s: kind %v, trace %v", what, a.SpanKind, a.SpanContext.TraceID())
		}
		if a.StartTime.Before(call.StartTime) || a.EndTime.After(call.EndTime) || (i > 0 && a.StartTime.Before(got[i-1].EndTime)) {
			t.Errorf("%s: from %v to %v, outside the call or overlapping the attempt before", what, a.StartTime, a.EndTime)
		}
		sameMap(t, what, attrs(a.Attributes), attempts[i])
		if len(tel.children(a)) != 0 {
			t.Errorf("%s has children", what)
		}
	}
	return got
}

func checkStatus(t *testing.T, what string, s tracetest.SpanStub, code codes.Code, description string) {
	t.Helper()
	if s.Status.Code != code || !strings.Contains(s.Status.Description, description) || (description == "" && s.Status.Description != "") {
		t.Errorf("%s: status %v %q, want %v %q", what, s.Status.Code, s.Status.Description, code, description)
	}
}

func checkCounts(t *testing.T, name string, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %v, want %v", name, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", name, got, want)
			return
		}
	}
}

// checkDurations checks that the call duration histogram holds one call
// for each attribute set of want, each lasting about as long as its span
// (the client's clock starts a little before the span): in seconds.
func checkDurations(t *testing.T, tel *telemetry, want map[string]tracetest.SpanStub) {
	t.Helper()
	got := tel.durations(t)
	if len(got) != len(want) {
		t.Errorf("%s: %d attribute sets, want %d: %v", "call duration", len(got), len(want), got)
	}
	for k, span := range want {
		dp, ok := got[k]
		spanSeconds := span.EndTime.Sub(span.StartTime).Seconds()
		if !ok || dp.Count != 1 || dp.Sum <= 0 || dp.Sum > 2*spanSeconds+1e-3 || dp.Sum < spanSeconds/2 {
			t.Errorf("call duration %s: %+v (found %v), want one call of about %.6fs", k, dp, ok, spanSeconds)
		}
	}
}

// A read that meets a 503 and succeeds on its resend: one call span, two
// attempt spans under it, and the metrics of one call in two attempts.
func TestRetriedCall(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	srv := tel.server(t)
	host, port := serverAttrs(t, srv)
	srv.InjectFault(nexwaytest.RouteStock, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503})
	ctx, parent := tel.parent(context.Background())
	if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err != nil {
		t.Fatal(err)
	}
	parent.End()

	req := map[string]string{"nexway.operation": "StockStatus", "http.request.method": "POST",
		"url.scheme": "http", "server.address": host, "server.port": port, "url.template": "/connect/stock"}
	got := checkCallSpan(t, tel, parent.SpanContext(), "nexway StockStatus",
		with(req, "nexway.attempts=2", "http.response.status_code=200", "nexway.response_code=0", "nexway.ambiguous=false", "nexway.outcome=ok"),
		with(req, "nexway.attempt=1", "http.response.status_code=503", "error.type=503",
			"nexway.retry=true", "nexway.retry.reason=HTTP 503", "nexway.maybe_processed=true"),
		with(req, "nexway.attempt=2", "http.request.resend_count=1", "http.response.status_code=200", "nexway.response_code=0",
			"nexway.retry=false", "nexway.retry.reason=answered", "nexway.maybe_processed=false"),
	)
	if got[0].Name != "POST /connect/stock" {
		t.Errorf("attempt span named %q", got[0].Name)
	}
	checkStatus(t, "call", tel.span(t, "nexway StockStatus"), codes.Unset, "")
	checkStatus(t, "attempt 1", got[0], codes.Error, "")
	checkStatus(t, "attempt 2", got[1], codes.Unset, "")

	checkDurations(t, tel, map[string]tracetest.SpanStub{"nexway.operation=StockStatus,nexway.outcome=ok": tel.span(t, "nexway StockStatus")})
	checkCounts(t, "attempts", tel.counts(t, "nexway.client.attempts"), map[string]int64{
		"http.response.status_code=503,nexway.operation=StockStatus,nexway.retry=true":  1,
		"http.response.status_code=200,nexway.operation=StockStatus,nexway.retry=false": 1,
	})
	checkCounts(t, "errors", tel.counts(t, "nexway.client.errors"), map[string]int64{})
}

// attempt is the attributes of attempt n of a request of attributes req.
func attempt(req map[string]string, n int, retry bool, reason string, kv ...string) map[string]string {
	a := with(req, append(kv, "nexway.attempt="+strconv.Itoa(n), "nexway.retry="+strconv.FormatBool(retry), "nexway.retry.reason="+reason)...)
	if n > 1 {
		a["http.request.resend_count"] = strconv.Itoa(n - 1)
	}
	return a
}

// A create whose every answer is lost, and whose read-back fails too: the
// create's span says its outcome is unknown, and the read-back's attempts
// are attempts of the create, marked as its part.
func TestAmbiguousCreate(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	srv := tel.server(t)
	host, port := serverAttrs(t, srv)
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultLoseResponse, Times: 4})
	srv.InjectFault(nexwaytest.RouteGetOrder, nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503, Times: 4})
	ctx, parent := tel.parent(context.Background())
	_, err := srv.Client.Orders.Create(ctx, order("AMBIGUOUS-1", "jane.doe@example.com"))
	parent.End()
	if !errors.Is(err, nexway.ErrAmbiguous) {
		t.Fatalf("Create: %v, want ErrAmbiguous", err)
	}

	create := map[string]string{"nexway.operation": "CreateOrder", "http.request.method": "POST",
		"url.scheme": "http", "server.address": host, "server.port": port, "url.template": "/connect/order/new"}
	lost := func(n int, retry bool, reason string) map[string]string {
		return attempt(create, n, retry, reason, "error.type=connection", "nexway.maybe_processed=true")
	}
	get := map[string]string{"nexway.operation": "GetOrder", "http.request.method": "GET",
		"url.scheme": "http", "server.address": host, "server.port": port, "url.template": "/connect/order/{partnerOrderNumber}"}
	failed := func(n int, retry bool, reason string) map[string]string {
		return with(get, "nexway.attempt="+strconv.Itoa(n), "nexway.retry="+strconv.FormatBool(retry), "nexway.retry.reason="+reason,
			"nexway.part=read-back", "http.response.status_code=503", "error.type=503", "nexway.maybe_processed=true")
	}
	attempts := checkCallSpan(t, tel, parent.SpanContext(), "nexway CreateOrder",
		with(create, "nexway.attempts=8", "nexway.read_backs=4", "nexway.ambiguous=true", "nexway.outcome=ambiguous", "error.type=ambiguous"),
		lost(1, true, "no answer"), lost(2, true, "no answer"), lost(3, true, "no answer"),
		lost(4, false, "attempts exhausted; last: no answer"),
		failed(5, true, "HTTP 503"), failed(6, true, "HTTP 503"), failed(7, true, "HTTP 503"), failed(8, false, "attempts exhausted; last: HTTP 503"))
	checkStatus(t, "create", tel.span(t, "nexway CreateOrder"), codes.Error, "outcome unknown")
	for i, a := range attempts {
		if a.Status.Code != codes.Error || (i < 4 && a.Status.Description == "") {
			t.Errorf("attempt %d: status %v %q, want an error", i+1, a.Status.Code, a.Status.Description)
		}
	}
	if attempts[4].Name != "GET /connect/order/{partnerOrderNumber}" {
		t.Errorf("read-back attempt named %q", attempts[4].Name)
	}

	checkDurations(t, tel, map[string]tracetest.SpanStub{
		"nexway.operation=CreateOrder,nexway.outcome=ambiguous": tel.span(t, "nexway CreateOrder"),
	})
	checkCounts(t, "attempts", tel.counts(t, "nexway.client.attempts"), map[string]int64{
		"nexway.operation=CreateOrder,nexway.retry=true":                             3,
		"nexway.operation=CreateOrder,nexway.retry=false":                            1,
		"http.response.status_code=503,nexway.operation=GetOrder,nexway.retry=true":  3,
		"http.response.status_code=503,nexway.operation=GetOrder,nexway.retry=false": 1,
	})
	checkCounts(t, "errors", tel.counts(t, "nexway.client.errors"), map[string]int64{
		"error.type=ambiguous,nexway.operation=CreateOrder": 1,
	})
}

// A read that Nexway refuses with a code: one attempt, answered, and a
// call that failed with the kind its code means.
func TestPlainFailure(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	srv := tel.server(t)
	host, port := serverAttrs(t, srv)
	ctx, parent := tel.parent(context.Background())
	_, err := srv.Client.Orders.Get(ctx, "NO-SUCH-ORDER")
	parent.End()
	if !errors.Is(err, nexway.ErrNotFound) {
		t.Fatalf("Get: %v, want ErrNotFound", err)
	}
	req := map[string]string{"nexway.operation": "GetOrder", "http.request.method": "GET",
		"url.scheme": "http", "server.address": host, "server.port": port, "url.template": "/connect/order/{partnerOrderNumber}"}
	answered := "http.response.status_code=200"
	attempts := checkCallSpan(t, tel, parent.SpanContext(), "nexway GetOrder",
		with(req, "nexway.attempts=1", answered, "nexway.response_code=1010", "nexway.ambiguous=false", "nexway.outcome=error", "error.type=not_found"),
		with(req, "nexway.attempt=1", answered, "nexway.response_code=1010", "nexway.retry=false", "nexway.retry.reason=answered", "nexway.maybe_processed=false"))
	checkStatus(t, "call", tel.span(t, "nexway GetOrder"), codes.Error, "order not found")
	checkStatus(t, "attempt", attempts[0], codes.Unset, "")
	for _, s := range tel.spans.GetSpans() {
		if strings.Contains(s.Name, "NO-SUCH-ORDER") {
			t.Errorf("span %q names the order", s.Name)
		}
	}

	checkDurations(t, tel, map[string]tracetest.SpanStub{"nexway.operation=GetOrder,nexway.outcome=error": tel.span(t, "nexway GetOrder")})
	checkCounts(t, "attempts", tel.counts(t, "nexway.client.attempts"), map[string]int64{
		"http.response.status_code=200,nexway.operation=GetOrder,nexway.retry=false": 1,
	})
	checkCounts(t, "errors", tel.counts(t, "nexway.client.errors"), map[string]int64{
		"error.type=not_found,nexway.operation=GetOrder": 1,
	})
}

// One Observer serves concurrent calls: every attempt ends up under its
// own call, every call under its caller's span, and the metrics count
// them all.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	const callers, calls = 8, 5
	tel := newTelemetry(t)
	srv := tel.server(t)
	parents := make(chan trace.SpanContext, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			ctx, parent := tel.parent(context.Background())
			defer parent.End()
			parents <- parent.SpanContext()
			for range calls {
				if _, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(parents)
	callerOf := map[trace.SpanID]int{}
	for p := range parents {
		callerOf[p.SpanID()] = 0
	}
	callSpans := map[trace.SpanID]bool{}
	for _, s := range tel.spans.GetSpans() {
		if n, ok := callerOf[s.Parent.SpanID()]; ok && s.Name == "nexway StockStatus" {
			callerOf[s.Parent.SpanID()] = n + 1
			callSpans[s.SpanContext.SpanID()] = true
		}
	}
	attempts := 0
	for _, s := range tel.spans.GetSpans() {
		if s.Name == "POST /connect/stock" && callSpans[s.Parent.SpanID()] {
			attempts++
		}
	}
	for id, n := range callerOf {
		if n != calls {
			t.Errorf("caller %v has %d call spans, want %d", id, n, calls)
		}
	}
	if len(callSpans) != callers*calls || attempts != callers*calls {
		t.Errorf("%d call spans, %d attempt spans under them; want %d each", len(callSpans), attempts, callers*calls)
	}
	checkCounts(t, "attempts", tel.counts(t, "nexway.client.attempts"), map[string]int64{
		"http.response.status_code=200,nexway.operation=StockStatus,nexway.retry=false": callers * calls,
	})
	if d := tel.durations(t)["nexway.operation=StockStatus,nexway.outcome=ok"]; d.Count != callers*calls {
		t.Errorf("%d call durations, want %d", d.Count, callers*calls)
	}
}
