package nexway

import (
	"encoding/json"
	"time"
)

// CreateOrderRequest is an order to create at Nexway, once the storefront
// has taken the payment (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/create-order).
// Optional fields are omitted from
// the request when zero or nil.
type CreateOrderRequest struct {
	// PartnerOrderNumber is the storefront's own order id. Nexway refuses a
	// second order with the same number, which is what lets the client
	// retry creation safely. Required.
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	// OrderDate is when the shopper ordered; sent as ISO 8601 with its
	// offset. Required.
	OrderDate time.Time `json:"-"`
	// Currency is the ISO 4217 code of the amounts. Required.
	Currency string `json:"currency"`
	// MarketingProgramID is free text that lets marketing find the order.
	MarketingProgramID string `json:"marketingProgramId,omitempty"`
	// AffiliateID identifies an affiliate registered at Nexway.
	AffiliateID *int `json:"affiliateId,omitempty"`
	// Lines are the products ordered. At least one.
	Lines []OrderLineRequest `json:"orderLines"`
	// Customer is the shopper. Nexway needs the real e-mail address: some
	// publishers deliver or activate by e-mail.
	Customer Customer `json:"customer"`
	// Payment describes the payment taken by the storefront.
	Payment *Payment `json:"payment,omitempty"`
	// Discounts apply to the whole order.
	Discounts []Discount `json:"discounts,omitempty"`
	// Metadata are free key/value pairs kept with the order.
	Metadata []Metadata `json:"metadata,omitempty"`
}

// orderDateLayout is ISO 8601 with a numeric offset, as in Nexway's samples
// ("2004-02-12T15:19:21+00:00"), never "Z".
const orderDateLayout = "2006-01-02T15:04:05-07:00"

// MarshalJSON writes the request as Nexway expects it, with the order date
// in ISO 8601 with its offset.
func (r *CreateOrderRequest) MarshalJSON() ([]byte, error) { return json.Marshal(r.wire()) }

// wire is the request's JSON form. The client encodes it directly: a
// MarshalJSON method would make encoding/json check and compact the output
// a second time.
func (r *CreateOrderRequest) wire() any {
	type plain CreateOrderRequest
	return struct {
		*plain
		OrderDate string `json:"orderDate"`
	}{(*plain)(r), r.OrderDate.Format(orderDateLayout)}
}

// OrderLineRequest is one product of a new order. Whether the amounts are
// required depends on the partner's configuration at Nexway (code 1053).
type OrderLineRequest struct {
	ProductRef     ProductRef `json:"productRef"`
	Quantity       int        `json:"quantity"`
	VATRate        *float64   `json:"vatRate,omitempty"`        // percent, e.g. 20
	AmountDutyFree *float64   `json:"amountDutyFree,omitempty"` // excluding tax
	AmountTotal    *float64   `json:"amountTotal,omitempty"`    // including tax
	Discounts      []Discount `json:"discounts,omitempty"`      // per-line; documented for the legacy API only
}

// Customer is the shopper of an order.
type Customer struct {
	PartnerID        string    `json:"partnerId,omitempty"` // the storefront's customer id
	Email            string    `json:"email"`               // required
	Language         string    `json:"language"`            // required, ll_CC: en_GB, fr_CA, en_XE
	IPv4             string    `json:"ipV4,omitempty"`
	IPv6             string    `json:"ipV6,omitempty"`
	InvoiceLocation  Location  `json:"locationInvoice"` // required
	DeliveryLocation *Location `json:"locationDelivery,omitempty"`
}

// Location is a postal address. Nexway requires Province for the US, Canada,
// Brazil and Australia, in ISO 3166-2 form ("US-NY").
type Location struct {
	Title       int    `json:"title,omitempty"` // salutation code; Nexway's samples use 1
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	CompanyName string `json:"companyName,omitempty"`
	Address1    string `json:"address1,omitempty"`
	Address2    string `json:"address2,omitempty"`
	ZipCode     string `json:"zipCode,omitempty"`
	City        string `json:"city,omitempty"`
	Province    string `json:"province,omitempty"`
	Country     string `json:"country"` // required, ISO 3166-1 alpha-2
	Phone       string `json:"phone,omitempty"`
	Fax         string `json:"fax,omitempty"`
}

// Payment describes how the shopper paid.
type Payment struct {
	// Method is "External Payment" when the storefront took the payment.
	Method string `json:"paymentMethod"`
	// TransactionID is required only for Nexway's own DirectPayment.
	TransactionID string `json:"transactionId,omitempty"`
}

// ExternalPayment is the payment method of a payment the storefront took.
const ExternalPayment = "External Payment"

// DiscountOperation says how a discount's OperationValue applies.
type DiscountOperation string

// Discount operations (legacy API documentation).
const (
	DiscountPercent DiscountOperation = "Percents"
	DiscountAmount  DiscountOperation = "Amount"
)

// Discount is a price reduction granted by the storefront.
type Discount struct {
	ForeignRef     string            `json:"foreignRef"` // the storefront's discount id
	Label          string            `json:"label"`
	PriceDelta     float64           `json:"priceDelta"` // resulting price change
	Operation      DiscountOperation `json:"operation"`
	OperationValue float64           `json:"operationValue"` // percentage or amount
}

