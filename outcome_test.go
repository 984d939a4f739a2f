package nexway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/time/rate"
)

// A wire is a real HTTP server on loopback whose answers a test scripts per
// request, so that net/http's own behaviour (connections, traces, cut
// bodies) is part of what is tested.
type wire struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int // per "METHOD /path"
	// answer scripts the n-th request (from 1) of a route.
	answer func(w http.ResponseWriter, r *http.Request, n int)
}

func newWire(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *wire {
	t.Helper()
	wr := &wire{requests: map[string]int{}, answer: answer}
	wr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		wr.mu.Lock()
		key := r.Method + " " + r.URL.Path
		wr.requests[key]++
		n := wr.requests[key]
		wr.mu.Unlock()
		wr.answer(w, r, n)
	}))
	t.Cleanup(wr.Close)
	return wr
}

func (wr *wire) count(method, path string) int {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.requests[method+" /"+path]
}

func (wr *wire) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(wr.URL), WithSecret(testSecret), WithRateLimit(rate.Inf, 0), noWait}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// writeOp is one write operation, with the code a resend meets when the
// first attempt was processed but Nexway refuses the second for another
// reason (a definite failure code of that operation).
type writeOp struct {
	name, method, path string
	refusal            string // a definite failure answer
	resent             bool   // whether the client resends after an ambiguous attempt
	call               func(ctx context.Context, c *Client) error
}

func writeOps() []writeOp {
	until := ExtendUntil(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	return []writeOp{
		{"CreateOrder", http.MethodPost, "connect/order/new", `{"responseCode":1044,"responseMessage":"out of stock"}`, true,
			func(ctx context.Context, c *Client) error { _, err := c.Orders.Create(ctx, sampleOrder()); return err }},
		{"CancelOrder", http.MethodPut, "connect/order/cancel", `{"responseCode":1000,"responseMessage":"internal error"}`, true,
			func(ctx context.Context, c *Client) error {
				_, err := c.Orders.Cancel(ctx, "PARTNER689", ReasonOrderCancelled, "")
				return err
			}},
		{"ExtendDownload", http.MethodPut, "connect/order/download", `{"responseCode":1010,"responseMessage":"order not found"}`, true,
			func(ctx context.Context, c *Client) error {
				_, err := c.Downloads.Extend(ctx, "PARTNER689", until)
				return err
			}},
		{"CancelSubscription", http.MethodPut, "connect/subscription", `{"responseCode":1000,"responseMessage":"internal error"}`, true,
			func(ctx context.Context, c *Client) error {
				_, err := c.Subscriptions.Cancel(ctx, "PARTNER689", 9)
				return err
			}},
		{"RenewSubscription", http.MethodPut, "connect/subscription/renew", `{"responseCode":1000,"responseMessage":"internal error"}`, false,
			func(ctx context.Context, c *Client) error {
				_, err := c.Subscriptions.Renew(ctx, "PARTNER689", 9)
				return err
			}},
	}
}

// matched returns the package's sentinels err matches.
func matched(err error) []error {
	var out []error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			out = append(out, s)
		}
	}
	return out
}

// mustBeAmbiguous fails unless err matches ErrAmbiguous and no other
// sentinel.
func mustBeAmbiguous(t *testing.T, err error) {
	t.Helper()
	if got := matched(err); len(got) != 1 || got[0] != ErrAmbiguous {
		t.Errorf("%v: matches %v, want ErrAmbiguous alone", err, got)
	}
}

