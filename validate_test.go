package nexway

import (
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every invalid field of a create request is refused before any request,
// with an error naming the field and never echoing the value.
func TestCreateOrderValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		field  string
		mutate func(*CreateOrderRequest)
	}{
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = "" }},
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = strings.Repeat("P", 65) }},
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = "P\n1" }},
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = "P\x7f1" }},
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = "P\xff1" }},
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = " P1" }},
		{"partnerOrderNumber", func(r *CreateOrderRequest) { r.PartnerOrderNumber = ".." }},
		{"orderDate", func(r *CreateOrderRequest) { r.OrderDate = time.Time{} }},
		{"currency", func(r *CreateOrderRequest) { r.Currency = "" }},
		{"currency", func(r *CreateOrderRequest) { r.Currency = "eur" }},
		{"currency", func(r *CreateOrderRequest) { r.Currency = "EURO" }},
		{"affiliateId", func(r *CreateOrderRequest) { r.AffiliateID = ptr(0) }},
		{"orderLines", func(r *CreateOrderRequest) { r.Lines = nil }},
		{"orderLines[0].quantity", func(r *CreateOrderRequest) { r.Lines[0].Quantity = 0 }},
		{"orderLines[0].quantity", func(r *CreateOrderRequest) { r.Lines[0].Quantity = -2 }},
		{"orderLines[0].productRef", func(r *CreateOrderRequest) { r.Lines[0].ProductRef = 0 }},
		{"orderLines[1].productRef", func(r *CreateOrderRequest) {
			r.Lines = append(r.Lines, OrderLineRequest{ProductRef: -1, Quantity: 1})
		}},
		{"orderLines[0].vatRate", func(r *CreateOrderRequest) { r.Lines[0].VATRate = ptr(-1.0) }},
		{"orderLines[0].amountDutyFree", func(r *CreateOrderRequest) { r.Lines[0].AmountDutyFree = ptr(math.NaN()) }},
		{"orderLines[0].amountTotal", func(r *CreateOrderRequest) { r.Lines[0].AmountTotal = ptr(math.Inf(1)) }},
		{"orderLines[0].discounts[0].label", func(r *CreateOrderRequest) {
			r.Lines[0].Discounts = []Discount{{ForeignRef: "D1", Operation: DiscountAmount}}
		}},
		{"customer.email", func(r *CreateOrderRequest) { r.Customer.Email = "" }},
		{"customer.email", func(r *CreateOrderRequest) { r.Customer.Email = "jane.doe.example.com" }},
		{"customer.email", func(r *CreateOrderRequest) { r.Customer.Email = "Jane <jane.doe@example.com>" }},
		{"customer.email", func(r *CreateOrderRequest) { r.Customer.Email = "jane doe@example.com" }},
		{"customer.language", func(r *CreateOrderRequest) { r.Customer.Language = "" }},
		{"customer.language", func(r *CreateOrderRequest) { r.Customer.Language = "fr-FR" }},
		{"customer.language", func(r *CreateOrderRequest) { r.Customer.Language = "FR_fr" }},
		{"customer.language", func(r *CreateOrderRequest) { r.Customer.Language = "fra_FR" }},
		{"customer.ipV4", func(r *CreateOrderRequest) { r.Customer.IPv4 = "300.1.1.1" }},
		{"customer.ipV4", func(r *CreateOrderRequest) { r.Customer.IPv4 = "" }}, // a payment needs an IP
		{"customer.ipV6", func(r *CreateOrderRequest) { r.Customer.IPv6 = "203.0.113.1" }},
		{"customer.locationInvoice.country", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "" }},
		{"customer.locationInvoice.country", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "fr" }},
		{"customer.locationInvoice.country", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "UK" }},
		{"customer.locationInvoice.country", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "FRA" }},
		{"customer.locationInvoice.province", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "US" }},
		{"customer.locationInvoice.province", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "CA" }},
		{"customer.locationInvoice.province", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "BR" }},
		{"customer.locationInvoice.province", func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "AU" }},
		{"customer.locationDelivery.province", func(r *CreateOrderRequest) {
			r.Customer.DeliveryLocation = &Location{Country: "AU"}
		}},
		{"payment.paymentMethod", func(r *CreateOrderRequest) { r.Payment.Method = "" }},
		{"discounts[0].operation", func(r *CreateOrderRequest) {
			r.Discounts = []Discount{{ForeignRef: "D1", Label: "Spring", Operation: "Half"}}
		}},
		{"discounts[0].foreignRef", func(r *CreateOrderRequest) { r.Discounts = []Discount{{}} }},
		{"discounts[0].priceDelta", func(r *CreateOrderRequest) {
			r.Discounts = []Discount{{ForeignRef: "D1", Label: "L", Operation: DiscountPercent, PriceDelta: math.NaN()}}
		}},
		{"metadata[0].key", func(r *CreateOrderRequest) { r.Metadata = []Metadata{{Value: "v"}} }},
	} {
		m := newMock(t)
		r := sampleOrder()
		tc.mutate(r)
		var ae *ArgumentError
		if verr := r.Validate(); !errors.As(verr, &ae) || ae.Field != tc.field {
			t.Errorf("%s: Validate: got %v", tc.field, verr)
		}
		_, err := m.c.Orders.Create(bg, r)
		if !errors.As(err, &ae) || ae.Field != tc.field || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: got %v", tc.field, err)
			continue
		}
		mustContain(t, err.Error(), tc.field)
		for _, leak := range []string{"jane", "example.com", "\n"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: error %q echoes the value", tc.field, err)
			}
		}
		if n := m.GetTotalCallCount(); n != 0 {
			t.Errorf("%s: %d requests sent", tc.field, n)
		}
	}
	m := newMock(t)
	if _, err := m.c.Orders.Create(bg, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil request: %v", err)
	}
	if err := (*CreateOrderRequest)(nil).Validate(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Validate of a nil request: %v", err)
	}
	if err := sampleOrder().Validate(); err != nil {
		t.Errorf("Validate of a valid request: %v", err)
	}
}

