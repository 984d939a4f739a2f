package nexway

import (
	"context"
	"net/http"
	"strings"
)

// CrossSellService proposes products for a cart: cross-sells, up-sells and
// options such as a download extension or a backup DVD.
type CrossSellService service

// CartItem is a product in the shopper's cart.
type CartItem struct {
	ProductRef ProductRef `json:"productRef"`
	Quantity   int        `json:"quantity"`
}

// OfferType says how an offer relates to the cart. Nexway documents three;
// another is kept as sent (lower-cased), never an error.
type OfferType string

// Offer types (https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-cross-up-sell).
const (
	// OfferCross: a product to buy alongside.
	OfferCross OfferType = "cross"
	// OfferUp: a better product to buy instead.
	OfferUp OfferType = "up"
	// OfferOption: an option of a cart product, such as a download
	// extension or a backup DVD; it can only be ordered with its product.
	OfferOption OfferType = "option"
)

// String returns the type as Nexway spells it.
func (t OfferType) String() string { return string(t) }

// Offers is the answer to CrossSellService.Offers. Nexway documents that
// its list may be null: Products is then empty.
type Offers struct {
	Envelope
	Products []Offer `json:"productsReturn"`
}

// normalize lower-cases the offer types, which Nexway documents in lower
// case ("up") but the legacy API capitalised.
func (o *Offers) normalize() {
	for i := range o.Products {
		o.Products[i].Type = OfferType(strings.ToLower(string(o.Products[i].Type)))
	}
}

// Offer is a product Nexway proposes for the cart. The ref is read under
// "ref" (Nexway's documentation) or "productRef" (the request's name); the
// price from a number or a decimal string.
type Offer struct {
	Ref              ProductRef `json:"ref" alt:"productRef" essential:"id"`
	Type             OfferType  `json:"type"`
	Name             string     `json:"name"`
	AmountDutyFree   *float64   `json:"amountDutyFree"` // price excluding tax; nil when Nexway sent none
	Currency         string     `json:"currency"`
	ShortDescription string     `json:"shortDescription"`
	Language         string     `json:"language"` // of ShortDescription
	ImageSmall       string     `json:"imageSmall"`
}

type crossSellRequest struct {
	Language string     `json:"language"`
	Products []CartItem `json:"products"`
}

// Offers returns the cross-sells, up-sells and options for cart, with short
// descriptions in language: a two-letter code such as "EN", or a comma list
// ("FR,EN"). It fails with ErrInvalidArgument on an empty language or cart,
// or a cart item with a non-positive ref or quantity.
func (s *CrossSellService) Offers(ctx context.Context, language string, cart []CartItem, opts ...CallOption) (*Offers, error) {
	if why := languagesProblem(language); why != "" {
		return nil, invalid("language", why)
	}
	if len(cart) == 0 {
		return nil, invalid("cart", "is empty")
	}
	for i, it := range cart {
		if why := refProblem(it.ProductRef); why != "" {
			return nil, invalid(indexed("cart", i)+".productRef", why)
		}
		if why := quantityProblem(it.Quantity); why != "" {
			return nil, invalid(indexed("cart", i)+".quantity", why)
		}
	}
	var out Offers
	k := &call{op: opCrossSell, method: http.MethodPost, path: "connect/order/crossupsell", in: crossSellRequest{language, cart}, out: &out, opts: opts}
	if err := s.client.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}
