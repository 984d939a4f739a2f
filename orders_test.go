package nexway

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"testing/synctest"
	"time"
)

func ptr[T any](v T) *T { return &v }

// sampleOrder is an example create-order request assembled from Nexway's
// documentation and production integrations.
func sampleOrder() *CreateOrderRequest {
	return &CreateOrderRequest{
		PartnerOrderNumber: "PARTNER689",
		OrderDate:          time.Date(2024, 5, 1, 10, 15, 0, 0, time.FixedZone("CEST", 2*3600)),
		MarketingProgramID: "spring-campaign",
		Currency:           "EUR",
		Lines:              []OrderLineRequest{{ProductRef: 733551, Quantity: 1, VATRate: ptr(20.0), AmountDutyFree: ptr(41.66), AmountTotal: ptr(49.99)}},
		Customer: Customer{
			PartnerID: "cust-42", Email: "jane.doe@example.com", Language: "fr_FR", IPv4: "203.0.113.10",
			InvoiceLocation: Location{Title: 1, FirstName: "Jane", LastName: "Doe", Address1: "1 rue Exemple", ZipCode: "75001", City: "Paris", Country: "FR"},
		},
		Payment:  &Payment{Method: ExternalPayment},
		Metadata: []Metadata{{Key: "channel", Value: "web"}},
	}
}

const sampleOrderJSON = `{
  "partnerOrderNumber": "PARTNER689",
  "orderDate": "2024-05-01T10:15:00+02:00",
  "marketingProgramId": "spring-campaign",
  "currency": "EUR",
  "orderLines": [ { "productRef": 733551, "quantity": 1, "vatRate": 20.0, "amountDutyFree": 41.66, "amountTotal": 49.99 } ],
  "customer": {
    "partnerId": "cust-42", "email": "jane.doe@example.com", "language": "fr_FR", "ipV4": "203.0.113.10",
    "locationInvoice": { "title": 1, "firstName": "Jane", "lastName": "Doe", "address1": "1 rue Exemple",
      "zipCode": "75001", "city": "Paris", "country": "FR" }
  },
  "payment": { "paymentMethod": "External Payment" },
  "metadata": [ { "key": "channel", "value": "web" } ]
}`

// A CreateOrderResponse as documented
// (https://api-doc.nexway.store/nexway-connect/resources/createorderresponse?v=latest),
// with a subscription item.
const orderSample = `{
  "responseCode": 0, "responseMessage": "OK",
  "partnerOrderNumber": "PARTNER689", "orderNumber": 12345678,
  "downloadManager": { "pc": "https://dl.test/downloadManager_X.exe", "mac": "https://dl.test/downloadManager_X.dmg" },
  "orderLines": [ {
    "productRef": 733551, "dateEndDownload": "2024-05-22", "digitalLockerLink": "https://locker.test/1",
    "remark": "Activate within 30 days",
    "files": [ { "label": "Setup", "type": "exe", "url": "https://dl.test/setup.exe", "size": 123456789.0, "group": "main" } ],
    "lineItems": [ {
      "serials": [ { "data": "XXXX-XXXX-XXXX", "encoding": "", "charset": "", "fileName": "" } ],
      "subscriptionId": 987654, "responseCode": 0, "responseMessage": "OK" } ],
    "responseCode": 0, "responseMessage": "OK" } ]
}`

var wantSampleOrder = Order{
	PartnerOrderNumber: "PARTNER689",
	OrderNumber:        12345678,
	DownloadManager:    DownloadManager{PC: "https://dl.test/downloadManager_X.exe", Mac: "https://dl.test/downloadManager_X.dmg"},
	Lines: []OrderLine{{
		ProductRef: 733551, DateEndDownload: Date{2024, time.May, 22}, DigitalLockerLink: "https://locker.test/1",
		Remark: "Activate within 30 days",
		Files:  []File{{Label: "Setup", Type: "exe", URL: "https://dl.test/setup.exe", Size: 123456789, Group: "main"}},
		Items: []LineItem{{
			Serials:        []Serial{{Data: "XXXX-XXXX-XXXX"}},
			SubscriptionID: 987654, ResponseMessage: "OK",
		}},
		ResponseMessage: "OK",
	}},
}

func checkOrder(t *testing.T, got *Order, raw string) {
	t.Helper()
	want := wantSampleOrder
	want.ResponseMessage, want.Raw = "OK", []byte(raw)
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("order\n got %+v\nwant %+v", *got, want)
	}
}

func TestOrdersCreate(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, orderSample, func(r *http.Request) {
		checkHeaders(t, r, "Bearer tok-1", true)
		equalJSON(t, jsonBody(t, r), sampleOrderJSON)
	}))
	got, err := m.c.Orders.Create(bg, sampleOrder())
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, got, orderSample)
	if !got.Delivered() {
		t.Error("a fully fulfilled order is not Delivered")
	}
	if ids := got.SubscriptionIDs(); !reflect.DeepEqual(ids, []SubscriptionID{987654}) {
		t.Errorf("SubscriptionIDs = %v", ids)
	}
}

func TestOrdersGet(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	// The id is one escaped path segment.
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/A%2FB%3F1", respond(200, orderSample, func(r *http.Request) {
		checkHeaders(t, r, "Bearer tok-1", false)
		if r.Body != nil && r.Body != http.NoBody {
			if b := jsonBody(t, r); b != nil {
				t.Errorf("GET has a body: %v", b)
			}
		}
	}))
	got, err := m.c.Orders.Get(bg, "A/B?1")
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, got, orderSample)
}

