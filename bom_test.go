package nexway

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
)

const bomText = "\xef\xbb\xbf"

// Every decoder of the package reads an answer that starts with a UTF-8
// byte order mark, and Raw keeps the JSON without it.
func TestBOMSkippedInResults(t *testing.T) {
	t.Parallel()
	for _, rc := range readCases {
		t.Run(rc.name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(rc.method, testBase+rc.path, respond(200, bomText+rc.ok, nil))
			if err := rc.call(m.c); err != nil {
				t.Fatal(err)
			}
		})
	}
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, bomText+`{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":7}`, nil))
	o, err := m.c.Orders.Get(bg, "P1")
	if err != nil || o.OrderNumber != 7 || o.PartnerOrderNumber != "P1" {
		t.Fatalf("order %+v, %v", o, err)
	}
	if bytes.HasPrefix(o.Raw, []byte(bomText)) {
		t.Error("Raw keeps the byte order mark")
	}
	// Writes: a BOM does not make a processed write ambiguous.
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel", respond(200, bomText+`{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":7}`, nil))
	if c, err := m.c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, ""); err != nil || c.OrderNumber != 7 {
		t.Errorf("cancel %+v, %v", c, err)
	}
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, bomText+`{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderNumber":7,"orderLines":[{"productRef":733551}]}`, nil))
	if o, err := m.c.Orders.Create(bg, sampleOrder()); err != nil || o.OrderNumber != 7 {
		t.Errorf("create %+v, %v", o, err)
	}
	if n := m.calls(http.MethodGet, "connect/order/PARTNER689"); n != 0 {
		t.Errorf("the create was read back %d times: its answer was not read", n)
	}
}

// An error envelope behind a BOM is read: its code decides the sentinel,
// on a 2xx and on an error status.
func TestBOMSkippedInErrorEnvelopes(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 400, 404} {
		m := newMock(t)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(status, bomText+`{"responseCode":1060,"responseMessage":"waiting"}`, nil))
		_, err := m.c.Orders.Get(bg, "P1")
		if e := apiErrorOf(t, err); e.ResponseCode != 1060 || !errors.Is(err, ErrPending) {
			t.Errorf("HTTP %d: code %d, %v; want 1060 ErrPending", status, e.ResponseCode, err)
		}
	}
}

// The token answer behind a BOM gives a token.
func TestBOMSkippedInTokenAnswer(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodPost, testBase+"iam/tokens", respond(200,
		bomText+`{"access_token":"tok-bom","expires_in":300,"refresh_token":"ref-bom","refresh_expires_in":1800,"token_type":"bearer"}`, nil))
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, func(r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok-bom" {
			t.Errorf("Authorization %q", got)
		}
	}))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}); err != nil {
		t.Fatal(err)
	}
}

// RawResponse.Decode reads a Raw that starts with a BOM, whether the
// answer came through Client.Do or was built by hand.
func TestBOMSkippedInRawDecode(t *testing.T) {
	t.Parallel()
	type history struct {
		Orders []struct {
			OrderNumber OrderNumber `json:"orderNumber"`
		} `json:"ordersHistory"`
	}
	const body = `{"responseCode":0,"ordersHistory":[{"orderNumber":"42"}]}`
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/history", respond(200, bomText+body, nil))
	r, err := m.c.Do(bg, &RawRequest{Method: http.MethodPost, Path: "connect/order/history", Resend: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []*RawResponse{r, {Envelope{Raw: []byte(bomText + body)}}} {
		var h history
		if err := raw.Decode(&h); err != nil || len(h.Orders) != 1 || h.Orders[0].OrderNumber != 42 {
			t.Errorf("decoded %+v, %v", h, err)
		}
		var anything any
		if err := raw.Decode(&anything); err != nil {
			t.Errorf("into any: %v", err)
		}
	}
}

// A create whose answer was lost is read back, and the read-back's answer
// behind a BOM decides it.
func TestBOMSkippedInReadBack(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(503, "", nil))
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200,
		bomText+`{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderNumber":9,"orderLines":[{"productRef":733551,"lineItems":[{}]}]}`, nil))
	o, err := m.c.Orders.Create(bg, sampleOrder())
	if err != nil || o.OrderNumber != 9 {
		t.Fatalf("order %+v, %v", o, err)
	}
}

// Only one leading mark is skipped: one elsewhere is not JSON.
func TestBOMOnlyLeading(t *testing.T) {
	t.Parallel()
	for _, body := range []string{" " + bomText + `{"responseCode":0}`, bomText + bomText + `{"responseCode":0}`} {
		var env Envelope
		if _, err := decodeJSON([]byte(body), &env); err == nil {
			t.Errorf("%q decoded", body)
		}
	}
}
