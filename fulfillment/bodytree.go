package fulfillment

import (
	"encoding/json"
	"errors"

	"github.com/nexway-go/nexway/internal/strictjson"
)

// bodyFromTree reads the default template's Body from the body's tree, by
// exact member names: the values the Fulfiller gets are the ones the
// signature's paths read. A field of the wrong type is an error naming it;
// null or absent leaves it empty, and unknown members are ignored, as
// encoding/json does.
func bodyFromTree(doc map[string]any) (Body, error) {
	var r treeReader
	var b Body
	b.FulfillmentID = r.str(doc, "fulfillmentId", "fulfillmentId")
	if c := r.obj(doc, "checkout", "checkout"); c != nil {
		b.Checkout = Checkout{
			OrderID:             r.str(c, "orderId", "checkout.orderId"),
			LineItemID:          r.str(c, "lineItemId", "checkout.lineItemId"),
			SubscriptionID:      r.str(c, "subscriptionId", "checkout.subscriptionId"),
			CartExternalContext: r.str(c, "cartExternalContext", "checkout.cartExternalContext"),
			TrialContext:        r.str(c, "trialContext", "checkout.trialContext"),
			Price:               r.price(c, "checkout.price"),
		}
	}
	if u := r.obj(doc, "user", "user"); u != nil {
		b.User = User{
			ID:                r.str(u, "id", "user.id"),
			Email:             r.str(u, "email", "user.email"),
			Country:           r.str(u, "country", "user.country"),
			Locale:            r.str(u, "locale", "user.locale"),
			FirstName:         r.str(u, "firstName", "user.firstName"),
			LastName:          r.str(u, "lastName", "user.lastName"),
			CompanyName:       r.str(u, "companyName", "user.companyName"),
			CompanyIdentifier: r.str(u, "companyIdentifier", "user.companyIdentifier"),
			City:              r.str(u, "city", "user.city"),
			ZipCode:           r.str(u, "zipCode", "user.zipCode"),
		}
	}
	if p := r.obj(doc, "product", "product"); p != nil {
		b.Product = Product{
			ID:                      r.str(p, "id", "product.id"),
			Name:                    r.str(p, "name", "product.name"),
			PublisherProductID:      r.str(p, "publisherProductId", "product.publisherProductId"),
			ExternalContext:         r.str(p, "externalContext", "product.externalContext"),
			PriceFunctionParameters: r.strMap(p, "priceFunctionParameters", "product.priceFunctionParameters"),
			Variables:               r.strMap(p, "variables", "product.variables"),
			Price:                   r.price(p, "product.price"),
		}
	}
	return b, r.err
}

// treeReader reads typed fields, keeping the first error.
type treeReader struct{ err error }

func (r *treeReader) fail(field, what string) {
	if r.err == nil {
		r.err = errors.New(field + " is not " + what)
	}
}

func (r *treeReader) obj(m map[string]any, name, field string) map[string]any {
	switch v := m[name].(type) {
	case nil:
		return nil
	case map[string]any:
		return v
	}
	r.fail(field, "an object")
	return nil
}

func (r *treeReader) str(m map[string]any, name, field string) string {
	switch v := m[name].(type) {
	case nil:
		return ""
	case string:
		return v
	}
	r.fail(field, "a string")
	return ""
}

// price reads {"grossPrice": number, "currency": string}. A grossPrice
// written as a string holding a JSON number is taken too, as encoding/json
// takes it into a json.Number.
func (r *treeReader) price(m map[string]any, field string) Price {
	p := r.obj(m, "price", field)
	if p == nil {
		return Price{}
	}
	var gross json.Number
	switch v := p["grossPrice"].(type) {
	case nil:
	case json.Number:
		gross = v
	case string:
		if !isJSONNumber(v) {
			r.fail(field+".grossPrice", "a number")
		}
		gross = json.Number(v)
	default:
		r.fail(field+".grossPrice", "a number")
	}
	return Price{GrossPrice: gross, Currency: r.str(p, "currency", field+".currency")}
}

func (r *treeReader) strMap(m map[string]any, name, field string) map[string]string {
	obj := r.obj(m, name, field)
	if obj == nil {
		return nil
	}
	out := make(map[string]string, len(obj))
	for k := range obj {
		out[k] = r.str(obj, k, field+" member")
	}
	return out
}

// isJSONNumber reports whether s is a number in JSON's grammar, and
// nothing else.
func isJSONNumber(s string) bool {
	v, err := strictjson.Parse([]byte(s))
	n, ok := v.(json.Number)
	return err == nil && ok && string(n) == s
}
