package nexwaytest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// order is one order of the store.
type order struct {
	pon         string
	number      int
	created     time.Time
	currency    string
	cust        customerInfo
	lines       []*orderLine
	cancelled   bool
	pending     int       // 0 delivered; 1060/1061 pending; 1062/1064 rejected
	downloadEnd time.Time // midnight UTC of the last download day
	renewal     bool      // created by a subscription renewal
}

// closed reports whether the order was cancelled or rejected: it can no
// longer be cancelled or have its download window changed.
func (o *order) closed() bool {
	return o.cancelled || o.pending == 1062 || o.pending == 1064
}

type orderLine struct {
	product   *Product
	unitPrice float64 // sent to publishers as the gross price
	items     []*lineItem
}

// lineItem is one unit of a line: one line item per unit of quantity, which
// Nexway's docs suggest without saying.
type lineItem struct {
	needsKey      bool   // serial-delivered product
	key           string // "" until delivered
	batch         bool   // key drawn from a pool
	inflight      bool   // a publisher call for it is running
	emptyPool     bool   // the last batch draw found the pool empty
	subID         int
	fulfillmentID string
	lineItemID    string
}

// keyJob is one publisher call to make outside the lock.
type keyJob struct {
	o   *order
	it  *lineItem
	pub Publisher
	req LicenseRequest
}

// getMessages are the meanings of get-order codes
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/get-order;
// meanings from Nexway's SOAP API, whose codes the REST API keeps).
var getMessages = map[int]string{
	100:  "order number missing",
	1010: "order not found",
}

// cancelMessages are the meanings of cancel-order codes
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/cancel-order;
// meanings from Nexway's SOAP API).
var cancelMessages = map[int]string{
	100:  "reasonCode missing",
	101:  "reasonCode invalid",
	110:  "order number missing",
	1010: "order not found",
	1011: "order already cancelled",
	1020: "cancel period expired",
	1030: "cancel not authorized",
}

// validReasons are the cancel reason codes of Nexway's SOAP API, which the
// REST call takes: 2 cancelled, 3 customer unsatisfied, 4 duplicate order,
// 5 wrong product, 6 incompatible product, 16 fraud or chargeback.
var validReasons = map[int64]bool{2: true, 3: true, 4: true, 5: true, 6: true, 16: true}

// handleCreateOrder serves POST /connect/order/new. Validation, the
// duplicate check, the stock check and the key draws happen under one lock,
// so two concurrent creates with one partnerOrderNumber give one order and
// a refused order draws nothing. Real-time publishers are called after the
// lock is released; the partnerOrderNumber stays reserved meanwhile.
func (s *Server) handleCreateOrder(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	now := s.Now()
	s.mu.Lock()
	in, bad := s.validateCreateLocked(body)
	if bad == nil && (s.orders[in.pon] != nil || s.reserved[in.pon]) {
		bad = fail(1010, "")
	}
	if bad == nil {
		bad = s.checkStockLocked(in.lines)
	}
	if bad != nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, orderError{PartnerOrderNumber: in.pon, envelope: envelope{ResponseCode: bad.code, ResponseMessage: bad.message()}})
		return
	}
	o := s.newOrderLocked(in.pon, now, in.currency, in.cust, in.lines)
	if len(s.holds) > 0 {
		o.pending, s.holds = s.holds[0], s.holds[1:]
		s.storeOrderLocked(o)
		resp := s.renderOrderLocked(o)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
		return
	}
	s.reserved[o.pon] = true
	jobs := s.claimLocked(o)
	s.mu.Unlock()

	s.runJobs(jobs)

	s.mu.Lock()
	delete(s.reserved, o.pon)
	s.storeOrderLocked(o)
	s.deliverLocked(o, now)
	resp := s.renderOrderLocked(o)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// checkStockLocked refuses (1044) an order whose batch lines need more keys
// than their pools hold, counting every line before anything is drawn.
func (s *Server) checkStockLocked(lines []lineInput) *invalid {
	need := map[int]int{}
	for _, l := range lines {
		if p := s.products[l.ref]; p.Fulfillment == FulfillBatch && p.Delivery.serial() {
			need[l.ref] += l.qty
		}
	}
	for _, l := range lines {
		if left := len(s.pools[l.ref].avail); need[l.ref] > left {
			return fail(1044, "product %d: %d keys left, %d needed", l.ref, left, need[l.ref])
		}
	}
	return nil
}

