package nexway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"golang.org/x/time/rate"
)

// The benchmarks compare each SDK call with what a storefront would write
// by hand with net/http and encoding/json: same server, same headers, same
// body, decoded into plain structs. Run them with
//
//	go test -run '^$' -bench . -benchmem -count 10 . | tee bench.txt
//	benchstat -col /impl bench.txt
//
// The static server answers canned bodies so that the client's own cost
// dominates the loopback round trip. The ratio SDK/net/http comes from the
// paired benchmarks (runPaired); the others give each client's allocations.

const (
	benchSecret = "benchSecret1"
	benchToken  = "bench-token"
)

var (
	stockBody = []byte(`{"responseCode":0,"responseMessage":"OK","productStatus":[` +
		`{"productRef":733551,"status":100,"responseCode":0,"responseMessage":"OK"},` +
		`{"productRef":733558,"status":200,"responseCode":0,"responseMessage":"OK"}]}`)
	orderBody = []byte(`{"responseCode":0,"responseMessage":"OK","partnerOrderNumber":"PARTNER689","orderNumber":12345678,` +
		`"downloadManager":{"pc":"https://dl.test/dm.exe","mac":"https://dl.test/dm.dmg"},"orderLines":[{"productRef":733551,` +
		`"dateEndDownload":"2024-05-22","digitalLockerLink":"","remark":"","files":[{"label":"Setup","type":"exe",` +
		`"url":"https://dl.test/setup.exe","size":123456789.0,"group":"main"}],"lineItems":[{"serials":[{"data":"XXXX-XXXX-XXXX",` +
		`"encoding":"","charset":"","fileName":""}],"subscriptionId":0,"responseCode":0,"responseMessage":"OK"}],` +
		`"responseCode":0,"responseMessage":"OK"}]}`)
	tokenBody = []byte(`{"access_token":"` + benchToken + `","expires_in":3600,"refresh_expires_in":7200,"refresh_token":"bench-refresh-token","token_type":"bearer"}`)
)

// cannedAnswer is the static answer to r, after checking the credentials
// so that both clients do the same work.
func cannedAnswer(r *http.Request) (status int, body []byte) {
	switch {
	case r.URL.Path == "/iam/tokens":
		return http.StatusOK, tokenBody
	case r.Header.Get("secret") != benchSecret || r.Header.Get("Authorization") != "Bearer "+benchToken:
		return http.StatusUnauthorized, nil
	case r.URL.Path == "/connect/stock":
		return http.StatusOK, stockBody
	}
	return http.StatusOK, orderBody
}

