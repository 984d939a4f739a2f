package nexwaytest

import (
	"encoding/json"
	"testing"
)

var stockItemShape = map[string]kind{"productRef": kNumber, "status": kNumber, "responseCode": kNumber, "responseMessage": kString}

func TestStockSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.json("POST", "/connect/stock", map[string]any{"productRefs": []int{733551, 733558}})
	wantCode(t, m, 0)
	wantShape(t, "stock", m, map[string]kind{"responseCode": kNumber, "responseMessage": kString, "productStatus": kArray})
	items := arr(t, m, "productStatus")
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	for i, it := range items {
		wantShape(t, "productStatus", it, stockItemShape)
		if num(t, it, "status") != 100 || num(t, it, "responseCode") != 0 || it["responseMessage"] != "OK" {
			t.Errorf("item %d = %v", i, it)
		}
	}
	if num(t, items[0], "productRef") != 733551 || num(t, items[1], "productRef") != 733558 {
		t.Errorf("refs not echoed in order: %v", items)
	}
}

func TestStockItemCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.json("POST", "/connect/stock", `{"productRefs":["733551",-1,0,"abc",true,null,999,733562,733552,733560]}`)
	wantCode(t, m, 0)
	want := []struct{ ref, status, code int }{
		{733551, 100, 0}, // string ref accepted
		{-1, 0, 101},
		{0, 0, 101},
		{0, 0, 101}, // non-numeric
		{0, 0, 101},
		{0, 0, 100}, // null
		{999, 0, 1010},
		{733562, 300, 0}, // empty pool
		{733552, 100, 0}, // real time
		{733560, 100, 0}, // physical option
	}
	items := arr(t, m, "productStatus")
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		it := items[i]
		if num(t, it, "productRef") != w.ref || num(t, it, "status") != w.status || num(t, it, "responseCode") != w.code {
			t.Errorf("item %d = %v, want ref %d status %d code %d", i, it, w.ref, w.status, w.code)
		}
	}
}

func TestStockRootCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, body := range []any{"", "{", "null", `{}`, `{"productRefs":[]}`, `{"productRefs":null}`, `{"productRefs":"733551"}`, `[733551]`} {
		m := e.json("POST", "/connect/stock", body)
		wantCode(t, m, 100)
	}
}

func TestStockLevels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	level := func() int {
		m := e.json("POST", "/connect/stock", map[string]any{"productRefs": []int{733558}})
		return num(t, arr(t, m, "productStatus")[0], "status")
	}
	// 733558: 5 keys, threshold 2.
	steps := []struct{ buy, left, status int }{{0, 5, 100}, {2, 3, 100}, {1, 2, 200}, {1, 1, 200}, {1, 0, 300}}
	for i, st := range steps {
		if st.buy > 0 {
			e.create(sampleOrder("LVL-"+string(rune('A'+i)), line(733558, st.buy)), 0)
		}
		if got := e.s.KeysLeft(733558); got != st.left {
			t.Fatalf("step %d: KeysLeft = %d, want %d", i, got, st.left)
		}
		if got := level(); got != st.status {
			t.Fatalf("step %d: status = %d, want %d", i, got, st.status)
		}
	}
}

func FuzzStockBody(f *testing.F) {
	f.Add([]byte(`{"productRefs":[733551,733558]}`))
	f.Add([]byte(`{"productRefs":["668678"]}`))
	f.Add([]byte(`{"productRefs":[-1,"x",null,1e3,733562]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := fuzzServer(t)
		m := checkEnvelope(t, serveDirect(s, "POST", "/connect/stock", body))
		code := m["responseCode"].(float64)
		items, _ := m["productStatus"].([]any)
		if code == 0 {
			var req struct {
				ProductRefs []json.RawMessage `json:"productRefs"`
			}
			if err := json.Unmarshal(body, &req); err == nil && len(req.ProductRefs) != len(items) {
				t.Fatalf("%d refs, %d statuses", len(req.ProductRefs), len(items))
			}
		} else if code != 100 {
			t.Fatalf("root code %v", code)
		}
		for _, it := range items {
			o := it.(map[string]any)
			switch o["responseCode"].(float64) {
			case 0:
				if st := o["status"].(float64); st != 100 && st != 200 && st != 300 {
					t.Fatalf("status %v", st)
				}
			case 100, 101, 1010:
				if o["status"].(float64) != 0 {
					t.Fatalf("failed item with status %v", o["status"])
				}
			default:
				t.Fatalf("item code %v", o["responseCode"])
			}
		}
	})
}
