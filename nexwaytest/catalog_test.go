package nexwaytest

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCategoriesSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, raw := e.call("GET", "/connect/catalog/categories/EN", nil)
	if status != 200 {
		t.Fatalf("HTTP %d", status)
	}
	if !strings.Contains(string(raw), `"label":"Anti-Virus & Security"`) {
		t.Errorf("ampersand escaped or label missing: %s", raw)
	}
	m := decodeObject(t, raw)
	wantCode(t, m, 0)
	wantShape(t, "categories", m, map[string]kind{"categoryList": kArray, "responseCode": kNumber, "responseMessage": kString})
	cats := arr(t, m, "categoryList")
	if len(cats) != 2 {
		t.Fatalf("%d categories", len(cats))
	}
	for _, c := range cats {
		wantShape(t, "category", c, map[string]kind{"id": kNumber, "label": kString, "Subcategory list": kArray})
		for _, sc := range arr(t, c, "Subcategory list") {
			wantShape(t, "subcategory", sc, map[string]kind{"id": kNumber, "label": kString})
		}
	}
	if num(t, cats[0], "id") != 7466 || cats[0]["label"] != "Anti-Virus & Security" {
		t.Errorf("first category = %v", cats[0])
	}
	subs := arr(t, cats[0], "Subcategory list")
	if len(subs) != 2 || num(t, subs[0], "id") != 7467 || subs[0]["label"] != "Antivirus" || subs[1]["label"] != "VPN" {
		t.Errorf("subcategories = %v", subs)
	}
	if subs := arr(t, cats[1], "Subcategory list"); num(t, cats[1], "id") != 7470 || len(subs) != 2 || num(t, subs[1], "id") != 7472 {
		t.Errorf("games = %v", cats[1])
	}
}

// A tree deeper than the sample's two levels is served whole, each level
// under the sample's key; leaves keep the sample's {id, label} shape.
func TestCategoriesDeeperTree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.SetCategories([]Category{{ID: 1, Label: "Games", Subcategories: []Category{
		{ID: 2, Label: "Strategy", Subcategories: []Category{{ID: 3, Label: "Real-time"}}},
		{ID: 4, Label: "Puzzle"},
	}}})
	cats := arr(t, e.json("GET", "/connect/catalog/categories/EN", nil), "categoryList")
	subs := arr(t, cats[0], "Subcategory list")
	if len(subs) != 2 {
		t.Fatalf("subcategories = %v", subs)
	}
	deep := arr(t, subs[0], "Subcategory list")
	if len(deep) != 1 || num(t, deep[0], "id") != 3 || deep[0]["label"] != "Real-time" {
		t.Errorf("third level = %v", deep)
	}
	wantShape(t, "leaf", subs[1], map[string]kind{"id": kNumber, "label": kString})
	wantShape(t, "leaf", deep[0], map[string]kind{"id": kNumber, "label": kString})
}

func TestOSListSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.json("GET", "/connect/catalog/oslist", nil)
	wantCode(t, m, 0)
	wantShape(t, "oslist", m, map[string]kind{"osList": kArray, "responseCode": kNumber, "responseMessage": kString})
	list := arr(t, m, "osList")
	if len(list) != 3 {
		t.Fatalf("%d OS", len(list))
	}
	for _, o := range list {
		wantShape(t, "os", o, map[string]kind{"id": kNumber, "label": kString})
	}
	if num(t, list[0], "id") != 63 || list[0]["label"] != "Win 10 32/64 bits" || num(t, list[2], "id") != 80 {
		t.Errorf("osList = %v", list)
	}
}

func TestCatalogEmptyByDefault(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{})
	rec := serveDirect(s, "GET", "/connect/catalog/oslist", nil)
	m := checkEnvelope(t, rec)
	if l, ok := m["osList"].([]any); !ok || len(l) != 0 {
		t.Errorf("osList = %v, want []", m["osList"])
	}
	rec = serveDirect(s, "GET", "/connect/catalog/categories/FR", nil)
	m = checkEnvelope(t, rec)
	if l, ok := m["categoryList"].([]any); !ok || len(l) != 0 {
		t.Errorf("categoryList = %v, want []", m["categoryList"])
	}
	if s.KeysLeft(733551) != 0 {
		t.Error("New has keys")
	}
}

func TestSetCategoriesCopies(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{})
	cs := []Category{{ID: 1, Label: "One", Subcategories: []Category{{ID: 2, Label: "Two"}}}}
	s.SetCategories(cs)
	cs[0].Subcategories[0].Label = "changed"
	m := checkEnvelope(t, serveDirect(s, "GET", "/connect/catalog/categories/EN", nil))
	sub := m["categoryList"].([]any)[0].(map[string]any)["Subcategory list"].([]any)[0].(map[string]any)
	if sub["label"] != "Two" {
		t.Errorf("caller's slice aliased: %v", sub)
	}
}

