package nexway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// readCase is a read of the package with its route and a success answer.
type readCase struct {
	name, method, path, ok string
	codes                  []int // the internal-error codes of its table
	call                   func(*Client) error
}

var readCases = []readCase{
	{"StockStatus", http.MethodPost, "connect/stock", stockOK, []int{1000},
		func(c *Client) error { _, err := c.Stock.Status(bg, []ProductRef{1}); return err }},
	{"CrossSell", http.MethodPost, "connect/order/crossupsell", `{"responseCode":0,"productsReturn":[]}`, []int{1000},
		func(c *Client) error { _, err := c.CrossSell.Offers(bg, "EN", []CartItem{{1, 1}}); return err }},
	{"GetOrder", http.MethodGet, "connect/order/P1", `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":7}`, []int{1000, 1052, 1065},
		func(c *Client) error { _, err := c.Orders.Get(bg, "P1"); return err }},
	{"DownloadInfo", http.MethodGet, "connect/order/P1/download", `{"responseCode":0,"downloadEndDate":"2024-05-22"}`, []int{1000},
		func(c *Client) error { _, err := c.Downloads.Info(bg, "P1"); return err }},
	{"SubscriptionStatus", http.MethodPost, "connect/subscription", `{"responseCode":0,"status":"active"}`, []int{1000},
		func(c *Client) error { _, err := c.Subscriptions.Status(bg, "P1", 5); return err }},
	{"Categories", http.MethodGet, "connect/catalog/categories/EN", `{"responseCode":0,"categoryList":[]}`, []int{1000},
		func(c *Client) error { _, err := c.Catalog.Categories(bg, "EN"); return err }},
	{"OperatingSystems", http.MethodGet, "connect/catalog/oslist", `{"responseCode":0,"osList":[]}`, []int{1000},
		func(c *Client) error { _, err := c.Catalog.OperatingSystems(bg); return err }},
	{"Raw read", http.MethodPost, "connect/order/history", `{"responseCode":0}`, []int{1000},
		func(c *Client) error {
			_, err := c.Do(bg, &RawRequest{Method: http.MethodPost, Path: "connect/order/history", Resend: true})
			return err
		}},
}

func internalAnswer(rc int) string {
	return `{"responseCode":` + strconv.Itoa(rc) + `,"responseMessage":"internal error"}`
}

// A read that meets one of Nexway's internal-error codes is resent with
// backoff, like a 5xx: the second attempt's success is the answer.
func TestInternalErrorCodeOnReadRetried(t *testing.T) {
	for _, rc := range readCases {
		for _, code := range rc.codes {
			t.Run(rc.name+"/"+strconv.Itoa(code), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
					var s stamps
					m.RegisterResponder(rc.method, testBase+rc.path, sequence(
						respond(200, internalAnswer(code), s.record), respond(200, rc.ok, s.record)))
					if err := rc.call(m.c); err != nil {
						t.Fatal(err)
					}
					if n := m.calls(rc.method, rc.path); n != 2 {
						t.Fatalf("%d attempts, want 2", n)
					}
					// The default policy's first wait is within [250ms, 500ms].
					if g := s.gaps()[0]; g < 250*time.Millisecond || g > 500*time.Millisecond {
						t.Errorf("waited %v before the resend, want the policy's backoff", g)
					}
				})
			})
		}
	}
}

// Exhausting the retries gives the internal error, with every attempt
// counted; the context still ends the call.
func TestInternalErrorCodeOnReadExhausted(t *testing.T) {
	for _, rc := range readCases {
		t.Run(rc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
				m.RegisterResponder(rc.method, testBase+rc.path, respond(200, internalAnswer(1000), nil))
				err := rc.call(m.c)
				e := apiErrorOf(t, err)
				if e.Attempts != 4 || e.ResponseCode != 1000 || !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrAmbiguous) {
					t.Errorf("attempts %d, code %d: %v; want 4 attempts, 1000, ErrUnavailable", e.Attempts, e.ResponseCode, err)
				}
				if n := m.calls(rc.method, rc.path); n != 4 {
					t.Errorf("%d requests, want 4", n)
				}
			})
		})
	}
	t.Run("MaxRetries 0", func(t *testing.T) {
		m := newMock(t, WithRetryPolicy(RetryPolicy{}))
		m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, internalAnswer(1000), nil))
		_, err := m.c.Stock.Status(bg, []ProductRef{1})
		if e := apiErrorOf(t, err); e.Attempts != 1 || !errors.Is(err, ErrUnavailable) {
			t.Errorf("attempts %d: %v", e.Attempts, err)
		}
	})
	t.Run("context", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			m := newMock(t, WithRetryPolicy(DefaultRetryPolicy()))
			m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, internalAnswer(1000), nil))
			ctx, cancel := context.WithTimeout(bg, 600*time.Millisecond)
			defer cancel()
			_, err := m.c.Stock.Status(ctx, []ProductRef{1})
			if n := m.calls(http.MethodPost, "connect/stock"); n < 1 || n > 2 || err == nil {
				t.Errorf("%d requests before the deadline: %v", n, err)
			}
		})
	})
}

// Other codes of a read, and every code of a write, are answers: one
// attempt. A write keeps the answer it got, definite and not ambiguous.
func TestInternalErrorCodeNotRetried(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, `{"responseCode":1010}`, nil))
	if _, err := m.c.Orders.Get(bg, "P1"); !errors.Is(err, ErrNotFound) || m.calls(http.MethodGet, "connect/order/P1") != 1 {
		t.Errorf("1010 on a read: %d attempts, %v", m.calls(http.MethodGet, "connect/order/P1"), err)
	}
	// 1052 is no internal error for the stock table.
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, `{"responseCode":1052}`, nil))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err == nil || m.calls(http.MethodPost, "connect/stock") != 1 {
		t.Errorf("1052 on stock: %d attempts, %v", m.calls(http.MethodPost, "connect/stock"), err)
	}

	writes := []struct {
		name, method, path string
		call               func(*Client) error
	}{
		{"CreateOrder", http.MethodPost, "connect/order/new", func(c *Client) error { _, err := c.Orders.Create(bg, sampleOrder()); return err }},
		{"CancelOrder", http.MethodPut, "connect/order/cancel", func(c *Client) error {
			_, err := c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, "")
			return err
		}},
		{"ExtendDownload", http.MethodPut, "connect/order/download", func(c *Client) error {
			_, err := c.Downloads.Extend(bg, "P1", ExtendUntil(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
			return err
		}},
		{"CancelSubscription", http.MethodPut, "connect/subscription", func(c *Client) error { _, err := c.Subscriptions.Cancel(bg, "P1", 5); return err }},
		{"RenewSubscription", http.MethodPut, "connect/subscription/renew", func(c *Client) error { _, err := c.Subscriptions.Renew(bg, "P1", 5); return err }},
		{"Raw write", http.MethodPut, "connect/x", func(c *Client) error {
			_, err := c.Do(bg, &RawRequest{Method: http.MethodPut, Path: "connect/x", Write: true, Resend: true})
			return err
		}},
	}
	for _, w := range writes {
		for _, code := range []int{1000, 1052, 1065} {
			m := newMock(t)
			m.RegisterResponder(w.method, testBase+w.path, respond(200, internalAnswer(code), nil))
			err := w.call(m.c)
			if n := m.calls(w.method, w.path); n != 1 || errors.Is(err, ErrAmbiguous) || err == nil {
				t.Errorf("%s %d: %d attempts, %v; want one definite answer", w.name, code, n, err)
			}
		}
	}
}