// newOrderLocked builds an order, numbering it and drawing its batch keys.
func (s *Server) newOrderLocked(pon string, now time.Time, currency string, cust customerInfo, lines []lineInput) *order {
	o := &order{pon: pon, number: s.nextOrder, created: now, currency: currency, cust: cust}
	s.nextOrder++
	end := dateOf(now.Add(s.cfg.downloadWindow))
	for _, l := range lines {
		p := s.products[l.ref]
		ol := &orderLine{product: p, unitPrice: unitPrice(l, p)}
		for i := 0; i < l.qty; i++ {
			ol.items = append(ol.items, s.newItemLocked(p))
		}
		if p.Option == OptionDownloadExtension {
			if per, ok := parsePeriod(p.ExtensionPeriod); ok {
				for i := 0; i < l.qty; i++ {
					end = clampDate(per.addTo(end))
				}
			}
		}
		o.lines = append(o.lines, ol)
	}
	o.downloadEnd = end
	return o
}

// newItemLocked makes one unit of product p, drawing its key when p is
// fulfilled from a batch pool.
func (s *Server) newItemLocked(p *Product) *lineItem {
	it := &lineItem{needsKey: p.Delivery.serial(), fulfillmentID: s.uuidLocked(), lineItemID: s.uuidLocked()}
	if it.needsKey && p.Fulfillment == FulfillBatch {
		s.drawLocked(p, it)
	}
	return it
}

// drawLocked gives it the next key of p's pool, or marks the pool empty.
func (s *Server) drawLocked(p *Product, it *lineItem) {
	if k := s.pools[p.Ref].draw(); k != "" {
		it.key, it.batch, it.emptyPool = k, true, false
		return
	}
	it.emptyPool = true
}

// unitPrice is the unit price sent to a publisher: the line's total, else its
// duty-free amount, divided by the quantity; else the catalog price.
func unitPrice(l lineInput, p *Product) float64 {
	amount := p.AmountDutyFree * float64(l.qty)
	switch {
	case l.total != nil:
		amount = *l.total
	case l.dutyFree != nil:
		amount = *l.dutyFree
	}
	unit := amount / float64(l.qty)
	if cents := math.Round(unit*100) / 100; !math.IsInf(cents, 0) {
		return cents
	}
	return unit
}

// claimLocked collects the missing keys of a delivered order: batch units
// draw from their pool at once, real-time units are marked in flight and
// returned as jobs for runJobs. Cancelled and pending orders are skipped.
func (s *Server) claimLocked(o *order) []keyJob {
	if o.cancelled || o.pending != 0 {
		return nil
	}
	var jobs []keyJob
	for _, ol := range o.lines {
		for _, it := range ol.items {
			if !it.needsKey || it.key != "" || it.inflight {
				continue
			}
			if ol.product.Fulfillment == FulfillBatch {
				s.drawLocked(ol.product, it)
				continue
			}
			it.inflight = true
			jobs = append(jobs, keyJob{o: o, it: it, pub: s.publishers[ol.product.Ref], req: s.licenseRequestLocked(o, ol, it)})
		}
	}
	return jobs
}

// runJobs calls the publishers, one unit at a time, without the lock. A
// unit whose publisher retries its failure stays in flight until the
// retries end (retryLater).
func (s *Server) runJobs(jobs []keyJob) {
	for _, j := range jobs {
		key, err := issueKey(s.ctx, j.pub, j.req)
		if err != nil && s.retryLater(j, err) {
			continue
		}
		s.settle(j, key, err)
	}
}

// licenseRequestLocked describes a unit to its publisher.
func (s *Server) licenseRequestLocked(o *order, ol *orderLine, it *lineItem) LicenseRequest {
	user := o.cust.partnerID
	if user == "" {
		user = o.cust.email
	}
	return LicenseRequest{
		FulfillmentID: it.fulfillmentID,
		OrderID:       strconv.Itoa(o.number),
		LineItemID:    it.lineItemID,
		ProductRef:    ol.product.Ref,
		ProductName:   ol.product.Name,
		GrossPrice:    ol.unitPrice,
		Currency:      o.currency,
		UserID:        user,
		Email:         o.cust.email,
		Country:       o.cust.country,
		Locale:        strings.Replace(o.cust.language, "_", "-", 1),
		FirstName:     o.cust.firstName,
		LastName:      o.cust.lastName,
	}
}

