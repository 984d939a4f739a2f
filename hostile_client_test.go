package nexway

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Answers derived from RFC 8259 that a decoder may read more than one way:
// a duplicated or case-folded name, an escaped name, trailing data. An
// essential value must be the one the answer unambiguously holds, or the
// call fails with ErrInvalidResponse.
func TestHostileEssentialSpellings(t *testing.T) {
	const gp = "connect/order/P1"
	get := func(c *Client) (OrderNumber, ProductRef, SubscriptionID, error) {
		o, err := c.Orders.Get(bg, "P1")
		if err != nil {
			return 0, 0, 0, err
		}
		var ref ProductRef
		var sub SubscriptionID
		if len(o.Lines) > 0 {
			ref = o.Lines[0].ProductRef
			if len(o.Lines[0].Items) > 0 {
				sub = o.Lines[0].Items[0].SubscriptionID
			}
		}
		return o.OrderNumber, ref, sub, nil
	}
	cases := []struct {
		name string
		body string
		num  OrderNumber // 0: want ErrInvalidResponse
		ref  ProductRef
		sub  SubscriptionID
	}{
		{"plain", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"lineItems":[{"subscriptionId":9}]}]}`, 7, 5, 9},
		{"exponent", `{"responseCode":0,"orderNumber":1E2,"orderLines":[{"productRef":0.5e1}]}`, 100, 5, 0},
		{"escaped name", `{"responseCode":0,"order\u004eumber":7,"orderLines":[{"product\u0052ef":5}]}`, 7, 5, 0},
		{"case-folded name", `{"responseCode":0,"ORDERNUMBER":7,"orderlines":[{"productref":5,"LineItems":[{"SubscriptionId":9}]}]}`, 7, 5, 9},
		{"same value twice", `{"responseCode":0,"orderNumber":7,"orderNumber":"7","orderLines":[{"productRef":5}]}`, 7, 5, 0},
		{"number twice", `{"responseCode":0,"orderNumber":7,"orderNumber":8}`, 0, 0, 0},
		{"number twice folded", `{"responseCode":0,"orderNumber":7,"OrderNumber":8}`, 0, 0, 0},
		{"number twice escaped", `{"responseCode":0,"orderNumber":7,"order\u004eumber":8}`, 0, 0, 0},
		{"number then unreadable", `{"responseCode":0,"orderNumber":7,"orderNumber":1e400}`, 0, 0, 0},
		{"number then null", `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":7,"orderNumber":null}`, 0, 0, 0},
		{"partner twice", `{"responseCode":0,"partnerOrderNumber":"P1","partnerOrderNumber":"P2","orderNumber":7}`, 0, 0, 0},
		{"ref twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"productRef":6}]}`, 0, 0, 0},
		{"subscription twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"lineItems":[{"subscriptionId":9,"subscriptionId":10}]}]}`, 0, 0, 0},
		{"serial twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5,"lineItems":[{"serials":[{"data":"A","data":"B"}]}]}]}`, 0, 0, 0},
		{"lines twice", `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":5}],"orderLines":[{"productRef":6}]}`, 0, 0, 0},
		{"code twice", `{"responseCode":0,"responseCode":1010,"orderNumber":7}`, 0, 0, 0},
		{"hexadecimal string", `{"responseCode":0,"orderNumber":"0x3E8p0"}`, 0, 0, 0},
		{"underscored string", `{"responseCode":0,"orderNumber":"0x1_0p0"}`, 0, 0, 0},
		{"trailing garbage", `{"responseCode":0,"orderNumber":7}x`, 0, 0, 0},
		{"two documents", `{"responseCode":0,"orderNumber":7}{"responseCode":0,"orderNumber":8}`, 0, 0, 0},
		{"byte order mark", "\xef\xbb\xbf{\"responseCode\":0,\"orderNumber\":7}", 7, 0, 0},
		{"two byte order marks", "\xef\xbb\xbf\xef\xbb\xbf{\"responseCode\":0,\"orderNumber\":7}", 0, 0, 0},
		{"trailing space", "{\"responseCode\":0,\"orderNumber\":7}\r\n\t ", 7, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+gp, respond(200, tc.body, nil))
			num, ref, sub, err := get(m.c)
			if tc.num == 0 {
				if !errors.Is(err, ErrInvalidResponse) {
					t.Fatalf("got (%d, %d, %d, %v), want ErrInvalidResponse", num, ref, sub, err)
				}
				return
			}
			if err != nil || num != tc.num || ref != tc.ref || sub != tc.sub {
				t.Fatalf("got (%d, %d, %d, %v), want (%d, %d, %d)", num, ref, sub, err, tc.num, tc.ref, tc.sub)
			}
		})
	}
}