// staticServer answers every route over loopback with cannedAnswer.
func staticServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		status, body := cannedAnswer(r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// sdkClient has credentials (token cached after the first call), the
// default retry policy and limit, the given options applied last.
func sdkClient(b *testing.B, url string, opts ...nexway.Option) *nexway.Client {
	c, err := nexway.NewClient(append([]nexway.Option{nexway.WithBaseURL(url), nexway.WithSecret(benchSecret),
		nexway.WithCredentials("bench", "client-secret")}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	return c
}

// openLimit keeps a rate limiter on the call path, as in production, at a
// rate no benchmark reaches, so that its cost is counted but it never waits.
func openLimit() nexway.Option { return nexway.WithRateLimit(1e9, 1e9) }

// noLimit takes the limiter off, for the parallel benchmark: the issue of
// scaling is the client's, not a shared limiter's.
func noLimit() nexway.Option { return nexway.WithRateLimit(rate.Inf, 0) }

// handClient is the hand-written alternative.
type handClient struct {
	hc            *http.Client
	base          string
	token, secret string
}

func newHandClient(b *testing.B, url string) *handClient {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	b.Cleanup(t.CloseIdleConnections)
	return &handClient{hc: &http.Client{Transport: t}, base: url, token: benchToken, secret: benchSecret}
}

type handEnvelope struct {
	ResponseCode    int    `json:"responseCode"`
	ResponseMessage string `json:"responseMessage"`
}

type handStock struct {
	handEnvelope
	ProductStatus []struct {
		ProductRef      int64  `json:"productRef"`
		Status          int    `json:"status"`
		ResponseCode    int    `json:"responseCode"`
		ResponseMessage string `json:"responseMessage"`
	} `json:"productStatus"`
}

type handOrder struct {
	handEnvelope
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	OrderNumber        int64  `json:"orderNumber"`
	DownloadManager    struct {
		PC  string `json:"pc"`
		Mac string `json:"mac"`
	} `json:"downloadManager"`
	OrderLines []struct {
		ProductRef        int64  `json:"productRef"`
		DateEndDownload   string `json:"dateEndDownload"`
		DigitalLockerLink string `json:"digitalLockerLink"`
		Remark            string `json:"remark"`
		Files             []struct {
			Label string  `json:"label"`
			Type  string  `json:"type"`
			URL   string  `json:"url"`
			Size  float64 `json:"size"`
			Group string  `json:"group"`
		} `json:"files"`
		LineItems []struct {
			Serials []struct {
				Data     string `json:"data"`
				Encoding string `json:"encoding"`
				Charset  string `json:"charset"`
				FileName string `json:"fileName"`
			} `json:"serials"`
			SubscriptionID  int64  `json:"subscriptionId"`
			ResponseCode    int    `json:"responseCode"`
			ResponseMessage string `json:"responseMessage"`
		} `json:"lineItems"`
		ResponseCode    int    `json:"responseCode"`
		ResponseMessage string `json:"responseMessage"`
	} `json:"orderLines"`
}

// call bounds each request with a context rather than http.Client.Timeout,
// which on a transport other than *http.Transport (BenchmarkOverhead's)
// costs a goroutine per request; on loopback the two cost the same.
func (h *handClient) call(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "hand-written/1.0")
	req.Header.Set("secret", h.secret)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return err
	}
	return nil
}

func benchOrderRequest() *nexway.CreateOrderRequest {
	return &nexway.CreateOrderRequest{
		PartnerOrderNumber: "PARTNER689", OrderDate: time.Date(2024, 5, 1, 10, 15, 0, 0, time.UTC), Currency: "EUR",
		Lines: []nexway.OrderLineRequest{{ProductRef: 733551, Quantity: 1}},
		Customer: nexway.Customer{Email: "jane.doe@example.com", Language: "fr_FR",
			InvoiceLocation: nexway.Location{Title: 1, FirstName: "Jane", LastName: "Doe", City: "Paris", Country: "FR"}},
	}
}

// The hand-written create sends the same JSON as the SDK.
type handCreate struct {
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	OrderDate          string `json:"orderDate"`
	Currency           string `json:"currency"`
	OrderLines         []struct {
		ProductRef int64 `json:"productRef"`
		Quantity   int   `json:"quantity"`
	} `json:"orderLines"`
	Customer struct {
		Email           string `json:"email"`
		Language        string `json:"language"`
		LocationInvoice struct {
			Title     int    `json:"title"`
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
			City      string `json:"city"`
			Country   string `json:"country"`
		} `json:"locationInvoice"`
	} `json:"customer"`
}

func handCreateRequest() *handCreate {
	var r handCreate
	r.PartnerOrderNumber, r.OrderDate, r.Currency = "PARTNER689", "2024-05-01T10:15:00+00:00", "EUR"
	r.OrderLines = append(r.OrderLines, struct {
		ProductRef int64 `json:"productRef"`
		Quantity   int   `json:"quantity"`
	}{733551, 1})
	r.Customer.Email, r.Customer.Language = "jane.doe@example.com", "fr_FR"
	l := &r.Customer.LocationInvoice
	l.Title, l.FirstName, l.LastName, l.City, l.Country = 1, "Jane", "Doe", "Paris", "FR"
	return &r
}

// benchCall is one call made by the SDK and by hand.
type benchCall struct {
	name      string
	sdk, hand func(context.Context) error
}

// benchCalls are the three calls of the checkout path.
func benchCalls(c *nexway.Client, h *handClient) []benchCall {
	refs := []nexway.ProductRef{733551, 733558}
	order := benchOrderRequest()
	create := handCreateRequest()
	return []benchCall{
		{"op=StockStatus", func(ctx context.Context) error {
			_, err := c.Stock.Status(ctx, refs)
			return err
		}, func(ctx context.Context) error {
			var out handStock
			return h.call(ctx, http.MethodPost, "/connect/stock", struct {
				ProductRefs []int64 `json:"productRefs"`
			}{[]int64{733551, 733558}}, &out)
		}},
		{"op=GetOrder", func(ctx context.Context) error {
			_, err := c.Orders.Get(ctx, "PARTNER689")
			return err
		}, func(ctx context.Context) error {
			var out handOrder
			return h.call(ctx, http.MethodGet, "/connect/order/PARTNER689", nil, &out)
		}},
		{"op=CreateOrder", func(ctx context.Context) error {
			_, err := c.Orders.Create(ctx, order)
			return err
		}, func(ctx context.Context) error {
			var out handOrder
			return h.call(ctx, http.MethodPost, "/connect/order/new", create, &out)
		}},
	}
}

// runEach benchmarks each call's two clients one after the other, for
// their allocations.
func runEach(b *testing.B, calls []benchCall) {
	for _, bc := range calls {
		b.Run(bc.name+"/impl=sdk", func(b *testing.B) { runBench(b, bc.sdk) })
		b.Run(bc.name+"/impl=nethttp", func(b *testing.B) { runBench(b, bc.hand) })
	}
}

// runPairs benchmarks each call's two clients in turns, for their ratio.
func runPairs(b *testing.B, calls []benchCall, parallel bool) {
	for _, bc := range calls {
		b.Run(bc.name, func(b *testing.B) { runPaired(b, bc.sdk, bc.hand, parallel) })
	}
}

func runBench(b *testing.B, fn func(context.Context) error) {
	ctx := context.Background()
	if err := fn(ctx); err != nil { // warm the connection and the token
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := fn(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatic compares the SDK with net/http on the static server.
func BenchmarkStatic(b *testing.B) {
	srv := staticServer(b)
	c, h := sdkClient(b, srv.URL, openLimit()), newHandClient(b, srv.URL)
	runEach(b, benchCalls(c, h))
}

// BenchmarkStaticPaired times the SDK and net/http in turns within one
// loop, the first to go alternating, so that both meet the same machine:
// on a shared VM the speed drifts between the runs of separate benchmarks
// by more than the difference being measured. It reports each client's
// mean time per call and their ratio, the figure the target is set on.
func BenchmarkStaticPaired(b *testing.B) {
	srv := staticServer(b)
	c, h := sdkClient(b, srv.URL, openLimit()), newHandClient(b, srv.URL)
	runPairs(b, benchCalls(c, h), false)
}

// BenchmarkStaticParallel is BenchmarkStaticPaired from GOMAXPROCS
// goroutines, with the SDK's limiter off: a lock of the client's own on the
// hot path would make its calls wait on each other and raise the ratio.
func BenchmarkStaticParallel(b *testing.B) {
	srv := staticServer(b)
	c, h := sdkClient(b, srv.URL, noLimit()), newHandClient(b, srv.URL)
	runPairs(b, benchCalls(c, h), true)
}

// runPaired calls sdk and hand in turns and reports the mean time of a call
// of each and their ratio. The allocations of the two mixed would mean
// nothing: BenchmarkStatic reports them.
func runPaired(b *testing.B, sdk, hand func(context.Context) error, parallel bool) {
	runPairedAs(b, [2]string{"sdk", "nethttp"}, sdk, hand, parallel)
}

// runPairedAs is runPaired with the two clients' names.
func runPairedAs(b *testing.B, names [2]string, sdk, hand func(context.Context) error, parallel bool) {
	ctx := context.Background()
	fns := [2]func(context.Context) error{sdk, hand}
	for _, fn := range fns { // warm the connections and the token
		if err := fn(ctx); err != nil {
			b.Fatal(err)
		}
	}
	var (
		mu    sync.Mutex
		spent [2]time.Duration
		calls int
	)
	// turns runs one goroutine's share, starting with a different client
	// each round, and adds its times to the totals.
	turns := func(next func() bool) error {
		var mine [2]time.Duration
		n := 0
		defer func() {
			mu.Lock()
			spent[0], spent[1], calls = spent[0]+mine[0], spent[1]+mine[1], calls+n
			mu.Unlock()
		}()
		for next() {
			for j := range fns {
				i := (n + j) % 2
				start := time.Now()
				if err := fns[i](ctx); err != nil {
					return err
				}
				mine[i] += time.Since(start)
			}
			n++
		}
		return nil
	}
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			if err := turns(pb.Next); err != nil {
				b.Error(err)
			}
		})
	} else if err := turns(b.Loop); err != nil {
		b.Fatal(err)
	}
	if calls == 0 {
		return
	}
	perCall := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(calls) }
	b.ReportMetric(0, "ns/op") // the sum of the two says nothing
	b.ReportMetric(perCall(spent[0]), names[0]+"-ns/op")
	b.ReportMetric(perCall(spent[1]), names[1]+"-ns/op")
	b.ReportMetric(perCall(spent[0])-perCall(spent[1]), "extra-ns/op")
	b.ReportMetric(perCall(spent[0])/perCall(spent[1]), names[0]+"/"+names[1])
}