// fileURL is the deterministic download URL of a file of an order.
func fileURL(orderNumber int, path string) string {
	return fmt.Sprintf("https://download.nexway.test/%d/%s", orderNumber, strings.TrimLeft(path, "/"))
}

// filesOf lists the files an order line of p delivers, none unless p is
// delivered by download.
func filesOf(orderNumber int, p *Product) []fileWire {
	if !p.Delivery.download() {
		return nil
	}
	files := make([]fileWire, len(p.Files))
	for i, f := range p.Files {
		files[i] = fileWire{Label: f.Label, Type: f.Type, URL: fileURL(orderNumber, f.URLPath), Size: f.Size, Group: f.Group}
	}
	return files
}

// renderOrderLocked builds the CreateOrderResponse of an order
// (https://api-doc.nexway.store/nexway-connect/resources/createorderresponse?v=latest).
// Pending and rejected orders answer their code with no lines.
func (s *Server) renderOrderLocked(o *order) orderResponse {
	resp := orderResponse{PartnerOrderNumber: o.pon, OrderNumber: o.number, OrderLines: []orderLineWire{}}
	if o.pending != 0 {
		resp.ResponseCode, resp.ResponseMessage = o.pending, createMessages[o.pending]
		return resp
	}
	resp.ResponseMessage = "OK"
	hasFiles := false
	for _, ol := range o.lines {
		p := ol.product
		lw := orderLineWire{
			ProductRef:        p.Ref,
			DateEndDownload:   formatDate(o.downloadEnd),
			DigitalLockerLink: p.DigitalLockerLink,
			Remark:            p.Remark,
			Files:             []fileWire{},
			LineItems:         []lineItemWire{},
			envelope:          envelope{ResponseMessage: "OK"},
		}
		lw.Files = append(lw.Files, filesOf(o.number, p)...)
		hasFiles = hasFiles || len(lw.Files) > 0
		for _, it := range ol.items {
			iw := lineItemWire{Serials: []serialWire{}, SubscriptionID: it.subID, envelope: envelope{ResponseMessage: "OK"}}
			switch {
			case it.key != "":
				iw.Serials = append(iw.Serials, serialWire{Data: it.key})
			case it.needsKey:
				iw.ResponseCode = 1051
				iw.ResponseMessage = "licences currently not available: the publisher did not deliver a key yet"
				if it.emptyPool {
					iw.ResponseMessage = "licences currently not available: no key left for this product"
				}
				lw.ResponseCode, lw.ResponseMessage = 1051, createMessages[1051]
			}
			lw.LineItems = append(lw.LineItems, iw)
		}
		resp.OrderLines = append(resp.OrderLines, lw)
	}
	if hasFiles {
		n := o.number
		resp.DownloadManager = downloadManagerWire{
			PC:  fmt.Sprintf("https://download.nexway.test/%d/downloadManager_%d.exe", n, n),
			Mac: fmt.Sprintf("https://download.nexway.test/%d/downloadManager_%d.dmg", n, n),
		}
	}
	return resp
}

