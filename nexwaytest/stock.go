package nexwaytest

import (
	"encoding/json"
	"net/http"
)

// handleStock serves POST /connect/stock
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-stock-status).
// The root code is 100 only
// when the list is missing or empty; each ref gets its own code: 100
// missing (null), 101 invalid (≤ 0 or not a number), 1010 unknown.
func (s *Server) handleStock(w http.ResponseWriter, r *http.Request) {
	var req stockRequest
	if json.Unmarshal(readBody(r), &req) != nil || !req.ProductRefs.OK || len(req.ProductRefs.V) == 0 {
		writeJSON(w, http.StatusOK, stockResponse{envelope: envelope{ResponseCode: 100, ResponseMessage: "productRef missing"}, ProductStatus: []stockItem{}})
		return
	}
	items := make([]stockItem, 0, len(req.ProductRefs.V))
	s.mu.Lock()
	for _, ref := range req.ProductRefs.V {
		it := stockItem{ProductRef: ref.V}
		switch p := s.products[int(ref.V)]; {
		case !ref.Set:
			it.ResponseCode, it.ResponseMessage = 100, "productRef missing"
		case !ref.OK || ref.V <= 0:
			it.ResponseCode, it.ResponseMessage = 101, "productRef invalid"
		case p == nil:
			it.ResponseCode, it.ResponseMessage = 1010, "product reference does not exist"
		default:
			it.Status, it.ResponseMessage = s.stockLevelLocked(p), "OK"
		}
		items = append(items, it)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, stockResponse{envelope: envelope{ResponseCode: 0, ResponseMessage: "OK"}, ProductStatus: items})
}
