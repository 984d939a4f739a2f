package nexwaytest

import (
	"encoding/json"
	"net/http"
)

// crossSellMessages are the cross-/up-sell codes, as Nexway lists them in
// https://api-doc.nexway.store/nexway-connect/resources/getcrossupsellresponse?v=latest.
var crossSellMessages = map[int]string{
	100:  "product list missing",
	110:  "productRef missing",
	111:  "productRef invalid",
	120:  "quantity missing",
	121:  "quantity invalid",
	130:  "language missing",
	131:  "language invalid",
	1010: "productRef not found",
}

// handleCrossSell serves POST /connect/order/crossupsell
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-cross-up-sell). The offers
// for a cart are the union of its products' relations (per product: up-sells,
// cross-sells, then options, each in catalog order), without the products
// already in the cart, each offered once, under its first relation type.
// productsReturn is null when there is nothing to offer, as the docs allow.
func (s *Server) handleCrossSell(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.crossSell(readBody(r)))
}

// crossSell answers a cross-sell request; the store lock is released
// before the answer is written.
func (s *Server) crossSell(body []byte) crossSellResponse {
	answer := func(code int, offers []offerWire) crossSellResponse {
		msg := message(crossSellMessages, code)
		return crossSellResponse{ProductsReturn: offers, envelope: envelope{ResponseCode: code, ResponseMessage: msg}}
	}
	var req crossSellRequest
	if json.Unmarshal(body, &req) != nil || !req.Products.OK || len(req.Products.V) == 0 {
		return answer(100, nil)
	}
	refs := make([]int, 0, len(req.Products.V))
	for _, it := range req.Products.V {
		ref, qty := it.V.ProductRef, it.V.Quantity
		switch {
		case !it.OK || !ref.Set:
			return answer(110, nil)
		case !ref.OK || ref.V <= 0:
			return answer(111, nil)
		case !qty.Set:
			return answer(120, nil)
		case !qty.OK || qty.V < 1:
			return answer(121, nil)
		}
		refs = append(refs, int(ref.V))
	}
	if !req.Language.Set || req.Language.OK && req.Language.V == "" {
		return answer(130, nil)
	}
	if !req.Language.OK || !validLanguageList(req.Language.V) {
		return answer(131, nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inCart := make(map[int]bool, len(refs))
	for _, ref := range refs {
		if s.products[ref] == nil {
			return answer(1010, nil)
		}
		inCart[ref] = true
	}
	var offers []offerWire
	seen := map[int]bool{}
	for _, ref := range refs {
		p := s.products[ref]
		for _, rel := range []struct {
			kind string
			refs []int
		}{{"up", p.UpSells}, {"cross", p.CrossSells}, {"option", p.Options}} {
			for _, o := range rel.refs {
				q := s.products[o]
				if q == nil || inCart[o] || seen[o] {
					continue
				}
				seen[o] = true
				offers = append(offers, offerWire{
					Ref: q.Ref, Type: rel.kind, Name: q.Name, AmountDutyFree: q.AmountDutyFree, Currency: q.Currency,
					ShortDescription: q.ShortDescription, Language: q.Language, ImageSmall: q.ImageSmall,
				})
			}
		}
	}
	return answer(0, offers)
}