// handleGetOrder serves GET /connect/order/{partnerOrderNumber}. Missing
// real-time keys are asked again first, as Nexway retries in the background.
func (s *Server) handleGetOrder(w http.ResponseWriter, r *http.Request) {
	pon := r.PathValue("partnerOrderNumber")
	if pon == "" {
		writeJSON(w, http.StatusOK, orderError{envelope: envelope{ResponseCode: 100, ResponseMessage: getMessages[100]}})
		return
	}
	o := s.retryMissing(pon)
	if o == nil {
		writeJSON(w, http.StatusOK, orderError{PartnerOrderNumber: pon, envelope: envelope{ResponseCode: 1010, ResponseMessage: getMessages[1010]}})
		return
	}
	s.mu.Lock()
	resp := s.renderOrderLocked(o)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// retryMissing finds an order and fetches its missing keys; nil when the
// order does not exist.
func (s *Server) retryMissing(pon string) *order {
	s.mu.Lock()
	o := s.orders[pon]
	if o == nil {
		s.mu.Unlock()
		return nil
	}
	jobs := s.claimLocked(o)
	s.mu.Unlock()
	s.runJobs(jobs)
	return o
}

// handleCancelOrder serves PUT /connect/order/cancel
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/cancel-order). Cancelling
// kills the licences at once: subscriptions of the order expire today and
// its batch keys stay out of the pool.
func (s *Server) handleCancelOrder(w http.ResponseWriter, r *http.Request) {
	var req cancelRequest
	_ = json.Unmarshal(readBody(r), &req) // a bad body leaves every field missing
	writeJSON(w, http.StatusOK, s.cancelOrder(&req))
}

// cancelOrder answers a cancel request; the store lock is released before
// the answer is written.
func (s *Server) cancelOrder(req *cancelRequest) cancelResponse {
	answer := func(pon string, number, code int) cancelResponse {
		msg := message(cancelMessages, code)
		return cancelResponse{PartnerOrderNumber: pon, OrderNumber: number, envelope: envelope{ResponseCode: code, ResponseMessage: msg}}
	}
	pon := req.PartnerOrderNumber.V
	switch {
	case !req.ReasonCode.Set:
		return answer(pon, 0, 100)
	case !req.ReasonCode.OK || !validReasons[req.ReasonCode.V]:
		return answer(pon, 0, 101)
	case !req.PartnerOrderNumber.OK:
		return answer("", 0, 110)
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pon]
	switch {
	case o == nil:
		return answer(pon, 0, 1010)
	case o.closed():
		return answer(pon, o.number, 1011)
	case s.cfg.cancelPeriod > 0 && now.Sub(o.created) > s.cfg.cancelPeriod:
		return answer(pon, o.number, 1020)
	}
	for _, ol := range o.lines {
		if ol.product.NotCancellable {
			return answer(pon, o.number, 1030)
		}
	}
	o.cancelled = true
	for _, ol := range o.lines {
		for _, it := range ol.items {
			if sub := s.subByID[it.subID]; sub != nil {
				sub.kill(now)
			}
		}
	}
	return answer(pon, o.number, 0)
}

// HoldNext makes the next n created orders stay pending with code (1060
// waiting for payment validation, or 1061 waiting for fraud-system
// validation) until Release or Reject. Their batch keys are drawn at
// creation and held. Calls add up, in order: HoldNext(2, 1060) then
// HoldNext(1, 1061) hold the next three orders. It fails, holding nothing,
// for any other code or a negative n.
func (s *Server) HoldNext(n int, code int) error {
	if code != 1060 && code != 1061 {
		return fmt.Errorf("nexwaytest: HoldNext: code %d is not a pending code (1060 or 1061)", code)
	}
	if n < 0 {
		return fmt.Errorf("nexwaytest: HoldNext: negative count %d", n)
	}
	s.mu.Lock()
	for i := 0; i < n; i++ {
		s.holds = append(s.holds, code)
	}
	s.mu.Unlock()
	return nil
}

// Release delivers a pending order: real-time keys are fetched, subscriptions
// start, and get-order answers 0 with its lines from then on. It fails for
// an order that is not pending (unknown, delivered, cancelled or rejected).
func (s *Server) Release(partnerOrderNumber string) error {
	s.mu.Lock()
	o := s.orders[partnerOrderNumber]
	if err := pendingErr(o, partnerOrderNumber); err != nil {
		s.mu.Unlock()
		return err
	}
	o.pending = 0
	s.deliverLocked(o, s.Now())
	jobs := s.claimLocked(o)
	s.mu.Unlock()
	s.runJobs(jobs)
	return nil
}

