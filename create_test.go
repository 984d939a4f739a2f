package nexway

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// nexwayOrders imitates Nexway's create and get for one partnerOrderNumber:
// the first create may be processed while its answer is lost.
type nexwayOrders struct {
	mu      sync.Mutex
	created int
	// loseFirst drops the answer of the first create after processing it.
	loseFirst bool
	// stored is what Get returns once an order exists.
	stored string
}

func (n *nexwayOrders) create(r *http.Request) (*http.Response, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.created > 0 {
		return respondNow(200, `{"partnerOrderNumber":"PARTNER689","responseCode":1010,"responseMessage":"order already created"}`), nil
	}
	n.created++
	if n.loseFirst {
		return nil, io.ErrUnexpectedEOF // processed, but the connection died
	}
	return respondNow(200, n.stored), nil
}

func (n *nexwayOrders) get(r *http.Request) (*http.Response, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.created == 0 {
		return respondNow(200, `{"responseCode":1010,"responseMessage":"order not found"}`), nil
	}
	return respondNow(200, n.stored), nil
}

func (n *nexwayOrders) register(m *mock) {
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", n.create)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", n.get)
}

// Lost response, retry meets 1010, the order is read back: one order.
func TestCreateLostResponseThenDuplicate(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	n := &nexwayOrders{loseFirst: true, stored: orderSample}
	n.register(m)
	got, err := m.c.Orders.Create(bg, sampleOrder())
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, got, orderSample)
	if n.created != 1 || m.calls(http.MethodPost, "connect/order/new") != 2 || m.calls(http.MethodGet, "connect/order/PARTNER689") != 1 {
		t.Errorf("created %d, %v", n.created, m.GetCallCountInfo())
	}
}

// 1010 on a first attempt is someone else's order.
func TestCreateDuplicateOnFirstAttempt(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	n := &nexwayOrders{created: 1, stored: orderSample}
	n.register(m)
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrDuplicateOrder) || errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%v, want ErrDuplicateOrder", err)
	}
	if m.calls(http.MethodGet, "connect/order/PARTNER689") != 0 {
		t.Error("a definite duplicate was read back")
	}
}

// 1010 after a lost answer, but the stored order has other products.
func TestCreateDuplicateMismatch(t *testing.T) {
	t.Parallel()
	for name, stored := range map[string]string{
		"other product":  strings.Replace(orderSample, `"productRef": 733551`, `"productRef": 733552`, 1),
		"more units":     strings.Replace(orderSample, `"lineItems": [ {`, `"lineItems": [ {"responseCode":0}, {"responseCode":0}, {`, 1),
		"other number":   strings.Replace(orderSample, `"partnerOrderNumber": "PARTNER689"`, `"partnerOrderNumber": "OTHER"`, 1),
		"no order lines": `{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderLines":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			n := &nexwayOrders{loseFirst: true, stored: stored}
			n.register(m)
			_, err := m.c.Orders.Create(bg, sampleOrder())
			if !errors.Is(err, ErrDuplicateOrder) || errors.Is(err, ErrAmbiguous) {
				t.Fatalf("%v, want ErrDuplicateOrder", err)
			}
		})
	}
}

// A line that lists fewer units than the request asked for is not the
// requested order: one line item per unit.
func TestCreateFewerUnitsIsADuplicate(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	n := &nexwayOrders{loseFirst: true, stored: orderSample}
	n.register(m)
	r := sampleOrder()
	r.Lines[0].Quantity = 3
	_, err := m.c.Orders.Create(bg, r)
	if !errors.Is(err, ErrDuplicateOrder) || errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%v, want ErrDuplicateOrder alone", err)
	}
}

// Every attempt fails ambiguously: the order is looked up once more.
func TestCreateAmbiguousReconciled(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	created := false
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", func(*http.Request) (*http.Response, error) {
		created = true
		return respondNow(504, "gateway timeout"), nil
	})
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", func(*http.Request) (*http.Response, error) {
		if created {
			return respondNow(200, orderSample), nil
		}
		return respondNow(200, `{"responseCode":1010}`), nil
	})
	got, err := m.c.Orders.Create(bg, sampleOrder())
	if err != nil {
		t.Fatalf("an order created behind a gateway timeout was not found: %v", err)
	}
	if got.OrderNumber != 12345678 {
		t.Errorf("order = %+v", got)
	}
}

// When nothing can be learnt, the error says the outcome is unknown.
func TestCreateAmbiguousUnresolved(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(503, "", nil))
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200, `{"responseCode":1010}`, nil))
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrAmbiguous) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v, want ErrAmbiguous alone", err)
	}
	mustContain(t, err.Error(), "outcome unknown")
	if e := apiErrorOf(t, err); e.Attempts != 5 { // 4 creates, 1 read-back
		t.Errorf("%d attempts, want 5", e.Attempts)
	}
}

// A definite refusal is not reconciled.
func TestCreateDefiniteFailure(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, `{"responseCode":1044,"responseMessage":"out of stock"}`, nil))
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrOutOfStock) || errors.Is(err, ErrAmbiguous) {
		t.Fatalf("%v, want ErrOutOfStock", err)
	}
	if m.calls(http.MethodGet, "connect/order/PARTNER689") != 0 {
		t.Error("a definite failure was read back")
	}
}

// An order created behind a lost answer that waits for validation: the
// pending state is the answer.
func TestCreateAmbiguousPending(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	n := &nexwayOrders{loseFirst: true, stored: `{"partnerOrderNumber":"PARTNER689","orderNumber":5,"responseCode":1060,"responseMessage":"payment"}`}
	n.register(m)
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrPending) {
		t.Fatalf("%v, want ErrPending", err)
	}
}

// After a lost answer, a 1010 whose order cannot be read back stays
// ambiguous rather than claiming a duplicate.
func TestCreateDuplicateUnreadable(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	n := &nexwayOrders{loseFirst: true, stored: orderSample}
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", n.create)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(500, "", nil))
	_, err := m.c.Orders.Create(bg, sampleOrder())
	if !errors.Is(err, ErrAmbiguous) || errors.Is(err, ErrDuplicateOrder) {
		t.Fatalf("%v, want ErrAmbiguous alone", err)
	}
}
