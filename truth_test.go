package nexway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// callLog is an Observer that keeps what it was given for each call.
type callLog struct {
	mu       sync.Mutex
	starts   int
	attempts []AttemptInfo
	results  []AttemptResult
	ends     []CallResult
}

func (l *callLog) StartCall(ctx context.Context, _ CallInfo) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.starts++
	return ctx
}

func (l *callLog) StartAttempt(ctx context.Context, a AttemptInfo) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts = append(l.attempts, a)
	return ctx
}

func (l *callLog) EndAttempt(_ context.Context, _ AttemptInfo, r AttemptResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, r)
}

func (l *callLog) EndCall(_ context.Context, _ CallInfo, r CallResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ends = append(l.ends, r)
}

// lost answers as a connection cut after the request was processed.
func lost(*http.Request) (*http.Response, error) { return nil, io.ErrUnexpectedEOF }

const (
	cancelOK        = `{"partnerOrderNumber":"P1","orderNumber":7,"responseCode":0}`
	cancelDone      = `{"partnerOrderNumber":"P1","orderNumber":7,"responseCode":1011,"responseMessage":"order already cancelled"}`
	subCancelDone   = `{"partnerOrderNumber":"P1","subscriptionId":3,"status":"cancelled","responseCode":1011}`
	infoP1          = `{"partnerOrderNumber":"P1","downloadEndDate":"2024-05-22","responseCode":0}`
	extendedP1      = `{"partnerOrderNumber":"P1","newDownloadEndDate":"2024-05-29","responseCode":0}`
	orderNotFound   = `{"responseCode":1010,"responseMessage":"order not found"}`
	createDuplicate = `{"partnerOrderNumber":"PARTNER689","responseCode":1010}`
)

