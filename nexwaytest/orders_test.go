package nexwaytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var orderShape = map[string]kind{
	"partnerOrderNumber": kString,
	"orderNumber":        kNumber,
	"downloadManager":    kObject,
	"orderLines":         kArray,
	"responseCode":       kNumber,
	"responseMessage":    kString,
}

var orderLineShape = map[string]kind{
	"productRef":        kNumber,
	"dateEndDownload":   kString,
	"digitalLockerLink": kString,
	"remark":            kString,
	"files":             kArray,
	"lineItems":         kArray,
	"responseCode":      kNumber,
	"responseMessage":   kString,
}

var fileShape = map[string]kind{"label": kString, "type": kString, "url": kString, "size": kNumber, "group": kString}

var lineItemShape = map[string]kind{"serials": kArray, "subscriptionId": kNumber, "responseCode": kNumber, "responseMessage": kString}

var serialShape = map[string]kind{"data": kString, "encoding": kString, "charset": kString, "fileName": kString}

// checkOrderShape checks a create/get answer key by key, all levels.
func checkOrderShape(t *testing.T, m map[string]any) {
	t.Helper()
	wantShape(t, "order", m, orderShape)
	wantShape(t, "downloadManager", m["downloadManager"], map[string]kind{"pc": kString, "mac": kString})
	for i, l := range arr(t, m, "orderLines") {
		wantShape(t, fmt.Sprintf("orderLines[%d]", i), l, orderLineShape)
		for j, f := range arr(t, l, "files") {
			wantShape(t, fmt.Sprintf("orderLines[%d].files[%d]", i, j), f, fileShape)
		}
		for j, it := range arr(t, l, "lineItems") {
			wantShape(t, fmt.Sprintf("orderLines[%d].lineItems[%d]", i, j), it, lineItemShape)
			for k, s := range arr(t, it, "serials") {
				wantShape(t, fmt.Sprintf("orderLines[%d].lineItems[%d].serials[%d]", i, j, k), s, serialShape)
			}
		}
	}
}

func TestCreateOrderSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.create(sampleOrder("PARTNER689", line(733551, 2), line(733559, 1), line(733560, 1)), 0)
	checkOrderShape(t, m)
	if got := str(t, m, "partnerOrderNumber"); got != "PARTNER689" {
		t.Errorf("partnerOrderNumber = %q", got)
	}
	if got := num(t, m, "orderNumber"); got != 10000001 {
		t.Errorf("orderNumber = %d, want 10000001", got)
	}
	dm := m["downloadManager"].(map[string]any)
	if dm["pc"] != "https://download.nexway.test/10000001/downloadManager_10000001.exe" ||
		dm["mac"] != "https://download.nexway.test/10000001/downloadManager_10000001.dmg" {
		t.Errorf("downloadManager = %v", dm)
	}
	lines := arr(t, m, "orderLines")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	// Created 2026-01-15 + 21 days = 2026-02-05, + P1Y from the extension option.
	for i, l := range lines {
		if got := str(t, l, "dateEndDownload"); got != "2027-02-05" {
			t.Errorf("line %d dateEndDownload = %q, want 2027-02-05", i, got)
		}
	}
	av := lines[0]
	if items := arr(t, av, "lineItems"); len(items) != 2 {
		t.Fatalf("733551 x2: %d line items, want 2", len(items))
	}
	files := arr(t, av, "files")
	if len(files) != 2 || files[0]["url"] != "https://download.nexway.test/10000001/NexwayAntivirusPro2026_Setup.exe" ||
		files[0]["size"] != 123456789.0 || files[0]["group"] != "main" || files[1]["type"] != "pdf" {
		t.Errorf("733551 files = %v", files)
	}
	keys := serials(t, m)
	if len(keys[0]) != 2 || !strings.HasPrefix(keys[0][0], "NAP-") || keys[0][0] == keys[0][1] {
		t.Errorf("733551 serials = %v", keys[0])
	}
	if len(keys[1]) != 1 || !strings.HasPrefix(keys[1][0], "VPN-") {
		t.Errorf("733559 serials = %v", keys[1])
	}
	if len(keys[2]) != 0 {
		t.Errorf("download extension has serials %v", keys[2])
	}
	if id := num(t, arr(t, lines[1], "lineItems")[0], "subscriptionId"); id != 900001 {
		t.Errorf("subscriptionId = %d, want 900001", id)
	}
	if id := num(t, arr(t, av, "lineItems")[0], "subscriptionId"); id != 0 {
		t.Errorf("non-subscription subscriptionId = %d, want 0", id)
	}
	if left := e.s.KeysLeft(733551); left != 48 {
		t.Errorf("KeysLeft(733551) = %d, want 48", left)
	}

	// Get answers the same document.
	g := e.json("GET", "/connect/order/PARTNER689", nil)
	wantCode(t, g, 0)
	checkOrderShape(t, g)
	if fmt.Sprint(g) != fmt.Sprint(m) {
		t.Errorf("get differs from create:\n%v\n%v", g, m)
	}

	snap, ok := e.s.Order("PARTNER689")
	if !ok || snap.OrderNumber != 10000001 || len(snap.Lines) != 3 || len(snap.Lines[0].Keys) != 2 ||
		snap.Lines[1].SubscriptionIDs[0] != 900001 || !snap.Created.Equal(t0) ||
		!snap.DownloadEnd.Equal(time.Date(2027, 2, 5, 0, 0, 0, 0, time.UTC)) || snap.Cancelled || snap.Renewal {
		t.Errorf("snapshot = %+v", snap)
	}
}