func TestOrderUndelivered(t *testing.T) {
	t.Parallel()
	o := Order{Lines: []OrderLine{{Items: []LineItem{{}, {ResponseCode: 1051}}}}}
	if o.Delivered() {
		t.Error("an order with an item still waiting for its key is Delivered")
	}
	o = Order{Lines: []OrderLine{{ResponseCode: 1040}}}
	if o.Delivered() {
		t.Error("an order with a failed line is Delivered")
	}
}

func TestSerialBytes(t *testing.T) {
	t.Parallel()
	b, err := Serial{Data: "aGVsbG8=", Encoding: "BASE64"}.Bytes()
	if err != nil || string(b) != "hello" {
		t.Errorf("base64 serial = %q, %v", b, err)
	}
	if _, err := (Serial{Data: "%%%", Encoding: "base64"}).Bytes(); err == nil {
		t.Error("invalid base64 decoded without error")
	}
	if b, _ := (Serial{Data: "AB-CD"}).Bytes(); string(b) != "AB-CD" {
		t.Errorf("plain serial = %q", b)
	}
}

func TestOrdersCancel(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel",
		respond(200, `{"partnerOrderNumber":"PARTNER689","orderNumber":12345678,"responseCode":0,"responseMessage":"OK"}`, func(r *http.Request) {
			checkHeaders(t, r, "Bearer tok-1", true)
			equalJSON(t, jsonBody(t, r), `{"partnerOrderNumber":"PARTNER689","reasonCode":2,"comment":"customer request"}`)
		}))
	got, err := m.c.Orders.Cancel(bg, "PARTNER689", ReasonOrderCancelled, "customer request")
	if err != nil {
		t.Fatal(err)
	}
	if got.PartnerOrderNumber != "PARTNER689" || got.OrderNumber != 12345678 || got.ResponseCode != 0 {
		t.Errorf("cancellation = %+v", got)
	}
}

func TestOrdersCancelAlreadyCancelled(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel",
		respond(200, `{"partnerOrderNumber":"P1","orderNumber":1,"responseCode":1011,"responseMessage":"order already cancelled"}`, nil))
	_, err := m.c.Orders.Cancel(bg, "P1", ReasonDuplicateOrder, "")
	if !errors.Is(err, ErrAlreadyCancelled) {
		t.Fatalf("a first-attempt 1011 gave %v, want ErrAlreadyCancelled", err)
	}
}

func TestOrdersCancelRetriedIntoAlreadyCancelled(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	// The first cancel is applied but its answer is lost; the retry meets 1011.
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/cancel",
		sequence(respond(502, "<html>bad gateway</html>", nil),
			respond(200, `{"partnerOrderNumber":"P1","orderNumber":7,"responseCode":1011,"responseMessage":"order already cancelled"}`, nil)))
	got, err := m.c.Orders.Cancel(bg, "P1", ReasonCustomerUnsatisfied, "")
	if err != nil {
		t.Fatalf("retried cancel that met 1011: %v", err)
	}
	if got.ResponseCode != 1011 || got.OrderNumber != 7 {
		t.Errorf("cancellation = %+v, want code 1011 and the order number", got)
	}
	if n := m.calls(http.MethodPut, "connect/order/cancel"); n != 2 {
		t.Errorf("%d cancel requests, want 2", n)
	}
}

func TestCancelReasonString(t *testing.T) {
	t.Parallel()
	if ReasonFraudChargeback.String() != "fraud or chargeback" || CancelReason(9).String() != "CancelReason(9)" {
		t.Error("CancelReason.String")
	}
}

func TestAwaitDelivery(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		pending := `{"partnerOrderNumber":"P1","orderNumber":5,"responseCode":1060,"responseMessage":"waiting for payment validation"}`
		waiting := `{"partnerOrderNumber":"P1","orderNumber":5,"responseCode":0,"orderLines":[{"productRef":1,"lineItems":[{"responseCode":1051}]}]}`
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1",
			sequence(respond(200, pending, nil), respond(200, pending, nil), respond(200, waiting, nil), respond(200, orderSample, nil)))
		start := time.Now()
		got, err := m.c.Orders.AwaitDelivery(bg, "P1", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got.OrderNumber != 12345678 {
			t.Errorf("delivered order = %+v", got)
		}
		// Four reads: immediately, then one a minute.
		if n, d := m.calls(http.MethodGet, "connect/order/P1"), time.Since(start); n != 4 || d != 3*time.Minute {
			t.Errorf("%d reads over %v, want 4 over 3m", n, d)
		}
	})
}

func TestAwaitDeliveryGivesUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1",
			respond(200, `{"partnerOrderNumber":"P1","responseCode":1061,"responseMessage":"fraud check"}`, nil))
		ctx, cancel := context.WithTimeout(bg, 10*time.Minute)
		defer cancel()
		_, err := m.c.Orders.AwaitDelivery(ctx, "P1", time.Minute)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrPending) {
			t.Errorf("err = %v, want the deadline and the pending state", err)
		}
		// A rejected order ends the wait at once.
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P2",
			respond(200, `{"partnerOrderNumber":"P2","responseCode":1062,"responseMessage":"fraud"}`, nil))
		if _, err := m.c.Orders.AwaitDelivery(bg, "P2", time.Minute); !errors.Is(err, ErrOrderRejected) {
			t.Errorf("rejected order: %v", err)
		}
	})
}
