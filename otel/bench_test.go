package nexwayotel_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	nexwayotel "github.com/nexway-go/nexway/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The benchmarks measure what the Observer adds to a call, on a transport
// that answers from memory (as the root package's BenchmarkOverhead), so
// that the client's own work is all there is besides it. Run them with
//
//	go test -run '^$' -bench . -benchmem -count 10 . | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /observer bench.txt

var (
	stockBody = []byte(`{"responseCode":0,"responseMessage":"OK","productStatus":[` +
		`{"productRef":733551,"status":100,"responseCode":0,"responseMessage":"OK"},` +
		`{"productRef":733558,"status":200,"responseCode":0,"responseMessage":"OK"}]}`)
	orderBody = []byte(`{"responseCode":0,"responseMessage":"OK","partnerOrderNumber":"PARTNER689","orderNumber":12345678,` +
		`"orderLines":[{"productRef":733552,"dateEndDownload":"2024-05-22","files":[{"label":"Setup","type":"exe",` +
		`"url":"https://dl.test/setup.exe","size":123456789.0,"group":"main"}],"lineItems":[{"serials":[{"data":"XXXX-XXXX-XXXX"}],` +
		`"responseCode":0,"responseMessage":"OK"}],"responseCode":0,"responseMessage":"OK"}]}`)
	tokenBody = []byte(`{"access_token":"bench-token","expires_in":3600,"refresh_expires_in":7200,"refresh_token":"r","token_type":"bearer"}`)
	jsonType  = []string{"application/json"}
)

// memoryTransport answers Nexway's requests with canned bodies.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body := orderBody
	switch {
	case r.URL.Path == "/iam/tokens":
		body = tokenBody
	case r.URL.Path == "/connect/stock":
		body = stockBody
	case !strings.HasPrefix(r.URL.Path, "/connect/order/"):
		return nil, io.ErrUnexpectedEOF
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": jsonType}, ContentLength: int64(len(body)),
		Body: io.NopCloser(bytes.NewReader(body)), Request: r,
	}, nil
}

