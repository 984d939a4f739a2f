package fulfillment_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/nexway-go/nexway/fulfillment"
)

func TestHandlerIssuesKey(t *testing.T) {
	t.Parallel()
	f := &recorder{}
	h := newHandler(t, f, new(fulfillment.MemoryStore))
	m := answer(t, post(h, "/licenses/new", sampleBody))
	want := map[string]any{"activationCode": "KEY-6c0edf3e-8d5c-4a1e-9f3a-0d3b5c1e2f40-1"}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("answer %v, want %v", m, want)
	}
	req := f.reqs[0]
	if req.Operation != fulfillment.OpCreate || req.FulfillmentID != "6c0edf3e-8d5c-4a1e-9f3a-0d3b5c1e2f40" || string(req.Raw) != sampleBody {
		t.Fatalf("request %+v", req)
	}
	b := req.Body
	if b.Checkout.OrderID != "ORD-1001" || b.Checkout.Price.GrossPrice != "29.99" || b.Checkout.Price.Currency != "EUR" ||
		b.Checkout.TrialContext != "CREATION" || b.User.Email != "jane.doe@example.com" || b.User.ZipCode != "75001" ||
		b.Product.PublisherProductID != "ACME-PRO" || b.Product.Variables["region"] != "EU" ||
		b.Product.PriceFunctionParameters["seats"] != "5" || b.User.CompanyIdentifier != "FR123" {
		t.Fatalf("body decoded as %+v", b)
	}
	cart, err := b.Checkout.CartContext()
	if err != nil || cart["customParam"] != true {
		t.Fatalf("CartContext = %v, %v", cart, err)
	}
	if req.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers not passed on: %v", req.Header)
	}
}

func TestHandlerRoutes(t *testing.T) {
	t.Parallel()
	f := &recorder{}
	h := newHandler(t, f, new(fulfillment.MemoryStore))
	for path, op := range map[string]fulfillment.Operation{
		"/licenses/new": fulfillment.OpCreate, "/licenses/cancel": fulfillment.OpCancel,
		"/licenses/renew": fulfillment.OpRenew, "/licenses/upgrade/": fulfillment.OpUpgrade,
		"/licenses/pause": fulfillment.OpPause, "/licenses/resume": fulfillment.OpResume,
		"/licenses/suspend": fulfillment.OpPause, "/licenses/reactivate": fulfillment.OpResume,
	} {
		answer(t, post(h, path, bodyFor("route-"+path)))
		if got := f.reqs[len(f.reqs)-1].Operation; got != op {
			t.Errorf("%s served as %q, want %q", path, got, op)
		}
	}

	custom := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithRoutes(map[string]fulfillment.Operation{
		"/nexway/issue": fulfillment.OpCreate, "/nexway/revoke": fulfillment.OpCancel,
	}))
	answer(t, post(custom, "/nexway/revoke", bodyFor("c-1")))
	if got := f.reqs[len(f.reqs)-1].Operation; got != fulfillment.OpCancel {
		t.Fatalf("/nexway/revoke served as %q", got)
	}
	if w := post(custom, "/licenses/new", bodyFor("c-2")); w.Code != http.StatusNotFound {
		t.Fatalf("a default route on a handler with custom routes: status %d, want 404", w.Code)
	}
}