func TestAddProductsValidation(t *testing.T) {
	t.Parallel()
	ok := Product{Ref: 1, Name: "Ok", Currency: "EUR"}
	for _, tc := range []struct {
		name string
		mod  func(p *Product)
		want string
	}{
		{"zero ref", func(p *Product) { p.Ref = 0 }, "ref"},
		{"ref too big", func(p *Product) { p.Ref = 1 << 40 }, "ref"},
		{"no name", func(p *Product) { p.Name = " " }, "name"},
		{"bad currency", func(p *Product) { p.Currency = "eur" }, "currency"},
		{"negative price", func(p *Product) { p.AmountDutyFree = -1 }, "amountDutyFree"},
		{"bad delivery", func(p *Product) { p.Delivery = 9 }, "delivery"},
		{"bad fulfillment", func(p *Product) { p.Fulfillment = -1 }, "fulfillment"},
		{"bad option", func(p *Product) { p.Option = 7 }, "option"},
		{"bad subscription period", func(p *Product) { p.SubscriptionPeriod = "1Y" }, "subscriptionPeriod"},
		{"zero subscription period", func(p *Product) { p.SubscriptionPeriod = "P0D" }, "subscriptionPeriod"},
		{"extension without period", func(p *Product) { p.Option = OptionDownloadExtension }, "extensionPeriod"},
		{"bad extension period", func(p *Product) { p.ExtensionPeriod = "PT1H" }, "extensionPeriod"},
		{"negative threshold", func(p *Product) { p.LowStockThreshold = -1 }, "lowStockThreshold"},
		{"bad relation", func(p *Product) { p.Options = []int{0} }, "relation"},
		{"bad file size", func(p *Product) { p.Files = []File{{Label: "x", Size: -1}} }, "size"},
		{"negative public price", func(p *Product) { p.PublicPrice = -0.01 }, "publicPrice"},
		{"infinite retailer price", func(p *Product) { p.RetailerPrice = math.Inf(1) }, "retailerPrice"},
		{"negative publisher", func(p *Product) { p.PublisherID = -1 }, "publisherId"},
		{"zero category", func(p *Product) { p.Categories = []int{7467, 0} }, "categories"},
		{"negative OS", func(p *Product) { p.OperatingSystems = []int{-63} }, "operatingSystems"},
		{"screenshot with a colon", func(p *Product) { p.Screenshots = []string{"https://x.test/a.png"} }, "screenshot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newUnstarted(config{})
			p := ok
			tc.mod(&p)
			err := s.AddProducts(ok2(), p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
			if rec := serveDirect(s, "POST", "/connect/stock", []byte(`{"productRefs":[2]}`)); !strings.Contains(rec.Body.String(), `"responseCode":1010`) {
				t.Fatalf("a failed AddProducts added the valid product too: %s", rec.Body)
			}
		})
	}
	s := newUnstarted(config{})
	if err := s.AddProducts(ok, ok); err == nil {
		t.Error("duplicate in one call accepted")
	}
	if err := s.AddProducts(ok); err != nil {
		t.Fatal(err)
	}
	if err := s.AddProducts(ok); err == nil {
		t.Error("duplicate across calls accepted")
	}
}

func ok2() Product { return Product{Ref: 2, Name: "Two", Currency: "EUR"} }

