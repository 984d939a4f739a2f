package nexwaytest

import (
	"encoding/json"
	"testing"
)

func TestFlexInt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		set, ok bool
		v       int64
	}{
		{`733551`, true, true, 733551},
		{`"733551"`, true, true, 733551},
		{`"-1"`, true, true, -1},
		{`-1`, true, true, -1},
		{`733551.0`, true, true, 733551},
		{`7.33551e5`, true, true, 733551},
		{`1.5`, true, false, 0},
		{`1e300`, true, false, 0},
		{`2147483648`, true, false, 0},
		{`"2147483648"`, true, false, 0},
		{`"abc"`, true, false, 0},
		{`" 7"`, true, false, 0},
		{`"1e3"`, true, false, 0},
		{`true`, true, false, 0},
		{`{}`, true, false, 0},
		{`[1]`, true, false, 0},
		{`null`, false, false, 0},
		{`""`, false, false, 0},
	} {
		var v struct {
			N flexInt `json:"n"`
		}
		if err := json.Unmarshal([]byte(`{"n":`+tc.in+`}`), &v); err != nil {
			t.Errorf("%s: decode error %v", tc.in, err)
			continue
		}
		if v.N.Set != tc.set || v.N.OK != tc.ok || (tc.ok && v.N.V != tc.v) {
			t.Errorf("%s: got %+v, want set=%v ok=%v v=%d", tc.in, v.N, tc.set, tc.ok, tc.v)
		}
	}
	var missing struct {
		N flexInt `json:"n"`
	}
	_ = json.Unmarshal([]byte(`{}`), &missing)
	if missing.N.Set {
		t.Error("absent key reads as set")
	}
}

func TestFlexString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		set, ok bool
		v       string
	}{
		{`"PARTNER689"`, true, true, "PARTNER689"},
		{`689`, true, true, "689"},
		{`""`, false, false, ""},
		{`null`, false, false, ""},
		{`true`, true, false, ""},
		{`["x"]`, true, false, ""},
	} {
		var v struct {
			S flexString `json:"s"`
		}
		if err := json.Unmarshal([]byte(`{"s":`+tc.in+`}`), &v); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if v.S.Set != tc.set || v.S.OK != tc.ok || v.S.V != tc.v {
			t.Errorf("%s: got %+v", tc.in, v.S)
		}
	}
}

func TestOpt(t *testing.T) {
	t.Parallel()
	type obj struct {
		A opt[string] `json:"a"`
	}
	var v struct {
		S opt[string]   `json:"s"`
		F opt[float64]  `json:"f"`
		O opt[obj]      `json:"o"`
		L opt[[]obj]    `json:"l"`
		N opt[string]   `json:"n"`
		M opt[[]string] `json:"m"`
	}
	in := `{"s": 5, "f": 1.5, "o": {"a": ["x"]}, "l": [{"a": "y"}, 3], "n": null}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if !v.S.Set || v.S.OK {
		t.Errorf("wrong-typed string: %+v", v.S)
	}
	if !v.F.OK || v.F.V != 1.5 {
		t.Errorf("float: %+v", v.F)
	}
	if !v.O.OK || !v.O.V.A.Set || v.O.V.A.OK {
		t.Errorf("nested wrong type should stay local: %+v", v.O)
	}
	if !v.L.Set || v.L.OK {
		t.Errorf("list with a non-object element: %+v", v.L)
	}
	if v.N.Set || v.M.Set {
		t.Errorf("null/absent read as set: %+v %+v", v.N, v.M)
	}
}