// Once a write may have been processed, every outcome other than a
// readable answer is ambiguous, and a resend's refusal does not undo the
// first attempt's possible success.
func TestWriteMaybeProcessedIsAmbiguous(t *testing.T) {
	t.Parallel()
	scenarios := map[string]func(op writeOp) func(w http.ResponseWriter, r *http.Request, n int){
		"answer lost, resend refused": func(op writeOp) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					cut(w)
					return
				}
				writeJSON(w, 200, op.refusal)
			}
		},
		"520": statusAfterProcessing(520),
		"524": statusAfterProcessing(524),
		"599": statusAfterProcessing(599),
		"500": statusAfterProcessing(500),
		"303": statusAfterProcessing(303),
		"truncated 200": func(writeOp) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Length", "200")
				w.WriteHeader(200)
				io.WriteString(w, `{"responseCode":0,"partnerOrderNumber":"PAR`)
				w.(http.Flusher).Flush()
				cut(w)
			}
		},
		"unreadable 200": func(writeOp) func(http.ResponseWriter, *http.Request, int) {
			return func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, 200, `<html><body>OK</body></html>`)
			}
		},
	}
	for _, op := range writeOps() {
		for name, scenario := range scenarios {
			t.Run(op.name+"/"+name, func(t *testing.T) {
				answer := scenario(op)
				wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
					if r.Method == http.MethodGet { // Create reads the order back: not there
						writeJSON(w, 200, `{"responseCode":1010,"responseMessage":"order not found"}`)
						return
					}
					answer(w, r, n)
				})
				err := op.call(bg, wr.client(t))
				mustBeAmbiguous(t, err)
				if want := 4; !op.resent {
					if n := wr.count(op.method, op.path); n != 1 {
						t.Errorf("sent %d times, want once", n)
					}
				} else if n := wr.count(op.method, op.path); n < 1 || n > want {
					t.Errorf("sent %d times", n)
				}
				if op.name == "CreateOrder" && wr.count(http.MethodGet, "connect/order/PARTNER689") == 0 {
					t.Error("an ambiguous create was not read back")
				}
			})
		}
	}
}

func statusAfterProcessing(status int) func(writeOp) func(http.ResponseWriter, *http.Request, int) {
	return func(writeOp) func(http.ResponseWriter, *http.Request, int) {
		return func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<html>%d</html>", status)
		}
	}
}

// The caller's context ends after the request was written: the write may
// have been processed, so the error is ErrAmbiguous (and still says why
// the call ended).
func TestWriteContextEndedAfterSending(t *testing.T) {
	t.Parallel()
	for _, op := range writeOps() {
		t.Run(op.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if r.Method == http.MethodGet {
					writeJSON(w, 200, `{"responseCode":1010}`)
					return
				}
				cancel() // the request is here: the caller gives up
				<-r.Context().Done()
			})
			err := op.call(ctx, wr.client(t))
			mustBeAmbiguous(t, err)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%v does not say the context was cancelled", err)
			}
		})
	}
}

// After an ambiguous attempt, Create reads the order back even when the
// caller's context is over, and returns the order it finds.
func TestCreateReadBackAfterContextEnded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == http.MethodGet {
			writeJSON(w, 200, orderSample)
			return
		}
		cancel()
		<-r.Context().Done()
	})
	o, err := wr.client(t).Orders.Create(ctx, sampleOrder())
	if err != nil || o.OrderNumber != 12345678 {
		t.Fatalf("Create = %+v, %v; want the order read back", o, err)
	}
}

// The same cases with an order to find: Create returns it, whatever the
// last attempt met.
func TestCreateAmbiguousFindsTheOrder(t *testing.T) {
	t.Parallel()
	for _, last := range []string{`{"responseCode":1044}`, `{"responseCode":1000}`, `<html>`, `{"responseCode":1010}`} {
		t.Run(last, func(t *testing.T) {
			wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
				switch {
				case r.Method == http.MethodGet:
					writeJSON(w, 200, orderSample)
				case n == 1:
					cut(w)
				default:
					writeJSON(w, 200, last)
				}
			})
			o, err := wr.client(t).Orders.Create(bg, sampleOrder())
			if err != nil || o.OrderNumber != 12345678 {
				t.Fatalf("Create = %+v, %v", o, err)
			}
		})
	}
}

