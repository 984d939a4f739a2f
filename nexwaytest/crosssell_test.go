package nexwaytest

import (
	"fmt"
	"testing"
)

var offerShape = map[string]kind{
	"ref": kNumber, "type": kString, "name": kString, "amountDutyFree": kNumber,
	"currency": kString, "shortDescription": kString, "language": kString, "imageSmall": kString,
}

func TestCrossSellSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.json("POST", "/connect/order/crossupsell", map[string]any{"language": "EN", "products": []any{map[string]any{"productRef": 733551, "quantity": 1}}})
	wantCode(t, m, 0)
	wantShape(t, "crossupsell", m, map[string]kind{"productsReturn": kArray, "responseCode": kNumber, "responseMessage": kString})
	offers := arr(t, m, "productsReturn")
	var got []string
	for _, o := range offers {
		wantShape(t, "offer", o, offerShape)
		got = append(got, fmt.Sprintf("%d:%s", num(t, o, "ref"), str(t, o, "type")))
	}
	want := "[733552:up 733559:cross 733560:option 733561:option]"
	if fmt.Sprint(got) != want {
		t.Fatalf("offers = %v, want %s", got, want)
	}
	o := offers[0]
	if o["name"] != "Nexway Total Security 2026" || o["amountDutyFree"] != 66.66 || o["currency"] != "EUR" ||
		o["language"] != "EN" || o["imageSmall"] != "https://img.nexway.test/733552.png" || o["shortDescription"] == "" {
		t.Errorf("offer = %v", o)
	}
}

func TestCrossSellUnion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.AddProducts(
		Product{Ref: 10, Name: "A", Currency: "EUR", CrossSells: []int{12, 11, 404}},
		Product{Ref: 11, Name: "B", Currency: "EUR", UpSells: []int{12, 10, 13}},
		Product{Ref: 12, Name: "C", Currency: "EUR"},
		Product{Ref: 13, Name: "D", Currency: "EUR"},
	); err != nil {
		t.Fatal(err)
	}
	// Cart {10, 11}: 10 offers 12 (cross), 11 (in cart), 404 (unknown);
	// 11 offers 12 (already offered), 10 (in cart), 13 (up).
	m := e.json("POST", "/connect/order/crossupsell", `{"language":"FR,EN","products":[{"productRef":"10","quantity":"1"},{"productRef":11,"quantity":2}]}`)
	wantCode(t, m, 0)
	var got []string
	for _, o := range arr(t, m, "productsReturn") {
		got = append(got, fmt.Sprintf("%d:%s", num(t, o, "ref"), str(t, o, "type")))
	}
	if fmt.Sprint(got) != "[12:cross 13:up]" {
		t.Fatalf("offers = %v", got)
	}
	// Nothing to offer: productsReturn is null.
	m = e.json("POST", "/connect/order/crossupsell", `{"language":"EN","products":[{"productRef":733558,"quantity":1}]}`)
	wantCode(t, m, 0)
	if v, present := m["productsReturn"]; !present || v != nil {
		t.Fatalf("productsReturn = %v (present %v), want null", v, present)
	}
}

func TestCrossSellCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	item := func(ref, qty any) map[string]any {
		m := map[string]any{}
		if ref != nil {
			m["productRef"] = ref
		}
		if qty != nil {
			m["quantity"] = qty
		}
		return m
	}
	body := func(lang any, items ...any) map[string]any {
		m := map[string]any{"products": items}
		if lang != nil {
			m["language"] = lang
		}
		return m
	}
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"empty body", "", 100},
		{"not JSON", "{", 100},
		{"products missing", map[string]any{"language": "EN"}, 100},
		{"products empty", body("EN"), 100},
		{"products not array", map[string]any{"language": "EN", "products": "733551"}, 100},
		{"productRef missing", body("EN", item(nil, 1)), 110},
		{"product null", body("EN", nil), 110},
		{"productRef invalid", body("EN", item(-1, 1)), 111},
		{"productRef text", body("EN", item("x", 1)), 111},
		{"quantity missing", body("EN", item(733551, nil)), 120},
		{"quantity zero", body("EN", item(733551, 0)), 121},
		{"quantity text", body("EN", item(733551, "many")), 121},
		{"language missing", body(nil, item(733551, 1)), 130},
		{"language empty", body("", item(733551, 1)), 130},
		{"language lower", body("en", item(733551, 1)), 131},
		{"language locale", body("en_GB", item(733551, 1)), 131},
		{"language list bad", body("FR,ENG", item(733551, 1)), 131},
		{"language number", body(1, item(733551, 1)), 131},
		{"productRef not found", body("EN", item(733551, 1), item(999, 1)), 1010},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := e.json("POST", "/connect/order/crossupsell", tc.body)
			wantCode(t, m, tc.want)
			if v := m["productsReturn"]; v != nil {
				t.Errorf("productsReturn on failure: %v", v)
			}
		})
	}
}

func FuzzCrossSellBody(f *testing.F) {
	f.Add([]byte(`{"language":"EN","products":[{"productRef":733551,"quantity":1}]}`))
	f.Add([]byte(`{"language":"FR,EN,ES,IT,PT","products":[{"productRef":"668678","quantity":"1"}]}`))
	f.Add([]byte(`{"language":"EN","products":[null,{"productRef":-1}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := fuzzServer(t)
		m := checkEnvelope(t, serveDirect(s, "POST", "/connect/order/crossupsell", body))
		switch c := m["responseCode"].(float64); c {
		case 0:
			offers, _ := m["productsReturn"].([]any)
			seen := map[float64]bool{}
			for _, o := range offers {
				ref := o.(map[string]any)["ref"].(float64)
				if seen[ref] {
					t.Fatalf("offer %v twice", ref)
				}
				seen[ref] = true
			}
		case 100, 110, 111, 120, 121, 130, 131, 1010:
		default:
			t.Fatalf("code %v", c)
		}
	})
}