func TestLoadCatalogJSON(t *testing.T) {
	t.Parallel()
	s := newUnstarted(config{clock: newManualClock(t0)})
	fixture := `[
	  {"ref": 42, "name": "Fixture Suite", "amountDutyFree": 10, "currency": "GBP", "language": "EN",
	   "delivery": "serial+download", "fulfillment": "batch", "lowStockThreshold": 1,
	   "files": [{"label": "Setup", "type": "exe", "urlPath": "setup.exe", "group": "main", "size": 1024}],
	   "options": [43]},
	  {"ref": 43, "name": "Fixture DVD", "currency": "GBP", "delivery": "none", "option": "backup-dvd"},
	  {"ref": 44, "name": "Fixture Sub", "currency": "GBP", "delivery": 0, "fulfillment": "realtime", "subscriptionPeriod": "P1M"}
	]`
	if err := s.LoadCatalogJSON(strings.NewReader(fixture)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKeys(42, "K1", "K2"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKeys(44, "K3"); err == nil {
		t.Error("keys accepted for a real-time product")
	}
	m := checkEnvelope(t, serveDirect(s, "POST", "/connect/stock", []byte(`{"productRefs":[42]}`)))
	if st := m["productStatus"].([]any)[0].(map[string]any)["status"]; st != 100.0 {
		t.Errorf("status = %v, want 100 (2 keys left, threshold 1)", st)
	}
	for _, bad := range []string{
		`[{"ref": 1, "name": "x", "currency": "EUR", "delivery": "carrier-pigeon"}]`,
		`[{"ref": 1, "name": "x", "currency": "EUR", "colour": "red"}]`,
		`{"ref": 1}`,
		`[{"ref": 1, "name": "x", "currency": "EUR", "fulfillment": 5}]`,
	} {
		if err := newUnstarted(config{}).LoadCatalogJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestProductJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range DefaultCatalog() {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Product
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) {
			t.Errorf("round trip changed:\n%s\n%s", b, b2)
		}
	}
	b, _ := json.Marshal(Product{Delivery: DeliverySerialAndDownload, Fulfillment: FulfillRealTime, Option: OptionDownloadExtension})
	for _, want := range []string{`"delivery":"serial+download"`, `"fulfillment":"realtime"`, `"option":"download-extension"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if DeliveryNone.String() != "none" || FulfillBatch.String() != "batch" || OptionBackupDVD.String() != "backup-dvd" || DeliveryMode(9).String() != "9" {
		t.Error("String() names wrong")
	}
}

// UpdateProducts changes products in place of the old, all or none; what
// is already sold keeps its price.
func TestUpdateProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(sampleOrder("UP-1"), 0)
	p := DefaultCatalog()[0] // 733551
	p.AmountDutyFree, p.Name, p.Categories = 35, "Nexway Antivirus Pro 2026 (promotion)", []int{7467, 7466}
	unknown := Product{Ref: 999, Name: "Nope", Currency: "EUR"}
	bad := p
	bad.Currency = "euro"
	for _, c := range []struct {
		ps   []Product
		want string
	}{
		{[]Product{p, unknown}, "product 999: not in the catalog"},
		{[]Product{p, bad}, "currency"},
		{[]Product{p, p}, "given twice"},
	} {
		if err := e.s.UpdateProducts(c.ps...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
	if got := *e.s.products[733551]; got.Name != DefaultCatalog()[0].Name {
		t.Fatalf("a refused update changed the product: %q", got.Name)
	}
	before := e.s.KeysLeft(733551)
	if err := e.s.UpdateProducts(p); err != nil {
		t.Fatal(err)
	}
	p.Categories[0] = 1 // the fake keeps its own copy
	got := e.s.products[733551]
	if got.AmountDutyFree != 35 || got.Name != "Nexway Antivirus Pro 2026 (promotion)" || !slices.Equal(got.Categories, []int{7467, 7466}) {
		t.Fatalf("updated product: %+v", got)
	}
	if e.s.KeysLeft(733551) != before {
		t.Fatalf("the pool changed: %d keys, want %d", e.s.KeysLeft(733551), before)
	}
	e.s.mu.Lock()
	sold := e.s.orders["UP-1"].lines[0].product
	e.s.mu.Unlock()
	if sold.Name != DefaultCatalog()[0].Name || sold.AmountDutyFree != 41.66 {
		t.Errorf("the order made before the update holds %q at %v", sold.Name, sold.AmountDutyFree)
	}
	e.create(sampleOrder("UP-2"), 0) // still on sale, keys and all
}

// A product removed is unknown to stock and orders and missing from the
// feed; added again, it has its keys back.
func TestRemoveProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.RemoveProducts(733558, 404); err == nil || !strings.Contains(err.Error(), "product 404") {
		t.Fatalf("err = %v", err)
	}
	if e.s.products[733558] == nil {
		t.Fatal("a refused removal removed a product")
	}
	keys := e.s.KeysLeft(733558)
	if err := e.s.RemoveProducts(733558); err != nil {
		t.Fatal(err)
	}
	m := e.json("POST", "/connect/stock", map[string]any{"productRefs": []int{733558}})
	if it := arr(t, m, "productStatus")[0]; num(t, it, "responseCode") != 1010 {
		t.Errorf("stock of a removed product: %v", it)
	}
	e.create(sampleOrder("RM-1", line(733558, 1)), 1020)
	for _, r := range e.feedCSV(',')[1:] {
		if r[0] == "733558" {
			t.Fatal("a removed product is in the feed")
		}
	}
	if err := e.s.RemoveProducts(733558); err == nil {
		t.Error("removed twice")
	}
	if err := e.s.AddProducts(DefaultCatalog()[2]); err != nil {
		t.Fatal(err)
	}
	if e.s.KeysLeft(733558) != keys {
		t.Errorf("added again with %d keys, want %d", e.s.KeysLeft(733558), keys)
	}
	e.create(sampleOrder("RM-2", line(733558, 1)), 0)
}