// Metadata is a free key/value pair kept with an order.
type Metadata struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Validate checks what Nexway would refuse, as OrdersService.Create does
// before anything is sent, so that a request can be checked before it is
// queued. It enforces no more than the documented required fields and
// formats. A problem is an *ArgumentError naming the field, matching
// ErrInvalidArgument; the field's value is never quoted. A nil request is
// refused too.
func (r *CreateOrderRequest) Validate() error {
	if r == nil {
		return invalid("request", "is nil")
	}
	if why := orderNumberProblem(r.PartnerOrderNumber, maxPartnerOrderNumber); why != "" {
		// Kept short enough for Nexway's renewal suffix.
		return invalid("partnerOrderNumber", why)
	}
	if r.OrderDate.IsZero() {
		return invalid("orderDate", "is zero")
	}
	if why := currencyProblem(r.Currency); why != "" {
		return invalid("currency", why)
	}
	if why := textProblem(r.MarketingProgramID); why != "" {
		return invalid("marketingProgramId", why)
	}
	if r.AffiliateID != nil && *r.AffiliateID <= 0 {
		return invalid("affiliateId", "must be positive when given")
	}
	if len(r.Lines) == 0 {
		return invalid("orderLines", "is empty")
	}
	for i := range r.Lines {
		if f, why := r.Lines[i].problem(); why != "" {
			return invalid(indexed("orderLines", i)+"."+f, why)
		}
	}
	if f, why := r.Customer.problem(); why != "" {
		return invalid("customer."+f, why)
	}
	if p := r.Payment; p != nil {
		if p.Method == "" {
			return invalid("payment.paymentMethod", "is empty")
		}
		if f, why := firstTextProblem(texts{{"paymentMethod", p.Method}, {"transactionId", p.TransactionID}}); why != "" {
			return invalid("payment."+f, why)
		}
		if r.Customer.IPv4 == "" && r.Customer.IPv6 == "" {
			return invalid("customer.ipV4", "an IPv4 or IPv6 address is required with a payment")
		}
	}
	if f, why := discountsProblem(r.Discounts); why != "" {
		return invalid("discounts"+f, why)
	}
	for i, m := range r.Metadata {
		if m.Key == "" {
			return invalid(indexed("metadata", i)+".key", "is empty")
		}
		if f, why := firstTextProblem(texts{{"key", m.Key}, {"value", m.Value}}); why != "" {
			return invalid(indexed("metadata", i)+"."+f, why)
		}
	}
	return nil
}

// texts pairs the JSON names of string fields with their values.
type texts []struct{ name, value string }

// firstTextProblem returns the first field whose value is not valid UTF-8.
func firstTextProblem(fields texts) (field, why string) {
	for _, f := range fields {
		if why := textProblem(f.value); why != "" {
			return f.name, why
		}
	}
	return "", ""
}

// The problem methods return the invalid field's path below the receiver
// and the reason, or "" and "".

func (l *OrderLineRequest) problem() (field, why string) {
	if why := refProblem(l.ProductRef); why != "" {
		return "productRef", why
	}
	if why := quantityProblem(l.Quantity); why != "" {
		return "quantity", why
	}
	if why := amountProblem(l.VATRate); why != "" {
		return "vatRate", why
	}
	if why := amountProblem(l.AmountDutyFree); why != "" {
		return "amountDutyFree", why
	}
	if why := amountProblem(l.AmountTotal); why != "" {
		return "amountTotal", why
	}
	if f, why := discountsProblem(l.Discounts); why != "" {
		return "discounts" + f, why
	}
	return "", ""
}

// discountsProblem returns the path below the list, e.g. "[0].label".
func discountsProblem(ds []Discount) (field, why string) {
	for i, d := range ds {
		f := ""
		switch {
		case d.ForeignRef == "":
			f, why = "foreignRef", "is empty"
		case d.Label == "":
			f, why = "label", "is empty"
		case textProblem(d.ForeignRef) != "":
			f, why = "foreignRef", textProblem(d.ForeignRef)
		case textProblem(d.Label) != "":
			f, why = "label", textProblem(d.Label)
		case d.Operation != DiscountPercent && d.Operation != DiscountAmount:
			f, why = "operation", `must be "Percents" or "Amount"`
		case finiteProblem(d.PriceDelta) != "":
			f, why = "priceDelta", finiteProblem(d.PriceDelta)
		case finiteProblem(d.OperationValue) != "":
			f, why = "operationValue", finiteProblem(d.OperationValue)
		default:
			continue
		}
		return indexed("", i) + "." + f, why
	}
	return "", ""
}

func (c *Customer) problem() (field, why string) {
	if why := emailProblem(c.Email); why != "" {
		return "email", why
	}
	if why := localeProblem(c.Language); why != "" {
		return "language", why
	}
	if why := textProblem(c.PartnerID); why != "" {
		return "partnerId", why
	}
	if c.IPv4 != "" && !isIPv4(c.IPv4) {
		return "ipV4", "is not an IPv4 address"
	}
	if c.IPv6 != "" && !isIPv6(c.IPv6) {
		return "ipV6", "is not an IPv6 address"
	}
	if f, why := c.InvoiceLocation.problem(); why != "" {
		return "locationInvoice." + f, why
	}
	if c.DeliveryLocation != nil {
		if f, why := c.DeliveryLocation.problem(); why != "" {
			return "locationDelivery." + f, why
		}
	}
	return "", ""
}

func (l *Location) problem() (field, why string) {
	if why := countryProblem(l.Country); why != "" {
		return "country", why
	}
	if requiresProvince(l.Country) && l.Province == "" {
		return "province", "is required for " + l.Country
	}
	return firstTextProblem(texts{
		{"firstName", l.FirstName}, {"lastName", l.LastName}, {"companyName", l.CompanyName},
		{"address1", l.Address1}, {"address2", l.Address2}, {"zipCode", l.ZipCode}, {"city", l.City},
		{"province", l.Province}, {"phone", l.Phone}, {"fax", l.Fax},
	})
}