// A field read under an alternative name is read in any spelling
// encoding/json would match, and an essential value given under its name
// and an alternative name must be the same value.
func TestHostileAlternativeNames(t *testing.T) {
	const cp = "connect/order/crossupsell"
	cases := []struct {
		name string
		body string
		ref  ProductRef // 0: want ErrInvalidResponse
	}{
		{"own", `{"responseCode":0,"productsReturn":[{"ref":5}]}`, 5},
		{"alternative", `{"responseCode":0,"productsReturn":[{"productRef":5}]}`, 5},
		{"alternative folded", `{"responseCode":0,"productsReturn":[{"PRODUCTREF":5}]}`, 5},
		{"alternative escaped", `{"responseCode":0,"productsReturn":[{"product\u0052ef":5}]}`, 5},
		{"both, same", `{"responseCode":0,"productsReturn":[{"ref":5,"productRef":"5"}]}`, 5},
		{"both, alternative first, same", `{"responseCode":0,"productsReturn":[{"productRef":5,"ref":5}]}`, 5},
		{"both, differ", `{"responseCode":0,"productsReturn":[{"ref":5,"productRef":6}]}`, 0},
		{"both, alternative first, differ", `{"responseCode":0,"productsReturn":[{"productRef":6,"ref":5}]}`, 0},
		{"both, alternative unreadable", `{"responseCode":0,"productsReturn":[{"ref":5,"productRef":1e400}]}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodPost, testBase+cp, respond(200, tc.body, nil))
			o, err := m.c.CrossSell.Offers(bg, "EN", []CartItem{{1, 1}})
			if tc.ref == 0 {
				if !errors.Is(err, ErrInvalidResponse) {
					t.Fatalf("got (%+v, %v), want ErrInvalidResponse", o, err)
				}
				return
			}
			if err != nil || len(o.Products) != 1 || o.Products[0].Ref != tc.ref {
				t.Fatalf("got (%+v, %v), want ref %d", o, err, tc.ref)
			}
		})
	}
}

// Duplicated names in a caller's own struct, with nothing essential,
// decode through RawResponse.Decode as encoding/json decodes them, even
// when a conversion sends the answer down the lenient path.
func TestHostileDuplicatesInRawDecode(t *testing.T) {
	type inner struct {
		A int `json:"a"`
		B int `json:"b"`
	}
	type target struct {
		N   int               `json:"n"`
		S   []int             `json:"s"`
		Arr [3]int            `json:"arr"`
		M   map[string]int    `json:"m"`
		Any any               `json:"any"`
		In  inner             `json:"in"`
		P   *inner            `json:"p"`
		Raw json.RawMessage   `json:"raw"`
		MS  []map[string]bool `json:"ms"`
	}
	const dup = `"n":1,"N":2,"s":[1,2,3],"s":[4],"arr":[1,2,3],"arr":[9],"m":{"x":1},"m":{"y":2},` +
		`"any":{"k":1},"any":[1],"in":{"a":1},"in":{"b":2},"p":{"a":1},"p":{"b":2},"raw":1,"raw":{"z":[]},` +
		`"ms":[{"a":true}],"ms":[{"b":false},{}]`
	for name, body := range map[string]string{
		"well-typed":   `{` + dup + `}`,
		"one mistyped": `{` + dup + `,"extra":0,"n":"3"}`,
	} {
		t.Run(name, func(t *testing.T) {
			var want, got target
			if err := json.Unmarshal([]byte(strings.Replace(body, `"n":"3"`, `"n":3`, 1)), &want); err != nil {
				t.Fatal(err)
			}
			r := RawResponse{Envelope{Raw: json.RawMessage(body)}}
			if err := r.Decode(&got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("lenient\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// endRecorder keeps the CallResult of every EndCall.
type endRecorder struct {
	mu   sync.Mutex
	ends []CallResult
}

func (*endRecorder) StartCall(ctx context.Context, _ CallInfo) context.Context       { return ctx }
func (*endRecorder) StartAttempt(ctx context.Context, _ AttemptInfo) context.Context { return ctx }
func (*endRecorder) EndAttempt(context.Context, AttemptInfo, AttemptResult)          {}
func (r *endRecorder) EndCall(_ context.Context, _ CallInfo, res CallResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, res)
}

// A create whose answer holds an essential value twice with two values
// may have been processed: the read-back decides, and the caller, its
// WithResponse and the observer report the same outcome.
func TestHostileCreateAnswerThenReadBack(t *testing.T) {
	conflict := strings.Replace(orderSample, `"orderNumber": 12345678,`, `"orderNumber": 12345678, "orderNumber": 12345679,`, 1)
	refs := strings.Replace(orderSample, `"productRef": 733551,`, `"productRef": 733551, "productref": 1e400,`, 1)
	other := strings.Replace(orderSample, `"productRef": 733551`, `"productRef": 733552`, 1)
	cases := []struct {
		name, answer, readBack string
		want                   error // nil: the read-back order is adopted
	}{
		{"number twice, read back", conflict, orderSample, nil},
		{"ref unreadable twice, read back", refs, orderSample, nil},
		{"number twice, read back twice", conflict, conflict, ErrAmbiguous},
		{"number twice, read back another order", conflict, other, ErrDuplicateOrder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := &endRecorder{}
			m := newMock(t, WithObserver(obs))
			m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, tc.answer, nil))
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200, tc.readBack, nil))
			resp := Response{HTTPStatus: -1}
			o, err := m.c.Orders.Create(bg, sampleOrder(), WithResponse(&resp))
			if n := m.calls(http.MethodPost, "connect/order/new"); n != 1 {
				t.Errorf("create sent %d times, want once", n)
			}
			if len(obs.ends) != 1 {
				t.Fatalf("%d EndCalls", len(obs.ends))
			}
			end := obs.ends[0]
			if tc.want == nil {
				if err != nil || o.OrderNumber != 12345678 || o.Lines[0].ProductRef != 733551 {
					t.Fatalf("got (%+v, %v), want the order read back", o, err)
				}
				if resp.Attempts != 2 || resp.ReadBacks != 1 || resp.HTTPStatus != 200 {
					t.Errorf("WithResponse %+v, want 2 attempts, 1 read back", resp)
				}
				if end.Err != nil || end.Ambiguous || end.Attempts != 2 || end.ReadBacks != 1 {
					t.Errorf("observer %+v, want success in 2 attempts, 1 read back", end)
				}
				return
			}
			if !errors.Is(err, tc.want) || o != nil {
				t.Fatalf("got (%+v, %v), want %v", o, err, tc.want)
			}
			if errors.Is(err, ErrAmbiguous) != (tc.want == ErrAmbiguous) {
				t.Errorf("%v: ambiguity wrong", err)
			}
			if resp.HTTPStatus != -1 {
				t.Errorf("WithResponse written on failure: %+v", resp)
			}
			if end.Err == nil || end.Ambiguous != errors.Is(err, ErrAmbiguous) || end.Attempts != 2 || apiErrorOf(t, err).Attempts != 2 {
				t.Errorf("observer %+v, caller %v", end, err)
			}
		})
	}
}

// slowObserver blocks one hook for a while, as an exporter stuck on a
// full queue would.
type slowObserver struct {
	endRecorder
	hook string
	d    time.Duration
}

func (o *slowObserver) StartAttempt(ctx context.Context, _ AttemptInfo) context.Context {
	if o.hook == "StartAttempt" {
		time.Sleep(o.d)
	}
	return ctx
}

func (o *slowObserver) EndAttempt(context.Context, AttemptInfo, AttemptResult) {
	if o.hook == "EndAttempt" {
		time.Sleep(o.d)
	}
}

// A hook that blocks past the caller's deadline delays the call, and does
// not change its outcome: an answer read is the answer, a request never
// sent was never processed.
func TestHostileSlowObserverOutcome(t *testing.T) {
	for _, hook := range []string{"StartAttempt", "EndAttempt"} {
		t.Run(hook, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				obs := &slowObserver{hook: hook, d: time.Second}
				m := newMock(t, WithObserver(obs))
				m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, orderSample, nil))
				ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
				defer cancel()
				var resp Response
				o, err := m.c.Orders.Create(ctx, sampleOrder(), WithResponse(&resp))
				sent := m.calls(http.MethodPost, "connect/order/new")
				end := obs.ends[0]
				switch {
				case sent == 0:
					if err == nil || errors.Is(err, ErrAmbiguous) || end.Err == nil || end.Ambiguous {
						t.Errorf("never sent: got (%v, %v), observer %+v, want a definite failure", o, err, end)
					}
				case err != nil || o.OrderNumber != 12345678:
					t.Errorf("sent and answered: got (%v, %v), want the order", o, err)
				case end.Err != nil || resp.Attempts != 1 || end.Attempts != 1:
					t.Errorf("observer %+v, response %+v disagree with the caller", end, resp)
				}
			})
		})
	}
}

// A license key or order number that is not exact text (RFC 8259 §8.1:
// JSON is UTF-8; §8.2: a lone surrogate is not a character) is not
// replaced by U+FFFD, which would hand the shopper another key.
func TestHostileEssentialText(t *testing.T) {
	serial := func(data string) string {
		return "{\"responseCode\":0,\"orderNumber\":7,\"orderLines\":[{\"productRef\":5,\"lineItems\":[{\"serials\":[{\"data\":" + data + "}]}]}]}"
	}
	cases := []struct {
		name, body string
		want       string // "": want ErrInvalidResponse
	}{
		{"plain", serial(`"AB-CD"`), "AB-CD"},
		{"escapes", serial(`"A\"B\\C\/D\u0041"`), "A\"B\\C/DA"},
		{"pair", serial(`"K\ud83d\ude00"`), "K\U0001F600"},
		{"raw multibyte", serial(`"Ké€😀"`), "Ké€😀"},
		{"latin-1 byte", serial("\"K\xe9Y\""), ""},
		{"overlong", serial("\"K\xc0\xaeY\""), ""},
		{"lone high", serial(`"K\ud800Y"`), ""},
		{"lone high at end", serial(`"K\uD800"`), ""},
		{"lone low", serial(`"K\udc00"`), ""},
		{"reversed pair", serial(`"\ude00\ud83d"`), ""},
		{"high then escape", serial(`"\ud83d\n"`), ""},
		{"non-key field latin-1", "{\"responseCode\":0,\"orderNumber\":7,\"orderLines\":[{\"productRef\":5,\"remark\":\"\xe9\",\"lineItems\":[{\"serials\":[{\"data\":\"K\"}]}]}]}", "K"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, tc.body, nil))
			o, err := m.c.Orders.Get(bg, "P1")
			if tc.want == "" {
				if !errors.Is(err, ErrInvalidResponse) {
					t.Fatalf("got (%+v, %v), want ErrInvalidResponse", o, err)
				}
				return
			}
			if err != nil || o.Lines[0].Items[0].Serials[0].Data != tc.want {
				t.Fatalf("got (%+v, %v), want key %q", o, err, tc.want)
			}
		})
	}
}

// An internal-error code on a read is resent in every form RFC 8259 and
// the lenient reading give it, not only as the digits "1000".
func TestHostileInternalCodeForms(t *testing.T) {
	for _, form := range []string{`1000`, `1E3`, `1.0e3`, `10.00e+2`, `1000.0`, `"1000"`, `"\u0031000"`, `" 1e3 "`, `1052`, `1.052E3`, `1065e0`} {
		t.Run(form, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", sequence(
				respond(200, `{"responseCode":`+form+`,"responseMessage":"internal error"}`, nil),
				respond(200, `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":7}`, nil)))
			var resp Response
			o, err := m.c.Orders.Get(bg, "P1", WithResponse(&resp))
			if err != nil || o.OrderNumber != 7 || resp.Attempts != 2 {
				t.Fatalf("got (%+v, %v) in %d attempts, want order 7 in 2", o, err, resp.Attempts)
			}
		})
	}
}