// memoryTransport answers like staticServer without a network, so that
// BenchmarkOverhead measures the clients' own cost alone.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	status, body := cannedAnswer(r)
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": jsonType},
		ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body)), Request: r,
	}, nil
}

var jsonType = []string{"application/json"}

// BenchmarkOverhead compares the two clients on a transport that answers
// from memory: what each costs on top of the network.
func BenchmarkOverhead(b *testing.B) {
	const url = "http://nexway.test"
	c := sdkClient(b, url, nexway.WithInsecureHTTP(), nexway.WithTransport(memoryTransport{}), openLimit())
	h := &handClient{hc: &http.Client{Transport: memoryTransport{}}, base: url, token: benchToken, secret: benchSecret}
	runEach(b, benchCalls(c, h))
}

// BenchmarkOverheadPaired is BenchmarkOverhead with the two clients called
// in turns: extra-ns/op is the SDK's own cost per call over hand-written
// code, in memory.
func BenchmarkOverheadPaired(b *testing.B) {
	const url = "http://nexway.test"
	c := sdkClient(b, url, nexway.WithInsecureHTTP(), nexway.WithTransport(memoryTransport{}), openLimit())
	h := &handClient{hc: &http.Client{Transport: memoryTransport{}}, base: url, token: benchToken, secret: benchSecret}
	runPairs(b, benchCalls(c, h), false)
}