// discard is a span exporter that drops what it is given: the cost of
// exporting is the exporter's, not the Observer's.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// benchClient is a client as a storefront runs it (credentials, default
// retry policy, a rate limit too high to wait), answered from memory.
func benchClient(b *testing.B, opts ...nexway.Option) *nexway.Client {
	c, err := nexway.NewClient(append([]nexway.Option{nexway.WithBaseURL("http://nexway.test"), nexway.WithInsecureHTTP(),
		nexway.WithTransport(memoryTransport{}), nexway.WithSecret("benchSecret1"),
		nexway.WithCredentials("bench", "client-secret"), nexway.WithRateLimit(1e9, 1e9)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// newOtelObserver is the Observer on the SDK's providers: spans sampled
// with the given sampler and batched to an exporter that drops them,
// metrics aggregated for a reader.
func newOtelObserver(b *testing.B, sampler sdktrace.Sampler) *nexwayotel.Observer {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithBatcher(discard{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { tp.Shutdown(context.Background()); mp.Shutdown(context.Background()) })
	obs, err := nexwayotel.NewObserver(nexwayotel.WithTracerProvider(tp), nexwayotel.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	return obs
}

func otelObserver(b *testing.B, sampler sdktrace.Sampler) nexway.Option {
	return nexway.WithObserver(newOtelObserver(b, sampler))
}

type benchCall struct {
	name string
	fn   func(*nexway.Client, context.Context) error
}

var benchCalls = []benchCall{
	{"op=StockStatus", func(c *nexway.Client, ctx context.Context) error {
		_, err := c.Stock.Status(ctx, []nexway.ProductRef{733551, 733558})
		return err
	}},
	{"op=GetOrder", func(c *nexway.Client, ctx context.Context) error {
		_, err := c.Orders.Get(ctx, "PARTNER689")
		return err
	}},
	{"op=CreateOrder", func(c *nexway.Client, ctx context.Context) error {
		_, err := c.Orders.Create(ctx, order("PARTNER689", "jane.doe@example.com"))
		return err
	}},
}

// nopObserver does nothing: what the client's hooks cost by themselves.
type nopObserver struct{}

func (nopObserver) StartCall(ctx context.Context, _ nexway.CallInfo) context.Context { return ctx }
func (nopObserver) StartAttempt(ctx context.Context, _ nexway.AttemptInfo) context.Context {
	return ctx
}
func (nopObserver) EndAttempt(context.Context, nexway.AttemptInfo, nexway.AttemptResult) {}
func (nopObserver) EndCall(context.Context, nexway.CallInfo, nexway.CallResult)          {}

// BenchmarkObserver runs each call without an observer (off), with one
// that does nothing (nop: the client's share), with the OpenTelemetry
// Observer sampling every trace (otel), and with it sampling none
// (otel-unsampled: the metrics, and spans that record nothing).
func BenchmarkObserver(b *testing.B) {
	clients := []struct {
		name string
		c    *nexway.Client
	}{
		{"observer=off", benchClient(b)},
		{"observer=nop", benchClient(b, nexway.WithObserver(nopObserver{}))},
		{"observer=otel", benchClient(b, otelObserver(b, sdktrace.AlwaysSample()))},
		{"observer=otel-unsampled", benchClient(b, otelObserver(b, sdktrace.NeverSample()))},
	}
	for _, bc := range benchCalls {
		for _, cl := range clients {
			b.Run(bc.name+"/"+cl.name, func(b *testing.B) {
				ctx := context.Background()
				if err := bc.fn(cl.c, ctx); err != nil { // the token
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := bc.fn(cl.c, ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkObserverPaired calls the same client with the Observer on and
// off in turns, the first to go alternating, so that both meet the same
// machine: extra-ns/op is what observing with OpenTelemetry costs a call.
func BenchmarkObserverPaired(b *testing.B) {
	on, off := benchClient(b, otelObserver(b, sdktrace.AlwaysSample())), benchClient(b)
	for _, bc := range benchCalls {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			clients := [2]*nexway.Client{on, off}
			for _, c := range clients {
				if err := bc.fn(c, ctx); err != nil {
					b.Fatal(err)
				}
			}
			var spent [2]time.Duration
			n := 0
			for b.Loop() {
				for j := range clients {
					i := (n + j) % 2
					start := time.Now()
					if err := bc.fn(clients[i], ctx); err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
				}
				n++
			}
			perCall := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(perCall(spent[0]), "otel-ns/op")
			b.ReportMetric(perCall(spent[1]), "off-ns/op")
			b.ReportMetric(perCall(spent[0])-perCall(spent[1]), "extra-ns/op")
		})
	}
}

// BenchmarkHooks calls the Observer's hooks for a call of one attempt,
// without a client: what the OpenTelemetry side costs alone, sampled and
// not.
func BenchmarkHooks(b *testing.B) {
	for _, s := range []struct {
		name    string
		sampler sdktrace.Sampler
	}{{"sampled", sdktrace.AlwaysSample()}, {"unsampled", sdktrace.NeverSample()}} {
		b.Run(s.name, func(b *testing.B) {
			obs := newOtelObserver(b, s.sampler)
			call := nexway.CallInfo{Operation: "StockStatus", Method: "POST", Path: "/connect/stock", Host: "api.nexway.store"}
			attempt := nexway.AttemptInfo{CallInfo: call, Attempt: 1}
			answered := nexway.AttemptResult{HTTPStatus: 200, Duration: time.Millisecond, RetryReason: "answered"}
			done := nexway.CallResult{Attempts: 1, HTTPStatus: 200, Duration: time.Millisecond}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				cctx := obs.StartCall(ctx, call)
				obs.EndAttempt(obs.StartAttempt(cctx, attempt), attempt, answered)
				obs.EndCall(cctx, call, done)
			}
		})
	}
}