// Every outcome of the money table, and reads, seen three ways: the
// caller's (result, error), WithResponse and the Observer. They agree on
// success, on ambiguity, on the error's kind, and on the requests sent.
func TestOneTruth(t *testing.T) {
	t.Parallel()
	type route struct {
		method, path string
		answer       httpmock.Responder
	}
	ok := func(body string) httpmock.Responder { return respond(200, body, nil) }
	status := func(s int) httpmock.Responder { return respond(s, "<html>gateway</html>", nil) }
	seq := func(rs ...httpmock.Responder) httpmock.Responder { return sequence(rs...) }
	create := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Orders.Create(bg, sampleOrder(), o...)
		return r, err
	}
	cancel := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, "", o...)
		return r, err
	}
	extendBy := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Downloads.Extend(bg, "P1", ExtendBy(7*24*time.Hour), o...)
		return r, err
	}
	extendUntil := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Downloads.Extend(bg, "P1", ExtendUntil(time.Date(2024, 5, 29, 0, 0, 0, 0, time.UTC)), o...)
		return r, err
	}
	subCancel := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Subscriptions.Cancel(bg, "P1", 3, o...)
		return r, err
	}
	renew := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Subscriptions.Renew(bg, "P1", 3, o...)
		return r, err
	}
	get := func(c *Client, o ...CallOption) (result, error) {
		r, err := c.Orders.Get(bg, "PARTNER689", o...)
		return r, err
	}
	const (
		createPath = "connect/order/new"
		getPath    = "connect/order/PARTNER689"
		cancelPath = "connect/order/cancel"
		infoPath   = "connect/order/P1/download"
		extendPath = "connect/order/download"
		subPath    = "connect/subscription"
		renewPath  = "connect/subscription/renew"
	)
	other := strings.Replace(orderSample, `"productRef": 733551`, `"productRef": 733552`, 1)
	for _, tc := range []struct {
		name      string
		routes    []route
		call      func(*Client, ...CallOption) (result, error)
		want      error // nil for success
		readBacks int
		code      int // the caller's ResponseCode on success
	}{
		{"create", []route{{"POST", createPath, ok(orderSample)}}, create, nil, 0, 0},
		{"create lost, 1010, read back", []route{{"POST", createPath, seq(lost, ok(createDuplicate))}, {"GET", getPath, ok(orderSample)}}, create, nil, 1, 0},
		{"create lost, 1010, read back differs", []route{{"POST", createPath, seq(lost, ok(createDuplicate))}, {"GET", getPath, ok(other)}}, create, ErrDuplicateOrder, 1, 0},
		{"create lost, read back pending", []route{{"POST", createPath, seq(lost, ok(createDuplicate))}, {"GET", getPath, ok(`{"responseCode":1060}`)}}, create, ErrPending, 1, 0},
		{"create 503s, read back finds none", []route{{"POST", createPath, status(503)}, {"GET", getPath, ok(orderNotFound)}}, create, ErrAmbiguous, 1, 0},
		{"create 503s, read back fails", []route{{"POST", createPath, status(503)}, {"GET", getPath, status(500)}}, create, ErrAmbiguous, 4, 0},
		{"create refused", []route{{"POST", createPath, ok(`{"responseCode":1044}`)}}, create, ErrOutOfStock, 0, 0},
		{"create duplicate", []route{{"POST", createPath, ok(createDuplicate)}}, create, ErrDuplicateOrder, 0, 0},
		{"cancel", []route{{"PUT", cancelPath, ok(cancelOK)}}, cancel, nil, 0, 0},
		{"cancel lost, 1011", []route{{"PUT", cancelPath, seq(lost, ok(cancelDone))}}, cancel, nil, 0, 1011},
		{"cancel 502, 1011", []route{{"PUT", cancelPath, seq(status(502), ok(cancelDone))}}, cancel, nil, 0, 1011},
		{"cancel already cancelled", []route{{"PUT", cancelPath, ok(cancelDone)}}, cancel, ErrAlreadyCancelled, 0, 0},
		{"cancel 502s", []route{{"PUT", cancelPath, status(502)}}, cancel, ErrAmbiguous, 0, 0},
		{"extend until", []route{{"PUT", extendPath, ok(extendedP1)}}, extendUntil, nil, 0, 0},
		{"extend by", []route{{"GET", infoPath, ok(infoP1)}, {"PUT", extendPath, ok(extendedP1)}}, extendBy, nil, 1, 0},
		{"extend by, read retried", []route{{"GET", infoPath, seq(status(503), ok(infoP1))}, {"PUT", extendPath, ok(extendedP1)}}, extendBy, nil, 2, 0},
		{"extend by, not found", []route{{"GET", infoPath, ok(orderNotFound)}}, extendBy, ErrNotFound, 1, 0},
		{"extend by, write 502s", []route{{"GET", infoPath, ok(infoP1)}, {"PUT", extendPath, status(502)}}, extendBy, ErrAmbiguous, 1, 0},
		{"subscription cancel", []route{{"PUT", subPath, ok(subscriptionSample)}}, subCancel, nil, 0, 0},
		{"subscription cancel lost, 1011", []route{{"PUT", subPath, seq(lost, ok(subCancelDone))}}, subCancel, nil, 0, 1011},
		{"subscription cancel already", []route{{"PUT", subPath, ok(subCancelDone)}}, subCancel, ErrAlreadyCancelled, 0, 0},
		{"subscription cancel 503s", []route{{"PUT", subPath, status(503)}}, subCancel, ErrAmbiguous, 0, 0},
		{"renew", []route{{"PUT", renewPath, ok(subscriptionSample)}}, renew, nil, 0, 0},
		{"renew 503", []route{{"PUT", renewPath, status(503)}}, renew, ErrAmbiguous, 0, 0},
		{"get", []route{{"GET", getPath, seq(status(503), ok(orderSample))}}, get, nil, 0, 0},
		{"get not found", []route{{"GET", getPath, ok(orderNotFound)}}, get, ErrNotFound, 0, 0},
		{"get 503s", []route{{"GET", getPath, status(503)}}, get, ErrUnavailable, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &callLog{}
			m := newMock(t, WithObserver(log))
			for _, r := range tc.routes {
				m.RegisterResponder(r.method, testBase+r.path, r.answer)
			}
			resp := Response{RequestID: "untouched"}
			out, err := tc.call(m.c, WithResponse(&resp))
			sent := m.GetTotalCallCount()

			// The caller's view.
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("caller got %v, want %v", err, tc.want)
			}
			if log.starts != 1 || len(log.ends) != 1 {
				t.Fatalf("%d StartCall, %d EndCall, want one of each", log.starts, len(log.ends))
			}
			end := log.ends[0]
			if len(log.attempts) != sent || len(log.results) != sent || end.Attempts != sent {
				t.Errorf("%d requests sent; observer: %d attempts started, %d ended, Attempts %d", sent, len(log.attempts), len(log.results), end.Attempts)
			}
			parts := 0
			for i, a := range log.attempts {
				if a.Attempt != i+1 {
					t.Errorf("attempt %d numbered %d", i+1, a.Attempt)
				}
				if a.Part != "" {
					parts++
				}
			}
			if parts != tc.readBacks || end.ReadBacks != tc.readBacks {
				t.Errorf("%d attempts of parts, ReadBacks %d, want %d", parts, end.ReadBacks, tc.readBacks)
			}

			if err == nil {
				// Success everywhere.
				if end.Err != nil || end.Ambiguous {
					t.Errorf("caller succeeded; observer: err %v, ambiguous %v", end.Err, end.Ambiguous)
				}
				if resp.Attempts != sent || resp.ReadBacks != tc.readBacks || resp.HTTPStatus != 200 || resp.RequestID == "untouched" {
					t.Errorf("caller succeeded; WithResponse %+v, want %d attempts, %d read back", resp, sent, tc.readBacks)
				}
				if end.HTTPStatus != resp.HTTPStatus || end.ResponseCode != out.envelope().ResponseCode || end.ResponseCode != tc.code {
					t.Errorf("observer: HTTP %d code %d; caller: HTTP %d code %d, want code %d", end.HTTPStatus, end.ResponseCode, resp.HTTPStatus, out.envelope().ResponseCode, tc.code)
				}
				return
			}
			// Failure everywhere, with the same meaning.
			if resp.RequestID != "untouched" || resp.Attempts != 0 {
				t.Errorf("caller failed; WithResponse was written: %+v", resp)
			}
			if end.Err == nil {
				t.Fatal("caller failed; observer saw a success")
			}
			if end.Err == err {
				t.Error("the observer was handed the caller's error")
			}
			if end.Err.Error() != err.Error() {
				t.Errorf("observer's error %q, caller's %q", end.Err, err)
			}
			if end.Ambiguous != errors.Is(err, ErrAmbiguous) {
				t.Errorf("observer: ambiguous %v; caller: %v", end.Ambiguous, err)
			}
			for _, s := range sentinels {
				if errors.Is(end.Err, s) != errors.Is(err, s) {
					t.Errorf("caller's error matches %v: %v; observer's: %v", s, errors.Is(err, s), errors.Is(end.Err, s))
				}
			}
			if e := apiErrorOf(t, err); e.Attempts != sent || e.HTTPStatus != end.HTTPStatus || e.ResponseCode != end.ResponseCode {
				t.Errorf("caller's error: %d attempts, HTTP %d, code %d; observer: %d, HTTP %d, code %d (sent %d)",
					e.Attempts, e.HTTPStatus, e.ResponseCode, end.Attempts, end.HTTPStatus, end.ResponseCode, sent)
			}
		})
	}
}