func TestValidRequestsPass(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(*CreateOrderRequest){
		"sample": func(*CreateOrderRequest) {},
		"province": func(r *CreateOrderRequest) {
			r.Customer.InvoiceLocation.Country, r.Customer.InvoiceLocation.Province = "US", "US-NY"
		},
		"XE locale":        func(r *CreateOrderRequest) { r.Customer.Language = "en_XE" },
		"Kosovo":           func(r *CreateOrderRequest) { r.Customer.InvoiceLocation.Country = "XK" },
		"IPv6 only":        func(r *CreateOrderRequest) { r.Customer.IPv4, r.Customer.IPv6 = "", "2001:db8::1" },
		"no payment":       func(r *CreateOrderRequest) { r.Payment, r.Customer.IPv4 = nil, "" },
		"zero prices":      func(r *CreateOrderRequest) { r.Lines[0].AmountTotal = ptr(0.0) },
		"unicode number":   func(r *CreateOrderRequest) { r.PartnerOrderNumber = "Commande-é-42" },
		"discount":         func(r *CreateOrderRequest) { r.Discounts = []Discount{{"D1", "Spring", -5, DiscountPercent, 10}} },
		"longest number":   func(r *CreateOrderRequest) { r.PartnerOrderNumber = strings.Repeat("P", 64) },
		"dotted number":    func(r *CreateOrderRequest) { r.PartnerOrderNumber = "P.1" },
		"plus in address":  func(r *CreateOrderRequest) { r.Customer.Email = "jane+shop@example.co.uk" },
		"delivery address": func(r *CreateOrderRequest) { r.Customer.DeliveryLocation = &Location{Country: "CA", Province: "CA-ON"} },
	} {
		r := sampleOrder()
		mutate(r)
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOtherArgumentErrors(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	check := func(name, field string, err error) {
		t.Helper()
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != field {
			t.Errorf("%s: %v, want an argument error on %s", name, err, field)
		}
	}
	_, err := m.c.Orders.Cancel(bg, "P1", CancelReason(-7), "")
	check("negative cancel reason", "reasonCode", err)
	_, err = m.c.Orders.Cancel(bg, "P1", 0, "")
	check("zero cancel reason", "reasonCode", err)
	_, err = m.c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, strings.Repeat("x", 1001))
	check("long comment", "comment", err)
	_, err = m.c.Orders.Cancel(bg, "", ReasonOrderCancelled, "")
	check("cancel without number", "partnerOrderNumber", err)
	_, err = m.c.Orders.Get(bg, "a\tb")
	check("get with a tab", "partnerOrderNumber", err)
	_, err = m.c.Orders.Get(bg, ".")
	check("get a dot segment", "partnerOrderNumber", err)
	_, err = m.c.Downloads.Info(bg, "")
	check("info without number", "partnerOrderNumber", err)
	_, err = m.c.Orders.AwaitDelivery(bg, "P1", 0)
	check("await without interval", "interval", err)
	_, err = m.c.Subscriptions.Cancel(bg, "P1", 0)
	check("cancel subscription 0", "subscriptionId", err)
	_, err = m.c.Subscriptions.Renew(bg, "P1", -1)
	check("renew subscription -1", "subscriptionId", err)
	_, err = m.c.Catalog.Categories(bg, "")
	check("categories without language", "language", err)
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid arguments", n)
	}
}

func TestCountryList(t *testing.T) {
	t.Parallel()
	n := 0
	for _, ok := range isoCountries {
		if ok {
			n++
		}
	}
	if n != 250 { // 249 ISO 3166-1 codes and XK
		t.Errorf("%d country codes, want 250", n)
	}
}

