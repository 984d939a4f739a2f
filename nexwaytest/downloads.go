package nexwaytest

import (
	"encoding/json"
	"net/http"
	"time"
)

// extendMessages are the update-download-time codes
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/update-download-time;
// meanings from Nexway's SOAP API, whose codes the REST API keeps).
var extendMessages = map[int]string{
	100:  "partnerOrderNumber missing",
	110:  "time value missing",
	111:  "time value invalid",
	1010: "order not found",
	1011: "order already cancelled",
}

// infoMessages are the get-download-info codes
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/get-order-download-info;
// meanings from Nexway's SOAP API).
var infoMessages = map[int]string{
	100:  "partner order number missing",
	1010: "order not found",
}

// handleExtendDownload serves PUT /connect/order/download
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/update-download-time). value is
// an absolute end date YYYY-MM-DD, or an ISO 8601 period added to the
// current end (P7D, P1Y2M, P6Y14M1D, and P2W). An absolute date earlier
// than the current end is accepted and shortens the window.
func (s *Server) handleExtendDownload(w http.ResponseWriter, r *http.Request) {
	var req extendRequest
	_ = json.Unmarshal(readBody(r), &req) // a bad body leaves every field missing
	writeJSON(w, http.StatusOK, s.extendDownload(&req))
}

// extendDownload answers an extension request; the store lock is released
// before the answer is written.
func (s *Server) extendDownload(req *extendRequest) extendResponse {
	pon := req.PartnerOrderNumber.V
	answer := func(code int, end string) extendResponse {
		msg := message(extendMessages, code)
		return extendResponse{PartnerOrderNumber: pon, NewDownloadEndDate: end, envelope: envelope{ResponseCode: code, ResponseMessage: msg}}
	}
	switch {
	case !req.PartnerOrderNumber.OK:
		return answer(100, "")
	case !req.Value.Set || req.Value.OK && req.Value.V == "":
		return answer(110, "")
	case !req.Value.OK:
		return answer(111, "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pon]
	switch {
	case o == nil:
		return answer(1010, "")
	case o.closed():
		return answer(1011, "")
	}
	end, ok := newDownloadEnd(o.downloadEnd, req.Value.V)
	if !ok {
		return answer(111, "")
	}
	o.downloadEnd = end
	return answer(0, formatDate(end))
}

// newDownloadEnd applies an update-download-time value to the current end.
func newDownloadEnd(cur time.Time, v string) (time.Time, bool) {
	if len(v) == 10 {
		if t, err := time.Parse("2006-01-02", v); err == nil {
			return t, true
		}
		return time.Time{}, false
	}
	per, ok := parsePeriod(v)
	if !ok {
		return time.Time{}, false
	}
	end := per.addTo(cur)
	if end.Year() > 9999 {
		return time.Time{}, false
	}
	return end, true
}

// handleDownloadInfo serves GET /connect/order/{partnerOrderNumber}/download
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/get-order-download-info):
// direct file URLs only, with download counters (the fake serves no
// files, so they stay empty). Missing keys are retried first, as on get
// order. A pending or rejected order answers its code with no lines
// [inference: Nexway lists no such codes for this call].
func (s *Server) handleDownloadInfo(w http.ResponseWriter, r *http.Request) {
	pon := r.PathValue("partnerOrderNumber")
	if pon == "" {
		writeJSON(w, http.StatusOK, downloadInfoResponse{OrderLines: []downloadLineWire{}, envelope: envelope{ResponseCode: 100, ResponseMessage: infoMessages[100]}})
		return
	}
	o := s.retryMissing(pon)
	if o == nil {
		writeJSON(w, http.StatusOK, downloadInfoResponse{PartnerOrderNumber: pon, OrderLines: []downloadLineWire{}, envelope: envelope{ResponseCode: 1010, ResponseMessage: infoMessages[1010]}})
		return
	}
	s.mu.Lock()
	resp := downloadInfoResponse{
		PartnerOrderNumber: o.pon,
		DownloadEndDate:    formatDate(o.downloadEnd),
		OrderLines:         []downloadLineWire{},
		envelope:           envelope{ResponseMessage: "OK"},
	}
	if o.pending != 0 {
		resp.ResponseCode, resp.ResponseMessage = o.pending, createMessages[o.pending]
	} else {
		for _, ol := range o.lines {
			lw := downloadLineWire{ProductRef: ol.product.Ref, Files: []downloadFileWire{}}
			for _, f := range filesOf(o.number, ol.product) {
				lw.Files = append(lw.Files, downloadFileWire{fileWire: f})
			}
			resp.OrderLines = append(resp.OrderLines, lw)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}