func TestCreateOrderNumbersIncrease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(sampleOrder("A", line(733558, 1)), 0)
	e.create(sampleOrder("B", line(733552, 1)), 0)
	orders := e.s.Orders()
	if len(orders) != 2 || orders[0].OrderNumber != 10000001 || orders[1].OrderNumber != 10000002 ||
		orders[0].PartnerOrderNumber != "A" {
		t.Fatalf("Orders() = %+v", orders)
	}
	// Download-only orders have no download manager; serial-only ones neither.
	g := e.json("GET", "/connect/order/A", nil)
	if dm := g["downloadManager"].(map[string]any); dm["pc"] != "" || dm["mac"] != "" {
		t.Errorf("serial-only order has a download manager: %v", dm)
	}
}

func TestCreateOrderStringNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := sampleOrder("S8", map[string]any{"productRef": "733551", "quantity": "2", "vatRate": nil, "amountDutyFree": nil, "amountTotal": nil})
	m := e.create(body, 0)
	if got := num(t, arr(t, m, "orderLines")[0], "productRef"); got != 733551 {
		t.Errorf("productRef = %d", got)
	}
}

func TestGetOrderNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.json("GET", "/connect/order/NOPE", nil)
	wantCode(t, m, 1010)
	m = e.json("GET", "/connect/order/", nil)
	wantCode(t, m, 100)
}

func TestConcurrentDuplicateCreate(t *testing.T) {
	e := newEnv(t)
	// A slow real-time publisher widens the window between the reservation
	// and the order becoming visible.
	release := make(chan struct{})
	slow := PublisherFunc(func(ctx context.Context, req LicenseRequest) (string, error) {
		<-release
		return "NTS-SLOW-" + req.LineItemID, nil
	})
	if err := e.s.SetPublisher(733552, slow); err != nil {
		t.Fatal(err)
	}
	const n = 50
	codes := make(chan int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req := e.request("POST", "/connect/order/new", sampleOrder("DUP-1", line(733551, 1), line(733552, 1)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				codes <- -1
				return
			}
			defer resp.Body.Close()
			var m map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
				t.Error(err)
				codes <- -1
				return
			}
			codes <- int(m["responseCode"].(float64))
		}()
	}
	close(start)
	// Let the publisher answer once all 49 losers have been refused. If the
	// losers are not refused while the winner is in flight, they block in
	// the publisher too: fail instead of hanging.
	counts := map[int]int{}
	timeout := time.After(20 * time.Second)
	for i := 0; i < n-1; i++ {
		select {
		case c := <-codes:
			counts[c]++
		case <-timeout:
			close(release)
			wg.Wait()
			t.Fatalf("only %d of %d duplicates answered while the first create was in flight: %v", i, n-1, counts)
		}
	}
	close(release)
	counts[<-codes]++
	wg.Wait()
	if counts[0] != 1 || counts[1010] != n-1 {
		t.Fatalf("codes = %v, want one 0 and %d × 1010", counts, n-1)
	}
	if got := len(e.s.Orders()); got != 1 {
		t.Fatalf("%d orders, want 1", got)
	}
	if left := e.s.KeysLeft(733551); left != 49 {
		t.Errorf("KeysLeft = %d, want 49 (one order drew one key)", left)
	}
}

func TestOutOfStockDrawsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// 733558 has 5 keys: 3 + 3 across two lines is refused as a whole.
	m := e.create(sampleOrder("OOS", line(733551, 1), line(733558, 3), line(733558, 3)), 1044)
	wantShape(t, "1044", m, map[string]kind{"partnerOrderNumber": kString, "responseCode": kNumber, "responseMessage": kString})
	if e.s.KeysLeft(733558) != 5 || e.s.KeysLeft(733551) != 50 {
		t.Fatalf("keys drawn on refusal: 733558=%d 733551=%d", e.s.KeysLeft(733558), e.s.KeysLeft(733551))
	}
	if _, ok := e.s.Order("OOS"); ok {
		t.Fatal("refused order exists")
	}
	e.create(sampleOrder("R", line(733562, 1)), 1044)
	// Exactly the pool is fine, and the next one is refused.
	e.create(sampleOrder("ALL", line(733558, 5)), 0)
	e.create(sampleOrder("ONE-MORE", line(733558, 1)), 1044)
}

func TestHoldNextRefusesBadArguments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct{ n, code int }{{1, 1062}, {1, 0}, {1, 1010}, {-1, 1060}} {
		if err := e.s.HoldNext(c.n, c.code); err == nil {
			t.Errorf("HoldNext(%d, %d) accepted", c.n, c.code)
		}
	}
	// Nothing was held: the next order is delivered.
	e.create(sampleOrder("NOT-HELD", line(733551, 1)), 0)
}

func TestPendingHoldRelease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mustHold(t, e.s, 1, 1061)
	m := e.create(sampleOrder("HOLD", line(733551, 1), line(733559, 1)), 1061)
	if num(t, m, "orderNumber") != 10000001 || len(arr(t, m, "orderLines")) != 0 {
		t.Fatalf("pending create = %v", m)
	}
	wantCode(t, e.json("GET", "/connect/order/HOLD", nil), 1061)
	wantCode(t, e.json("GET", "/connect/order/HOLD/download", nil), 1061)
	if e.s.KeysLeft(733551) != 49 {
		t.Errorf("pending order should hold its batch key: left %d", e.s.KeysLeft(733551))
	}
	// The next order is not held.
	e.create(sampleOrder("NEXT"), 0)

	if err := e.s.Release("HOLD"); err != nil {
		t.Fatal(err)
	}
	g := e.json("GET", "/connect/order/HOLD", nil)
	wantCode(t, g, 0)
	checkOrderShape(t, g)
	keys := serials(t, g)
	if len(keys) != 2 || len(keys[0]) != 1 || len(keys[1]) != 1 {
		t.Fatalf("released serials = %v", keys)
	}
	if id := num(t, arr(t, arr(t, g, "orderLines")[1], "lineItems")[0], "subscriptionId"); id == 0 {
		t.Error("released subscription has no id")
	}
	if err := e.s.Release("HOLD"); err == nil {
		t.Error("second Release succeeded")
	}
	if err := e.s.Release("NOPE"); err == nil {
		t.Error("Release of unknown order succeeded")
	}
}

func TestPendingReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mustHold(t, e.s, 2, 1060)
	e.create(sampleOrder("P1", line(733558, 2)), 1060)
	e.create(sampleOrder("P2"), 1060)
	if e.s.KeysLeft(733558) != 3 {
		t.Fatalf("KeysLeft = %d", e.s.KeysLeft(733558))
	}
	if err := e.s.Reject("P1", 1000); err == nil {
		t.Error("Reject with code 1000 succeeded")
	}
	if err := e.s.Reject("P1", 1062); err != nil {
		t.Fatal(err)
	}
	if e.s.KeysLeft(733558) != 5 {
		t.Errorf("rejected keys not returned: %d", e.s.KeysLeft(733558))
	}
	wantCode(t, e.json("GET", "/connect/order/P1", nil), 1062)
	if err := e.s.Release("P1"); err == nil {
		t.Error("Release of a rejected order succeeded")
	}
	if err := e.s.Reject("P2", 1064); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.json("GET", "/connect/order/P2", nil), 1064)
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "P2", "reasonCode": 2}), 1011)
	snap, _ := e.s.Order("P1")
	if snap.PendingCode != 1062 || len(snap.Lines[0].Keys) != 0 {
		t.Errorf("snapshot = %+v", snap)
	}
}

func TestCancelOrder(t *testing.T) {
	e := newEnv(t, func(c *config) { c.cancelPeriod = 14 * 24 * time.Hour })
	e.create(sampleOrder("C1", line(733551, 1)), 0)
	m := e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "C1", "reasonCode": 2, "comment": "customer request"})
	wantCode(t, m, 0)
	wantShape(t, "cancel", m, map[string]kind{"partnerOrderNumber": kString, "orderNumber": kNumber, "responseCode": kNumber, "responseMessage": kString})
	if num(t, m, "orderNumber") != 10000001 {
		t.Errorf("orderNumber = %v", m["orderNumber"])
	}
	if e.s.KeysLeft(733551) != 49 {
		t.Errorf("cancelled key returned to the pool: %d left", e.s.KeysLeft(733551))
	}
	if snap, _ := e.s.Order("C1"); !snap.Cancelled {
		t.Error("snapshot not cancelled")
	}
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "C1", "reasonCode": 3}), 1011)

	// Cancel period, on the fake clock.
	e.create(sampleOrder("C2"), 0)
	e.s.Advance(14 * 24 * time.Hour)
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "C2", "reasonCode": "16"}), 0)
	e.create(sampleOrder("C3"), 0)
	e.s.Advance(14*24*time.Hour + time.Second)
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "C3", "reasonCode": 2}), 1020)
}

func TestCancelOrderCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.AddProducts(Product{Ref: 1, Name: "Final sale", Currency: "EUR", Delivery: DeliveryDownload, NotCancellable: true}); err != nil {
		t.Fatal(err)
	}
	e.create(sampleOrder("NC", line(1, 1)), 0)
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"empty body", "", 100},
		{"not JSON", "{", 100},
		{"reasonCode missing", map[string]any{"partnerOrderNumber": "NC"}, 100},
		{"reasonCode null", map[string]any{"partnerOrderNumber": "NC", "reasonCode": nil}, 100},
		{"reasonCode 7", map[string]any{"partnerOrderNumber": "NC", "reasonCode": 7}, 101},
		{"reasonCode text", map[string]any{"partnerOrderNumber": "NC", "reasonCode": "two"}, 101},
		{"reasonCode bool", map[string]any{"partnerOrderNumber": "NC", "reasonCode": true}, 101},
		{"partnerOrderNumber missing", map[string]any{"reasonCode": 2}, 110},
		{"partnerOrderNumber empty", map[string]any{"partnerOrderNumber": "", "reasonCode": 2}, 110},
		{"not found", map[string]any{"partnerOrderNumber": "NOPE", "reasonCode": 2}, 1010},
		{"not cancellable", map[string]any{"partnerOrderNumber": "NC", "reasonCode": 2}, 1030},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, e.json("PUT", "/connect/order/cancel", tc.body), tc.want)
		})
	}
}

func TestCancelPendingOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mustHold(t, e.s, 1, 1060)
	e.create(sampleOrder("PC"), 1060)
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "PC", "reasonCode": 2}), 0)
	if err := e.s.Release("PC"); err == nil {
		t.Error("Release of a cancelled order succeeded")
	}
}

func mustHold(t *testing.T, s *Server, n, code int) {
	t.Helper()
	if err := s.HoldNext(n, code); err != nil {
		t.Fatal(err)
	}
}