// A refusal that no attempt could have been processed before is definite.
func TestWriteRefusedIsDefinite(t *testing.T) {
	t.Parallel()
	for _, op := range writeOps() {
		t.Run(op.name, func(t *testing.T) {
			wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					writeJSON(w, 429, `{}`)
					return
				}
				writeJSON(w, 200, op.refusal)
			})
			err := op.call(bg, wr.client(t))
			if got := matched(err); len(got) != 1 || got[0] == ErrAmbiguous {
				t.Errorf("%v: matches %v, want one definite sentinel", err, got)
			}
			if wr.count(http.MethodGet, "connect/order/PARTNER689") != 0 {
				t.Error("a definite failure was read back")
			}
		})
	}
}

// Nothing that never reached Nexway is ambiguous: a refused connection, a
// failed DNS lookup, a connection that could not be made in time, a
// request net/http would not write. Each is retried where that can help.
func TestWriteNeverSentIsDefinite(t *testing.T) {
	t.Parallel()
	refused := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	for _, op := range writeOps() {
		t.Run(op.name+"/connection refused", func(t *testing.T) {
			c, err := NewClient(WithBaseURL(refused(t)), WithSecret(testSecret), WithRateLimit(rate.Inf, 0), noWait)
			if err != nil {
				t.Fatal(err)
			}
			err = op.call(bg, c)
			if got := matched(err); len(got) != 1 || got[0] != ErrUnavailable {
				t.Errorf("%v: matches %v, want ErrUnavailable alone", err, got)
			}
			if e := apiErrorOf(t, err); e.Attempts != 4 {
				t.Errorf("%d attempts, want 4: a refused connection is retried", e.Attempts)
			}
		})
		t.Run(op.name+"/refused by net/http", func(t *testing.T) {
			wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) { t.Error("a request arrived") })
			bad := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set("X-Trace", "a\x00b")
				return http.DefaultTransport.RoundTrip(r)
			})
			err := op.call(bg, wr.client(t, WithTransport(bad)))
			if got := matched(err); len(got) != 1 || got[0] == ErrAmbiguous {
				t.Errorf("%v: matches %v, want one definite sentinel", err, got)
			}
			if e := apiErrorOf(t, err); e.Attempts != 1 {
				t.Errorf("%d attempts: a request net/http refuses cannot succeed on a resend", e.Attempts)
			}
		})
	}
}

// A connection that cannot be made within the attempt timeout never
// carried the request.
func TestWriteConnectTimeoutIsDefinite(t *testing.T) {
	for _, op := range writeOps() {
		t.Run(op.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// net/http lets a dial go on after the request gave up:
				// stop the dials when the test is done.
				stop := make(chan struct{})
				defer close(stop)
				tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					select { // a host that never answers the SYN
					case <-ctx.Done():
					case <-stop:
					}
					return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")}
				}}
				c, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithSecret(testSecret), WithRateLimit(rate.Inf, 0),
					WithTransport(tr), WithTimeout(time.Second), noWait)
				if err != nil {
					t.Fatal(err)
				}
				err = op.call(bg, c)
				if got := matched(err); len(got) != 1 || got[0] != ErrUnavailable {
					t.Errorf("%v: matches %v, want ErrUnavailable alone", err, got)
				}
				if e := apiErrorOf(t, err); e.Attempts != 4 {
					t.Errorf("%d attempts, want 4", e.Attempts)
				}
			})
		})
	}
}

func TestWriteDNSFailureIsDefinite(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("https://nexway.invalid/"), WithSecret(testSecret), WithRateLimit(rate.Inf, 0), noWait)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range writeOps() {
		err := op.call(bg, c)
		if got := matched(err); len(got) != 1 || got[0] != ErrUnavailable {
			t.Errorf("%s: %v: matches %v, want ErrUnavailable alone", op.name, err, got)
		}
	}
}