// nopObserver observes nothing: the cost of the hooks themselves.
type nopObserver struct{}

func (nopObserver) StartCall(ctx context.Context, _ nexway.CallInfo) context.Context { return ctx }
func (nopObserver) StartAttempt(ctx context.Context, _ nexway.AttemptInfo) context.Context {
	return ctx
}
func (nopObserver) EndAttempt(context.Context, nexway.AttemptInfo, nexway.AttemptResult) {}
func (nopObserver) EndCall(context.Context, nexway.CallInfo, nexway.CallResult)          {}

// BenchmarkObserver pairs the same calls in memory with an observer that
// does nothing (observed) and without one (plain): what observing costs.
func BenchmarkObserver(b *testing.B) {
	const url = "http://nexway.test"
	plain := sdkClient(b, url, nexway.WithInsecureHTTP(), nexway.WithTransport(memoryTransport{}), openLimit())
	observed := sdkClient(b, url, nexway.WithInsecureHTTP(), nexway.WithTransport(memoryTransport{}), openLimit(), nexway.WithObserver(nopObserver{}))
	h := &handClient{}
	with, without := benchCalls(observed, h), benchCalls(plain, h)
	for i := range with {
		b.Run(with[i].name, func(b *testing.B) {
			runPairedAs(b, [2]string{"observed", "plain"}, with[i].sdk, without[i].sdk, false)
		})
	}
}

// fakeHand is a hand-written client for the fake, with a token fetched by
// hand once.
func fakeHand(b *testing.B, srv *nexwaytest.Server) *handClient {
	h := newHandClient(b, srv.URL)
	resp, err := h.hc.Post(srv.URL+"/iam/tokens", "application/json", bytes.NewReader([]byte(
		`{"realmName":"`+nexwaytest.Realm+`","grantType":"client_credentials","clientSecret":"`+nexwaytest.ClientSecret+`"}`)))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}
	h.token, h.secret = tr.AccessToken, nexwaytest.Secret
	return h
}