// A write whose first answer is lost and whose resend meets "already
// cancelled" (1011) succeeds only on an answer read whole: one whose
// essential values cannot be read cannot be the caller's result, and the
// outcome stays unknown for the caller, WithResponse and the observer.
func TestHostileSettledByUnreadable1011(t *testing.T) {
	lost := func(*http.Request) (*http.Response, error) { return nil, io.ErrUnexpectedEOF }
	cancel := func(c *Client, opts ...CallOption) (any, error) {
		return c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, "", opts...)
	}
	subCancel := func(c *Client, opts ...CallOption) (any, error) {
		return c.Subscriptions.Cancel(bg, "P1", 3, opts...)
	}
	cases := []struct {
		name, method, path, answer string
		call                       func(*Client, ...CallOption) (any, error)
		settled                    bool
	}{
		{"cancel", http.MethodPut, "connect/order/cancel", `{"responseCode":1011,"partnerOrderNumber":"P1","orderNumber":7}`, cancel, true},
		{"cancel, number unreadable", http.MethodPut, "connect/order/cancel", `{"responseCode":1011,"partnerOrderNumber":"P1","orderNumber":1e400}`, cancel, false},
		{"cancel, number twice", http.MethodPut, "connect/order/cancel", `{"responseCode":1011,"orderNumber":7,"orderNumber":8,"partnerOrderNumber":"P1"}`, cancel, false},
		{"cancel, partner not text", http.MethodPut, "connect/order/cancel", "{\"responseCode\":1011,\"partnerOrderNumber\":\"P\xff1\"}", cancel, false},
		{"subscription cancel", http.MethodPut, "connect/subscription", `{"responseCode":1011,"subscriptionId":3}`, subCancel, true},
		{"subscription cancel, code twice", http.MethodPut, "connect/subscription", `{"responseCode":1011,"responseCode":0}`, subCancel, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := &endRecorder{}
			m := newMock(t, WithObserver(obs))
			m.RegisterResponder(tc.method, testBase+tc.path, sequence(lost, respond(200, tc.answer, nil)))
			resp := Response{HTTPStatus: -1}
			res, err := tc.call(m.c, WithResponse(&resp))
			end := obs.ends[0]
			if tc.settled {
				if err != nil || resp.Attempts != 2 || end.Err != nil || end.ResponseCode != 1011 {
					t.Fatalf("got (%+v, %v), response %+v, observer %+v, want settled by 1011", res, err, resp, end)
				}
				return
			}
			if !errors.Is(err, ErrAmbiguous) || !end.Ambiguous || resp.HTTPStatus != -1 {
				t.Fatalf("got (%+v, %v), response %+v, observer %+v, want ErrAmbiguous everywhere", res, err, resp, end)
			}
		})
	}
}