// A token the client cannot send (a control character in it) fails the
// call before anything reaches the API, definitely and without resending.
func TestUnusableTokenIsNeverSent(t *testing.T) {
	t.Parallel()
	wr := newWire(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/iam/tokens" {
			writeJSON(w, 200, `{"access_token":"abc\u0000def","expires_in":300}`)
			return
		}
		t.Errorf("%s %s reached the API", r.Method, r.URL.Path)
	})
	for _, op := range writeOps() {
		err := op.call(bg, wr.client(t, WithCredentials(testRealm, testClient)))
		if got := matched(err); len(got) != 1 || got[0] != ErrInvalidResponse {
			t.Errorf("%s: %v: matches %v, want ErrInvalidResponse alone", op.name, err, got)
		}
	}
	if n := wr.count(http.MethodPost, "iam/tokens"); n != len(writeOps()) {
		t.Errorf("%d token requests, want one per call: an unusable answer is not retried", n)
	}
}

// Whatever the failure and the operation, an error matches at most one of
// the package's sentinels, and a write whose first attempt may have been
// processed matches ErrAmbiguous alone, unless a resend's answer confirms
// the first attempt's effect (1011 on a cancel).
func TestOneErrorOneMeaning(t *testing.T) {
	t.Parallel()
	firsts := map[string]httpmock.Responder{
		"none": nil,
		"lost": httpmock.NewErrorResponder(io.ErrUnexpectedEOF),
		"503":  respond(503, `{}`, nil),
		"429": func(*http.Request) (*http.Response, error) {
			r := respondNow(429, `{}`)
			r.Header.Set("Retry-After", "0")
			return r, nil
		},
		"unreadable": respond(200, `{"responseCode":0,`, nil),
		"refused":    httpmock.NewErrorResponder(&net.OpError{Op: "dial", Err: errors.New("connection refused")}),
	}
	maybe := map[string]bool{"lost": true, "503": true, "unreadable": true}
	lasts := []string{"200 0", "400", "401", "403", "404", "409", "429", "500", "501", "503", "520", "599", "302", "200 html"}
	for _, oc := range allOps() {
		specs := lasts
		for _, code := range codesOf(oc.op) {
			specs = append(specs, fmt.Sprintf("200 %d", code))
		}
		for fname, first := range firsts {
			for _, last := range specs {
				m := newMock(t)
				var rs []httpmock.Responder
				if first != nil {
					rs = append(rs, first)
				}
				m.RegisterResponder(oc.method, testBase+oc.path, sequence(append(rs, specResponder(last))...))
				m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200, `{"responseCode":1010}`, nil))
				err := oc.call(m.c)
				got := matched(err)
				if len(got) > 1 {
					t.Errorf("%s, first %s, last %s: %v matches %v", oc.op.name, fname, last, err, got)
				}
				confirms := last == "200 1011" && (oc.op == opCancelOrder || oc.op == opCancelSubscription)
				if oc.op.mutates && maybe[fname] && err != nil && !confirms && (len(got) != 1 || got[0] != ErrAmbiguous) {
					t.Errorf("%s, first %s, last %s: %v matches %v, want ErrAmbiguous", oc.op.name, fname, last, err, got)
				}
			}
		}
	}
}

// specResponder answers "200 <code>", "200 html" or "<status>".
func specResponder(spec string) httpmock.Responder {
	status, rest, _ := strings.Cut(spec, " ")
	switch {
	case rest == "html":
		return respond(200, "<html></html>", nil)
	case rest != "":
		return respond(200, `{"responseCode":`+rest+`,"partnerOrderNumber":"P1","orderNumber":1}`, nil)
	}
	var n int
	fmt.Sscan(status, &n)
	return respond(n, `{}`, nil)
}

func codesOf(op *operation) []int {
	var out []int
	for c := range op.codes {
		out = append(out, c)
	}
	for c := range globalCodes {
		out = append(out, c)
	}
	return out
}