// Invalid UTF-8 in any string of an order, which encoding/json would turn
// into U+FFFD on the way, is refused with the field's JSON path and nothing
// is sent. The walk covers every string field, so a field added later is
// covered too.
func TestEveryOrderTextMustBeUTF8(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	full := sampleOrder()
	full.Customer.DeliveryLocation = &Location{Country: "FR"}
	full.Payment.TransactionID = "T1"
	full.Discounts = []Discount{{"D1", "Spring", -5, DiscountPercent, 10}}
	full.Lines[0].Discounts = []Discount{{"D2", "Line", -1, DiscountAmount, 1}}
	var paths []string
	stringFields(reflect.ValueOf(full).Elem(), "", func(path string, _ reflect.Value) { paths = append(paths, path) })
	if len(paths) < 30 {
		t.Fatalf("walked %d string fields: %v", len(paths), paths)
	}
	for _, target := range paths {
		r := sampleOrder()
		r.Customer.DeliveryLocation = &Location{Country: "FR"}
		r.Payment.TransactionID = "T1"
		r.Discounts = []Discount{{"D1", "Spring", -5, DiscountPercent, 10}}
		r.Lines[0].Discounts = []Discount{{"D2", "Line", -1, DiscountAmount, 1}}
		stringFields(reflect.ValueOf(r).Elem(), "", func(path string, v reflect.Value) {
			if path == target {
				v.SetString(v.String() + "\xff")
			}
		})
		_, err := m.c.Orders.Create(bg, r)
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != target {
			t.Errorf("invalid UTF-8 in %s: %v, want an argument error naming it", target, err)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// stringFields calls fn with the JSON path of every settable string field
// below v.
func stringFields(v reflect.Value, path string, fn func(string, reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			stringFields(v.Elem(), path, fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			stringFields(v.Index(i), indexed(path, i), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			stringFields(v.Field(i), p, fn)
		}
	case reflect.String:
		fn(path, v)
	}
}

// Headers, the user agent and the cancel path are refused before any I/O
// when net/http could not send them or they could change the route.
func TestHeaderAndPathArguments(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	for _, h := range [][2]string{{"", "v"}, {"X Bad", "v"}, {"X:Y", "v"}, {"X-\xff", "v"}, {"X-Ok", "a\x00b"},
		{"X-Ok", "a\rb"}, {"X-Ok", "a\nb"}, {"X-Ok", "\xff"}, {"X-Ok", "a\x7fb"}, {"Secret", "x"}, {"authorization", "x"}} {
		if _, err := m.c.Stock.Status(bg, []ProductRef{1}, WithHeader(h[0], h[1])); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithHeader(%q, %q): %v", h[0], h[1], err)
		}
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	for _, ua := range []string{"shop\r\n", "shop\x00", "shop\xff", "shop\x7f"} {
		if _, err := NewClient(WithUserAgent(ua)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithUserAgent(%q): %v", ua, err)
		}
	}
	for _, p := range []string{"", "/", "a//b", "a/../b", "./a", "a b", "a?b", "a#b", "a%2Fb", "a\x00", "é", "a/"} {
		if _, err := NewClient(WithSubscriptionCancelPath(p)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithSubscriptionCancelPath(%q): %v", p, err)
		}
	}
	for _, cred := range [][2]string{{"re\x00alm", "s"}, {"realm", "s\xff"}, {"realm\n", "s"}} {
		if _, err := NewClient(WithCredentials(cred[0], cred[1])); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("WithCredentials(%q, %q): %v", cred[0], cred[1], err)
		}
	}
	for _, ok := range []string{"connect/subscription/cancel", "/connect/subscription", "v2/sub-scription_x.y~z"} {
		if _, err := NewClient(WithSubscriptionCancelPath(ok)); err != nil {
			t.Errorf("WithSubscriptionCancelPath(%q): %v", ok, err)
		}
	}
	m.RegisterResponder(http.MethodPost, testBase+"connect/stock", respond(200, stockOK, func(r *http.Request) {
		if got := r.Header.Get("X-Shop-Id"); got != "boutique é\t1" {
			t.Errorf("X-Shop-Id = %q", got)
		}
	}))
	if _, err := m.c.Stock.Status(bg, []ProductRef{1}, WithHeader("X-Shop-Id", "boutique é\t1")); err != nil {
		t.Errorf("a valid header was refused: %v", err)
	}
}

// The longest number a new order may have, 64 bytes, still reads back
// with the "-N" suffix Nexway gives its renewals, up to the largest
// generation; a longer one is refused before any request.
func TestRenewalOfTheLongestNumber(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	longest := strings.Repeat("P", 64)
	for _, g := range []int{1, math.MaxInt} {
		number := RenewalOrderNumber(longest, g)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/"+number,
			respond(200, strings.Replace(sampleOrderJSON, `"PARTNER689"`, `"`+number+`"`, 1), nil))
		o, err := m.c.Orders.Get(bg, number)
		if err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
		if o.PartnerOrderNumber != number {
			t.Errorf("generation %d: read %q", g, o.PartnerOrderNumber)
		}
	}
	if _, err := m.c.Orders.Get(bg, RenewalOrderNumber(longest, math.MaxInt)+"0"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a number longer than any renewal's: %v, want ErrInvalidArgument", err)
	}
	r := sampleOrder()
	r.PartnerOrderNumber = RenewalOrderNumber(longest, 1)
	if err := r.Validate(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a new order numbered like a renewal of the longest: %v, want ErrInvalidArgument", err)
	}
}