// A raw path whose segment a server on the way may read as "." or ".."
// is refused before anything is sent (RFC 3986 §6.2.2; Windows servers
// also drop a segment's trailing dots and spaces); what means one thing
// is sent.
func TestHostileRawPaths(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"a/..%20/b", false},
		{"a/.%20", false},
		{"a/..%20.", false},
		{"a/%20%2e%2E", false},
		{"a/%2E%2e%3Bx/b", false},
		{"a/%2F", false},
		{"a/%2520", false},
		{"a/%25x", true},
		{"a/%252E%252e", false},
		{"a/b%20c", true},
		{"a/b.c", true},
		{"a/%3Bx", true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			m := newMock(t)
			m.RegisterNoResponder(respond(200, `{"responseCode":0}`, nil))
			_, err := m.c.Do(bg, &RawRequest{Method: http.MethodGet, Path: tc.path, Resend: true})
			if tc.ok != (err == nil) {
				t.Fatalf("%v, want accepted %v", err, tc.ok)
			}
			if !tc.ok && (!errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "path") || m.GetTotalCallCount() != 0) {
				t.Errorf("%v after %d requests, want ErrInvalidArgument naming path before any", err, m.GetTotalCallCount())
			}
		})
	}
}

// FuzzOrderNumberOneReading checks, for any answer the decoder accepts,
// that every orderNumber member of the order, in any spelling of its
// name, holds the number the caller gets: none is read as another number,
// none is null beside a number, none is dropped as unreadable.
func FuzzOrderNumberOneReading(f *testing.F) {
	for _, s := range []string{
		orderSample,
		`{"responseCode":0,"orderNumber":7,"orderNumber":"7"}`,
		`{"responseCode":0,"orderNumber":7,"ORDERNUMBER":8}`,
		`{"responseCode":0,"order\u004eumber":7,"orderNumber":null}`,
		`{"responseCode":0,"orderNumber":1E2,"orderNumber":100.0}`,
		`{"responseCode":0,"orderNumber":"0x64p0"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var o Order
		if decodeAs(opGetOrder, body, &o) != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(skipBOM(body)))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return
		}
		var null, number bool
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return
			}
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return
			}
			if !strings.EqualFold(tok.(string), "orderNumber") {
				continue
			}
			text := string(raw)
			switch {
			case text == "null":
				null = true
				continue
			case raw[0] == '"':
				if json.Unmarshal(raw, &text) != nil {
					t.Fatalf("accepted an unreadable orderNumber %s", raw)
				}
			}
			n, ok := intOf(text)
			if !ok || OrderNumber(n) != o.OrderNumber {
				t.Fatalf("orderNumber %s read as %d", raw, o.OrderNumber)
			}
			number = true
		}
		if null && number {
			t.Fatalf("orderNumber both null and %d", o.OrderNumber)
		}
	})
}

// A Retry-After of more seconds than an int64 holds (RFC 9110 §10.2.3
// sets no bound) asks for a wait beyond the policy's cap: the read is not
// resent at once as if the header were absent.
func TestHostileRetryAfterBeyondCounting(t *testing.T) {
	for _, v := range []string{"99999999999999999999", "3600"} {
		t.Run(v, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", func(*http.Request) (*http.Response, error) {
				r := respondNow(503, `{}`)
				r.Header.Set("Retry-After", v)
				return r, nil
			})
			_, err := m.c.Orders.Get(bg, "P1")
			if n := m.calls(http.MethodGet, "connect/order/P1"); n != 1 || !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%d requests, %v; want one, ErrUnavailable", n, err)
			}
		})
	}
}

// A stock answer that reports one product twice is read only when both
// entries say the same: Find would otherwise pick one of two levels.
func TestHostileStockTwice(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"same twice", `{"productStatus":[{"productRef":1,"status":100},{"productRef":"1","status":"100","responseMessage":"OK"}]}`, true},
		{"two levels", `{"productStatus":[{"productRef":1,"status":100},{"productRef":1,"status":300}]}`, false},
		{"two codes", `{"productStatus":[{"productRef":1,"status":100},{"productRef":1,"status":100,"responseCode":1010}]}`, false},
		{"two products", `{"productStatus":[{"productRef":1,"status":100},{"productRef":2,"status":300}]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, tc.body, nil))
			s, err := m.c.Stock.Status(bg, []ProductRef{1, 2})
			if tc.ok {
				if p, found := s.Find(1); err != nil || !found || p.Level != InStock {
					t.Fatalf("got (%+v, %v)", s, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("got (%+v, %v), want ErrInvalidResponse", s, err)
			}
		})
	}
}

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// A compressed answer (RFC 1952 gzip, RFC 1950 zlib, raw deflate) is
// capped after decompression: a bomb fails with ErrInvalidResponse in
// bounded memory and is not resent; a body that does not decompress fails
// the same way.
func TestHostileCompressedBodies(t *testing.T) {
	compress := func(enc string, n int) []byte {
		var buf bytes.Buffer
		var w io.WriteCloser
		switch enc {
		case "gzip":
			w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		case "deflate":
			w, _ = zlib.NewWriterLevel(&buf, zlib.BestSpeed)
		case "raw":
			w, _ = flate.NewWriter(&buf, flate.BestSpeed)
		}
		io.WriteString(w, `{"responseCode":0,"orderNumber":7}`)
		io.Copy(w, io.LimitReader(spaces{}, int64(n))) // valid JSON: only the cap refuses it
		w.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name, encoding string
		body           []byte
		ok             bool
	}{
		{"gzip small", "gzip", compress("gzip", 10), true},
		{"raw deflate small", "deflate", compress("raw", 10), true},
		{"gzip bomb", "gzip", compress("gzip", 5*maxBodyBytes), false},
		{"zlib bomb", "deflate", compress("deflate", 5*maxBodyBytes), false},
		{"raw deflate bomb", "deflate", compress("raw", 5*maxBodyBytes), false},
		{"not gzip", "gzip", []byte(`{"responseCode":0,"orderNumber":7}`), false},
		{"gzip of a plain answer", "GZIP", func() []byte {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			io.WriteString(w, "\xef\xbb\xbf{\"responseCode\":0,\"orderNumber\":7}")
			w.Close()
			return buf.Bytes()
		}(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", func(*http.Request) (*http.Response, error) {
				r := respondNow(200, string(tc.body))
				r.Header.Set("Content-Encoding", tc.encoding)
				return r, nil
			})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			o, err := m.c.Orders.Get(bg, "P1")
			runtime.ReadMemStats(&after)
			if tc.ok {
				if err != nil || o.OrderNumber != 7 {
					t.Fatalf("got (%+v, %v)", o, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidResponse) || m.calls(http.MethodGet, "connect/order/P1") != 1 {
				t.Fatalf("got (%+v, %v) after %d requests, want ErrInvalidResponse after one", o, err, m.calls(http.MethodGet, "connect/order/P1"))
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 4*maxBodyBytes {
				t.Errorf("allocated %d MiB", grew>>20)
			}
		})
	}
}

// An empty body (a 204) has nothing encoded, whatever Content-Encoding
// says: it reads as empty, where decompressing it failed.
func TestEmptyBodyWithContentEncoding(t *testing.T) {
	for _, enc := range []string{"gzip", "deflate", "br"} {
		resp := &http.Response{Header: http.Header{"Content-Encoding": {enc}}, Body: http.NoBody}
		if body, err := readBody(resp); err != nil || len(body) != 0 {
			t.Errorf("%s: (%q, %v), want an empty body", enc, body, err)
		}
	}
}