// Reject ends a pending order with code 1062 (fraud suspicion) or 1064
// (payment not validated), which get-order answers from then on. Its batch
// keys go back to the front of their pools. It fails for any other code, or
// an order that is not pending.
func (s *Server) Reject(partnerOrderNumber string, code int) error {
	if code != 1062 && code != 1064 {
		return fmt.Errorf("nexwaytest: reject %q: code %d is not 1062 or 1064", partnerOrderNumber, code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[partnerOrderNumber]
	if err := pendingErr(o, partnerOrderNumber); err != nil {
		return err
	}
	o.pending = code
	for _, ol := range o.lines {
		var back []string
		for _, it := range ol.items {
			if it.batch && it.key != "" {
				back = append(back, it.key)
				it.key, it.batch = "", false
			}
		}
		s.pools[ol.product.Ref].giveBack(back)
	}
	return nil
}

func pendingErr(o *order, pon string) error {
	switch {
	case o == nil:
		return fmt.Errorf("nexwaytest: order %q not found", pon)
	case o.cancelled:
		return fmt.Errorf("nexwaytest: order %q is cancelled", pon)
	case o.pending != 1060 && o.pending != 1061:
		return fmt.Errorf("nexwaytest: order %q is not pending", pon)
	}
	return nil
}

// OrderSnapshot is a copy of an order as the fake stores it, for a test to
// check what Nexway would hold: Order and Orders return them.
type OrderSnapshot struct {
	// PartnerOrderNumber is the storefront's order id, the key of the
	// order; a renewal's is the original's with "-1", "-2", ... appended.
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	// OrderNumber is the number the fake gave the order, from 10000001 up.
	OrderNumber int `json:"orderNumber"`
	// Created is when the order was made, on the fake's clock.
	Created time.Time `json:"created"`
	// Lines are the order's lines, in the order of the request.
	Lines []LineSnapshot `json:"lines"`
	// Cancelled reports whether cancel-order succeeded on the order.
	Cancelled bool `json:"cancelled"`
	// PendingCode is 0 for an order delivered, 1060 or 1061 for one held
	// pending (HoldNext), 1062 or 1064 for one rejected (Reject).
	PendingCode int `json:"pendingCode"`
	// DownloadEnd is midnight UTC of the last day the order's files can be
	// downloaded: 21 days after creation, unless extended.
	DownloadEnd time.Time `json:"downloadEnd"`
	// Renewal reports whether a subscription renewal made the order.
	Renewal bool `json:"renewal"`
}

// LineSnapshot is one line of an OrderSnapshot.
type LineSnapshot struct {
	// ProductRef is the product ordered.
	ProductRef int `json:"productRef"`
	// Quantity is the number of units ordered.
	Quantity int `json:"quantity"`
	// Keys are the license keys delivered, in unit order: fewer than
	// Quantity while a publisher has not delivered or a pool was empty, and
	// none for a product that is not delivered by serial.
	Keys []string `json:"keys"`
	// SubscriptionIDs are the ids of the subscriptions the line started,
	// one per unit of a subscription product, else none.
	SubscriptionIDs []int `json:"subscriptionIds"`
}

// Order returns a snapshot of the order with this partner order number,
// and whether there is one. An order appears once its create call has
// finished with its real-time keys, or right away when held pending.
func (s *Server) Order(partnerOrderNumber string) (OrderSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[partnerOrderNumber]
	if o == nil {
		return OrderSnapshot{}, false
	}
	return o.snapshot(), true
}

// Orders returns snapshots of every order, renewals included, sorted by
// order number.
func (s *Server) Orders() []OrderSnapshot {
	s.mu.Lock()
	out := make([]OrderSnapshot, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o.snapshot())
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].OrderNumber < out[j].OrderNumber })
	return out
}

func (o *order) snapshot() OrderSnapshot {
	snap := OrderSnapshot{
		PartnerOrderNumber: o.pon,
		OrderNumber:        o.number,
		Created:            o.created,
		Cancelled:          o.cancelled,
		PendingCode:        o.pending,
		DownloadEnd:        o.downloadEnd,
		Renewal:            o.renewal,
	}
	for _, ol := range o.lines {
		ls := LineSnapshot{ProductRef: ol.product.Ref, Quantity: len(ol.items)}
		for _, it := range ol.items {
			if it.key != "" {
				ls.Keys = append(ls.Keys, it.key)
			}
			if it.subID != 0 {
				ls.SubscriptionIDs = append(ls.SubscriptionIDs, it.subID)
			}
		}
		snap.Lines = append(snap.Lines, ls)
	}
	return snap
}
