package nexway

import (
	"context"
	"net/http"
	"strconv"
)

// StockService checks stock before a product goes into the cart. Nexway
// makes the check mandatory: an order for a product out of stock is refused
// (ErrOutOfStock).
type StockService service

// StockLevel is how much stock Nexway has for a product.
type StockLevel int

// Stock levels, as numbered by the legacy API. Its list may not be
// complete for REST: another level is kept as its number, never an error,
// and is not Orderable.
const (
	// InStock: enough stock.
	InStock StockLevel = 100
	// LowStock: almost out of stock; the product can still be ordered.
	LowStock StockLevel = 200
	// OutOfStock: an order would be refused.
	OutOfStock StockLevel = 300
)

// String returns the level's name, or "StockLevel(400)" for a level the
// legacy API did not list.
func (l StockLevel) String() string {
	switch l {
	case InStock:
		return "in stock"
	case LowStock:
		return "low stock"
	case OutOfStock:
		return "out of stock"
	}
	return "StockLevel(" + strconv.Itoa(int(l)) + ")"
}

// Orderable reports whether a product at this level can be ordered.
func (l StockLevel) Orderable() bool { return l == InStock || l == LowStock }

// StockStatus is the answer to StockService.Status. The legacy API had no
// root responseCode, so a missing one reads as 0. Refs, levels and codes are
// read from numbers or strings of digits (see Envelope); an answer without
// any product ref, or reporting one product twice with two levels or
// codes, fails with ErrInvalidResponse.
type StockStatus struct {
	Envelope
	Products []ProductStock `json:"productStatus"`
}

// ProductStock is the stock of one requested product. A product Nexway does
// not know has ResponseCode 1010 and a zero Level; such per-product codes are
// not errors of the call.
type ProductStock struct {
	ProductRef      ProductRef `json:"productRef" essential:"int"` // Nexway echoes an invalid ref (-1) with code 1010
	Level           StockLevel `json:"status" essential:"int"`
	ResponseCode    int        `json:"responseCode" essential:"int"`
	ResponseMessage string     `json:"responseMessage"`
}

// validResponse refuses an answer without a product ref: nothing in it
// answers the question asked.
func (s *StockStatus) validResponse() bool {
	for _, p := range s.Products {
		if p.ProductRef != 0 {
			return true
		}
	}
	return false
}

// conflict refuses an answer that reports one product twice, differently:
// Find would pick one of two stock levels the answer gives.
func (s *StockStatus) conflict() string {
	if len(s.Products) < 2 {
		return ""
	}
	seen := make(map[ProductRef]ProductStock, len(s.Products))
	for _, p := range s.Products {
		q, ok := seen[p.ProductRef]
		if ok && (q.Level != p.Level || q.ResponseCode != p.ResponseCode) {
			return "response reports a product twice with two stock levels"
		}
		seen[p.ProductRef] = p
	}
	return ""
}

// Find returns the stock of ref, if Nexway reported it.
func (s *StockStatus) Find(ref ProductRef) (ProductStock, bool) {
	for _, p := range s.Products {
		if p.ProductRef == ref {
			return p, true
		}
	}
	return ProductStock{}, false
}

type stockRequest struct {
	ProductRefs []ProductRef `json:"productRefs"`
}

// Status returns the stock level of each product in refs. It fails with
// ErrInvalidArgument when refs is empty or holds a non-positive ref.
func (s *StockService) Status(ctx context.Context, refs []ProductRef, opts ...CallOption) (*StockStatus, error) {
	if len(refs) == 0 {
		return nil, invalid("productRefs", "is empty")
	}
	for i, r := range refs {
		if why := refProblem(r); why != "" {
			return nil, invalid(indexed("productRefs", i), why)
		}
	}
	var out StockStatus
	k := &call{op: opStockStatus, method: http.MethodPost, path: "connect/stock", in: stockRequest{refs}, out: &out, opts: opts}
	if err := s.client.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}