// BenchmarkFake compares the SDK with net/http against the fake Nexway,
// which validates, stores and fulfils: closer to a real round trip. The
// calls are paired, so that both clients' orders meet a store of the same
// size.
func BenchmarkFake(b *testing.B) {
	srv := nexwaytest.NewServer(b, nexwaytest.WithTokenLifetimes(time.Hour, 2*time.Hour),
		nexwaytest.WithClientOptions(openLimit(), nexway.WithRetryPolicy(nexway.DefaultRetryPolicy())))
	h := fakeHand(b, srv)
	c := srv.Client
	if _, err := c.Orders.Create(context.Background(), benchOrderRequest()); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	next := func() string { return "BENCH-" + strconv.FormatInt(seq.Add(1), 10) }
	suite := benchOrderRequest()
	suite.Lines[0].ProductRef = 733552 // real-time keys: no pool to exhaust
	calls := benchCalls(c, h)
	calls[2].sdk = func(ctx context.Context) error {
		r := *suite
		r.PartnerOrderNumber = next()
		_, err := c.Orders.Create(ctx, &r)
		return err
	}
	calls[2].hand = func(ctx context.Context) error {
		r := handCreateRequest()
		r.PartnerOrderNumber, r.OrderLines[0].ProductRef = next(), 733552
		var out handOrder
		return h.call(ctx, http.MethodPost, "/connect/order/new", r, &out)
	}
	runPairs(b, calls, false)
}

// largeOrder is an order of 1,000 lines, each with a serial and a file.
func largeOrder() []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"responseCode":0,"responseMessage":"OK","partnerOrderNumber":"BIG-1","orderNumber":12345678,"orderLines":[`)
	for i := range 1000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"productRef":%d,"dateEndDownload":"2024-05-22","digitalLockerLink":"","remark":"",`+
			`"files":[{"label":"Setup","type":"exe","url":"https://dl.test/%d/setup.exe","size":123456789.0,"group":"main"}],`+
			`"lineItems":[{"serials":[{"data":"KEY-%06d-XXXX-XXXX","encoding":"","charset":"","fileName":""}],`+
			`"subscriptionId":0,"responseCode":0,"responseMessage":"OK"}],"responseCode":0,"responseMessage":"OK"}`, 733000+i, i, i)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// BenchmarkLargeOrder reads an order of 1,000 lines with serials and files
// (about 300 KB), whole call and decoding alone.
func BenchmarkLargeOrder(b *testing.B) {
	body := largeOrder()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	c, err := nexway.NewClient(nexway.WithBaseURL(srv.URL), nexway.WithSecret(benchSecret), openLimit())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	h := newHandClient(b, srv.URL)
	b.Run("call/impl=sdk", func(b *testing.B) {
		runBench(b, func(ctx context.Context) error { _, err := c.Orders.Get(ctx, "BIG-1"); return err })
	})
	b.Run("call/impl=nethttp", func(b *testing.B) {
		runBench(b, func(ctx context.Context) error {
			var out handOrder
			return h.call(ctx, http.MethodGet, "/connect/order/BIG-1", nil, &out)
		})
	})
	b.Run("decode/impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var o nexway.Order
			if err := json.Unmarshal(body, &o); err != nil || len(o.Lines) != 1000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/impl=nethttp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var o handOrder
			if err := json.Unmarshal(body, &o); err != nil || len(o.OrderLines) != 1000 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRateLimiter runs calls at a configured 500/s for the length of
// the benchmark and reports the achieved rate and its deviation from the
// configured one. Run it with -benchtime 2s or more.
func BenchmarkRateLimiter(b *testing.B) {
	const perSecond = 500
	srv := staticServer(b)
	c, err := nexway.NewClient(nexway.WithBaseURL(srv.URL), nexway.WithSecret(benchSecret),
		nexway.WithCredentials("bench", "client-secret"), nexway.WithRateLimit(perSecond, 1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	refs := []nexway.ProductRef{733551}
	if _, err := c.Stock.Status(context.Background(), refs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := c.Stock.Status(context.Background(), refs); err != nil {
			b.Fatal(err)
		}
	}
	achieved := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(achieved, "req/s")
	b.ReportMetric(100*(achieved-perSecond)/perSecond, "deviation-%")
}

// BenchmarkFakeStock measures what the fake can carry on the stock route,
// from parallel clients, so tests know what load it takes.
func BenchmarkFakeStock(b *testing.B) {
	srv := nexwaytest.NewServer(b, nexwaytest.WithTokenLifetimes(time.Hour, 2*time.Hour),
		nexwaytest.WithClientOptions(openLimit(), nexway.WithRetryPolicy(nexway.DefaultRetryPolicy())))
	refs := []nexway.ProductRef{733551, 733558}
	if _, err := srv.Client.Stock.Status(context.Background(), refs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := srv.Client.Stock.Status(context.Background(), refs); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
