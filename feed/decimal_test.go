package feed

import (
	"encoding/json"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Decimal
		str  string
	}{
		{"19.99", Decimal{1999, 2}, "19.99"},
		{"19,99", Decimal{1999, 2}, "19.99"},
		{" 7 ", Decimal{7, 0}, "7"},
		{"-0.05", Decimal{-5, 2}, "-0.05"},
		{"+3.10", Decimal{310, 2}, "3.10"},
		{".5", Decimal{5, 1}, "0.5"},
		{"12.", Decimal{12, 0}, "12"},
		{"0000000000000000000001.5", Decimal{15, 1}, "1.5"},
		{"999999999999999999", Decimal{999999999999999999, 0}, "999999999999999999"},
		{"0.000000000000000001", Decimal{1, 18}, "0.000000000000000001"},
	} {
		got, err := ParseDecimal(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseDecimal(%q) = %+v (%q), %v; want %+v (%q)", tc.in, got, got.String(), err, tc.want, tc.str)
		}
	}
	for _, in := range []string{"", " ", "-", ".", "1.2.3", "1,2.3", "1e5", "1 234,56", "12€", "NaN", "0x10",
		"1000000000000000000", "0.0000000000000000001", "--1"} {
		if d, err := ParseDecimal(in); err == nil {
			t.Errorf("ParseDecimal(%q) = %+v, want an error", in, d)
		}
	}
}

func TestDecimalCmp(t *testing.T) {
	d := func(s string) Decimal {
		v, err := ParseDecimal(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.50", "1.5", 0}, {"1.49", "1.5", -1}, {"2", "1.999", 1}, {"-1", "1", -1}, {"-1.5", "-1.49", -1},
		{"0", "-0.00", 0}, {"999999999999999999", "0.999999999999999999", 1}, {"-2", "-10", 1},
	} {
		if got := d(tc.a).Cmp(d(tc.b)); got != tc.want {
			t.Errorf("%s Cmp %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := d(tc.b).Cmp(d(tc.a)); got != -tc.want {
			t.Errorf("%s Cmp %s = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
	// Out-of-range scales do not panic.
	if (Decimal{1, 99}).Cmp(Decimal{1, -3}) != -1 {
		t.Error("clamped scales compare wrongly")
	}
}

func TestDecimalMinor(t *testing.T) {
	for _, tc := range []struct {
		d      Decimal
		digits int
		want   int64
		ok     bool
	}{
		{Decimal{1999, 2}, 2, 1999, true},
		{Decimal{199, 1}, 2, 1990, true},
		{Decimal{-5, 0}, 2, -500, true},
		{Decimal{125, 3}, 2, 0, false},
		{Decimal{120, 3}, 2, 12, true},
		{Decimal{999999999999999999, 0}, 2, 0, false},
		{Decimal{1, 0}, 19, 0, false},
		{Decimal{1, 20}, 2, 0, false},
	} {
		got, ok := tc.d.Minor(tc.digits)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%+v.Minor(%d) = %d, %v; want %d, %v", tc.d, tc.digits, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDecimalJSON(t *testing.T) {
	in := struct{ Price *Decimal }{&Decimal{-1999, 2}}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"Price":"-19.99"}` {
		t.Fatalf("%s, %v", b, err)
	}
	var out struct{ Price *Decimal }
	if err := json.Unmarshal(b, &out); err != nil || *out.Price != *in.Price {
		t.Fatalf("%+v, %v", out.Price, err)
	}
	if err := json.Unmarshal([]byte(`{"Price":"1e3"}`), &out); err == nil {
		t.Fatal("1e3 accepted")
	}
	if _, err := json.Marshal(Decimal{1, 40}); err == nil {
		t.Fatal("a scale of 40 marshals")
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"19.99", "-0,5", "1e5", "999999999999999999", " 7 ", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		again, err := ParseDecimal(d.String())
		if err != nil || again != d || again.Cmp(d) != 0 {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, d, d.String(), again, err)
		}
	})
}
