package fulfillment

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/nexway-go/nexway/internal/strictjson"
)

// Request is one call from Nexway, authenticated and decoded.
type Request struct {
	Operation     Operation
	FulfillmentID string // Nexway's id of the license, the same on every retry

	// Generation tells apart the calls of one operation on one license
	// that are not retries of each other: for OpRenew and OpUpgrade with
	// the default template, the order id of the renewal or upgrade
	// (checkout.orderId); "" otherwise.
	Generation string

	// Body is the default template's body, read from the same parse as
	// the signature. It is the zero Body when the handler was built
	// WithCustomBody.
	Body Body

	// Custom is the *T decoded from the body when the handler was built
	// WithCustomBody[T], nil otherwise.
	Custom any

	Raw    []byte      // the body as received; read values from Body or Custom, which come from the checked reading
	Header http.Header // the request's headers, Authorization included: never log them whole
}

// Body is the request body of Nexway's default fulfillment template. Nexway
// sends optional fields only when they have a value; unknown fields are
// ignored. Integrations with a template of their own use WithCustomBody.
type Body struct {
	FulfillmentID string   `json:"fulfillmentId"`
	Checkout      Checkout `json:"checkout"`
	User          User     `json:"user"`
	Product       Product  `json:"product"`
}

// Checkout describes the order line the unit belongs to.
type Checkout struct {
	OrderID        string `json:"orderId"`
	LineItemID     string `json:"lineItemId"`
	SubscriptionID string `json:"subscriptionId,omitempty"`
	// CartExternalContext is base64 of a JSON object set on the cart by
	// the storefront; see CartContext.
	CartExternalContext string `json:"cartExternalContext,omitempty"`
	TrialContext        string `json:"trialContext,omitempty"` // CREATION or CONVERSION
	Price               Price  `json:"price"`
}

// Price is an amount in a currency. GrossPrice keeps the digits Nexway
// sent, so that no float rounding touches money.
type Price struct {
	GrossPrice json.Number `json:"grossPrice,omitempty"`
	Currency   string      `json:"currency,omitempty"` // ISO 4217
}

// User is the buyer.
type User struct {
	ID                string `json:"id"`
	Email             string `json:"email"`
	Country           string `json:"country"` // ISO 3166-1 alpha-2
	Locale            string `json:"locale"`  // the cart's locale, such as fr-FR
	FirstName         string `json:"firstName,omitempty"`
	LastName          string `json:"lastName,omitempty"`
	CompanyName       string `json:"companyName,omitempty"`
	CompanyIdentifier string `json:"companyIdentifier,omitempty"` // VAT number or other tax id
	City              string `json:"city,omitempty"`
	ZipCode           string `json:"zipCode,omitempty"`
}

// Product is the product sold.
type Product struct {
	ID                      string            `json:"id"` // Nexway's product id
	Name                    string            `json:"name"`
	PublisherProductID      string            `json:"publisherProductId,omitempty"` // the publisher's SKU
	ExternalContext         string            `json:"externalContext,omitempty"`
	PriceFunctionParameters map[string]string `json:"priceFunctionParameters,omitempty"`
	Variables               map[string]string `json:"variables,omitempty"`
	Price                   Price             `json:"price"`
}

// CartContext decodes CartExternalContext: base64 (padded or not, standard
// or URL alphabet) of a JSON object, read as strictly as the body (numbers
// as json.Number; repeated names, names equal but for case, and text that
// is not UTF-8 refused). It returns nil and no error when the field is
// empty, and an error when it is not base64 of such an object.
func (c Checkout) CartContext() (map[string]any, error) {
	s := strings.TrimSpace(c.CartExternalContext)
	if s == "" {
		return nil, nil
	}
	s = strings.TrimRight(s, "=")
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawURLEncoding.DecodeString(s); err != nil {
			return nil, errors.New("fulfillment: checkout.cartExternalContext is not base64")
		}
	}
	v, err := strictjson.Parse(raw)
	m, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, errors.New("fulfillment: checkout.cartExternalContext is not a base64 JSON object read one way only")
	}
	return m, nil
}