// A retry of the same unit gets the first answer, and the Fulfiller runs
// once per (fulfillment id, operation).
func TestHandlerReplaysFirstAnswer(t *testing.T) {
	t.Parallel()
	f := &recorder{}
	h := newHandler(t, f, new(fulfillment.MemoryStore))
	first := post(h, "/licenses/new", bodyFor("u-1")).Body.String()
	for range 3 {
		if again := post(h, "/licenses/new", bodyFor("u-1")).Body.String(); again != first {
			t.Fatalf("retry answered %s, first answer was %s", again, first)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("Fulfiller called %d times, want 1", n)
	}
	answer(t, post(h, "/licenses/cancel", bodyFor("u-1")))
	answer(t, post(h, "/licenses/new", bodyFor("u-2")))
	if n := f.calls.Load(); n != 3 {
		t.Fatalf("Fulfiller called %d times for three units, want 3", n)
	}
}

func TestHandlerRefusal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		err   error
		shape fulfillment.AnswerShape
		want  string
	}{
		{"flat", fulfillment.Refuse("LICENSE_POOL_EXHAUSTED", "No license left"), fulfillment.FlatAnswer{},
			`{"errorCode":"LICENSE_POOL_EXHAUSTED","errorMessage":"No license left"}`},
		{"wrapped, empty", fmt.Errorf("pool: %w", &fulfillment.Refusal{}), fulfillment.FlatAnswer{},
			`{"errorCode":"REFUSED","errorMessage":"REFUSED"}`},
		{"licenses shape", fulfillment.Refuse("UNKNOWN_PRODUCT", "no such SKU"), fulfillment.LicensesAnswer{},
			`{"error":{"code":"UNKNOWN_PRODUCT","message":"no such SKU"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) { return nil, tc.err }}
			h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithAnswerShape(tc.shape))
			for range 2 {
				w := post(h, "/licenses/new", bodyFor("refused"))
				answer(t, w)
				if w.Body.String() != tc.want {
					t.Fatalf("answer %s, want %s", w.Body, tc.want)
				}
			}
			if n := f.calls.Load(); n != 1 {
				t.Fatalf("Fulfiller called %d times, want 1: a refusal is final", n)
			}
		})
	}
}

func TestHandlerSuccessShapes(t *testing.T) {
	t.Parallel()
	res := &fulfillment.Result{ActivationCode: "K", ActivationLink: "https://act/1",
		Extra: map[string]any{"expiresAt": "2027-06-04T00:00:00Z", "activationCode": "not me"}}
	for _, tc := range []struct {
		shape fulfillment.AnswerShape
		want  string
	}{
		{fulfillment.FlatAnswer{}, `{"activationCode":"K","activationLink":"https://act/1","expiresAt":"2027-06-04T00:00:00Z"}`},
		{fulfillment.LicensesAnswer{}, `{"licenses":[{"activationLink":"https://act/1","expiresAt":"2027-06-04T00:00:00Z","key":"K"}]}`},
	} {
		f := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) { return res, nil }}
		h := newHandler(t, f, new(fulfillment.MemoryStore), fulfillment.WithAnswerShape(tc.shape))
		if w := post(h, "/licenses/new", bodyFor("s")); w.Body.String() != tc.want {
			t.Errorf("%T: answer %s, want %s", tc.shape, w.Body, tc.want)
		}
	}
	// A nil Result with no error acknowledges with an empty object.
	f := &recorder{fn: func(context.Context, *fulfillment.Request) (*fulfillment.Result, error) { return nil, nil }}
	if w := post(newHandler(t, f, new(fulfillment.MemoryStore)), "/licenses/cancel", bodyFor("ack")); w.Code != 200 || w.Body.String() != `{}` {
		t.Fatalf("acknowledgement: %d %s", w.Code, w.Body)
	}
}

// A transient failure and a panic answer 5xx, record nothing, and let the
// next retry run the unit again.
func TestHandlerTransientFailures(t *testing.T) {
	t.Parallel()
	for name, fail := range map[string]func() (*fulfillment.Result, error){
		"error": func() (*fulfillment.Result, error) { return nil, errors.New("database down") },
		"panic": func() (*fulfillment.Result, error) { panic("boom") },
		"unencodable": func() (*fulfillment.Result, error) {
			return &fulfillment.Result{Extra: map[string]any{"c": make(chan int)}}, nil
		},
		"context error": func() (*fulfillment.Result, error) { return nil, context.DeadlineExceeded },
	} {
		t.Run(name, func(t *testing.T) {
			f := &recorder{}
			f.fn = func(ctx context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
				if f.calls.Load() == 1 {
					return fail()
				}
				return &fulfillment.Result{ActivationCode: "K2"}, nil
			}
			h := newHandler(t, f, new(fulfillment.MemoryStore))
			w := post(h, "/licenses/new", bodyFor("t-1"))
			if w.Code < 500 {
				t.Fatalf("status %d, want 5xx so that Nexway retries", w.Code)
			}
			for range 2 {
				if m := answer(t, post(h, "/licenses/new", bodyFor("t-1"))); m["activationCode"] != "K2" {
					t.Fatalf("retry answered %v", m)
				}
			}
			if n := f.calls.Load(); n != 2 {
				t.Fatalf("Fulfiller called %d times, want 2", n)
			}
		})
	}
}

func TestNewHandlerRefuses(t *testing.T) {
	t.Parallel()
	f, s := &recorder{}, new(fulfillment.MemoryStore)
	for name, tc := range map[string]struct {
		f    fulfillment.Fulfiller
		s    fulfillment.Store
		opts []fulfillment.Option
	}{
		"nil fulfiller":  {nil, s, []fulfillment.Option{fulfillment.WithoutAuth()}},
		"nil store":      {f, nil, []fulfillment.Option{fulfillment.WithoutAuth()}},
		"no auth":        {f, s, nil},
		"empty password": {f, s, []fulfillment.Option{fulfillment.WithBasicAuth("u", "")}},
		"nil signer":     {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithSignature(nil)}},
		"empty header":   {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithSignatureHeader(" ")}},
		"no routes":      {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithRoutes(nil)}},
		"relative route": {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithRoutes(map[string]fulfillment.Operation{"new": fulfillment.OpCreate})}},
		"bad id path":    {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithCustomBody[struct{}]("licenseId")}},
		"nil shape":      {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithAnswerShape(nil)}},
		"zero body size": {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithMaxBodySize(0)}},
		"zero lease":     {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithLease(0)}},
		"negative wait":  {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithBusyWait(-1)}},
		"nil logger":     {f, s, []fulfillment.Option{fulfillment.WithoutAuth(), fulfillment.WithLogger(nil)}},
	} {
		if _, err := fulfillment.NewHandler(tc.f, tc.s, tc.opts...); err == nil {
			t.Errorf("%s: NewHandler succeeded", name)
		}
	}
	h, err := fulfillment.NewHandler(f, s, fulfillment.WithoutAuth())
	if err != nil {
		t.Fatal(err)
	}
	if w := post(h, "/licenses/new", bodyFor("open")); w.Code != 200 {
		t.Fatalf("WithoutAuth: status %d", w.Code)
	}
}
