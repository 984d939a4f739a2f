package nexway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A variant rewrites a parsed answer the way another Nexway dialect might
// send it. The SDK must read every variant of a documented answer into the
// same values as the answer itself.
type variant struct {
	name    string
	rewrite func(x any) any
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// walk rewrites every value of a tree, leaves first.
func walk(x any, f func(any) any) any {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			x[k] = walk(v, f)
		}
	case []any:
		for i, v := range x {
			x[i] = walk(v, f)
		}
	}
	return f(x)
}

func dateForm(form func(time.Time) any) func(any) any {
	return func(x any) any {
		if s, ok := x.(string); ok && datePattern.MatchString(s) {
			t, err := time.Parse(time.DateOnly, s)
			if err == nil {
				return form(t)
			}
		}
		return x
	}
}

func renamed(names map[string]string) func(any) any {
	return func(x any) any {
		if obj, ok := x.(map[string]any); ok {
			for from, to := range names {
				if v, ok := obj[from]; ok {
					delete(obj, from)
					obj[to] = v
				}
			}
		}
		return x
	}
}

func variants(alt map[string]string) []variant {
	vs := []variant{
		{"numbers as strings", func(x any) any {
			return walk(x, func(x any) any {
				if n, ok := x.(json.Number); ok {
					return string(n)
				}
				return x
			})
		}},
		{"digits as numbers", func(x any) any {
			return walk(x, func(x any) any {
				if s, ok := x.(string); ok && s != "" && s[0] != '0' && strings.Trim(s, "0123456789") == "" && len(s) < 16 {
					return json.Number(s)
				}
				return x
			})
		}},
		{"RFC 3339 dates", func(x any) any {
			return walk(x, dateForm(func(t time.Time) any {
				return t.Add(10 * time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
			}))
		}},
		{"dates with a time", func(x any) any {
			return walk(x, dateForm(func(t time.Time) any { return t.Format(time.DateTime) }))
		}},
		{"epoch seconds", func(x any) any {
			return walk(x, dateForm(func(t time.Time) any { return json.Number(strconv.FormatInt(t.Unix()+3600, 10)) }))
		}},
		{"epoch milliseconds as strings", func(x any) any {
			return walk(x, dateForm(func(t time.Time) any { return strconv.FormatInt(t.UnixMilli(), 10) }))
		}},
		{"null for empty lists", func(x any) any {
			return walk(x, func(x any) any {
				if l, ok := x.([]any); ok && len(l) == 0 {
					return nil
				}
				return x
			})
		}},
		{"one object for a list of one", func(x any) any {
			return walk(x, func(x any) any {
				if l, ok := x.([]any); ok && len(l) == 1 {
					if _, obj := l[0].(map[string]any); obj {
						return l[0]
					}
				}
				return x
			})
		}},
		{"extra fields", func(x any) any {
			return walk(x, func(x any) any {
				if obj, ok := x.(map[string]any); ok {
					obj["x-nexway-trace"] = map[string]any{"id": json.Number("7"), "list": []any{"a"}}
					obj["deprecated"] = nil
				}
				return x
			})
		}},
	}
	if alt != nil {
		vs = append(vs, variant{"alternative names", func(x any) any { return walk(x, renamed(alt)) }})
	}
	all := make([]variant, len(vs))
	copy(all, vs)
	vs = append(vs, variant{"all at once", func(x any) any {
		for _, v := range all {
			if v.name != "digits as numbers" && !strings.HasPrefix(v.name, "epoch") && v.name != "dates with a time" {
				x = v.rewrite(x)
			}
		}
		return x
	}})
	return vs
}

// tolerated lists every result type with a documented or assumed answer,
// and the alternative names its dialects may use.
var tolerated = []struct {
	name   string
	op     *operation
	sample string
	alt    map[string]string
	fresh  func() result
}{
	{"order", opGetOrder, orderSample, nil, func() result { return &Order{} }},
	{"numeric order", opGetOrder, strings.ReplaceAll(orderSample, `"PARTNER689"`, `"689"`), nil, func() result { return &Order{} }},
	{"stock", opStockStatus, stockSample, nil, func() result { return &StockStatus{} }},
	{"offers", opCrossSell, crossSellSample, map[string]string{"ref": "productRef"}, func() result { return &Offers{} }},
	{"download info", opDownloadInfo, downloadInfoSample, map[string]string{"downloadEndDate": "dateEndDownload"}, func() result { return &DownloadInfo{} }},
	{"extension", opExtendDownload, `{"responseCode":0,"responseMessage":"OK","partnerOrderNumber":"P1","newDownloadEndDate":"2024-06-30"}`,
		map[string]string{"newDownloadEndDate": "downloadEndDate"}, func() result { return &DownloadExtension{} }},
	{"cancellation", opCancelOrder, `{"responseCode":0,"responseMessage":"OK","partnerOrderNumber":"P1","orderNumber":12345678}`, nil, func() result { return &Cancellation{} }},
	{"subscription", opSubscriptionStatus, subscriptionSample, map[string]string{"status": "subscriptionStatus", "expirationDate": "expiryDate",
		"generation": "renewalCount", "currentPartnerOrderNumber": "lastPartnerOrderNumber", "subscriptionId": "id"}, func() result { return &Subscription{} }},
	{"categories", opCategories, `{"responseCode":0,"responseMessage":"OK","categoryList":[{"id":7466,"label":"Anti-Virus & Security",` +
		`"Subcategory list":[{"id":7467,"label":"Antivirus"},{"id":7468,"label":"Firewall","Subcategory list":[{"id":7469,"label":"Personal"}]}]}]}`,
		map[string]string{"categoryList": "categories", "Subcategory list": "subcategory"}, func() result { return &Categories{} }},
	{"operating systems", opOperatingSystems, `{"responseCode":0,"responseMessage":"OK","osList":[{"id":63,"label":"Win 10 32/64 bits"},{"id":64,"label":"macOS"}]}`,
		nil, func() result { return &OperatingSystems{} }},
}

// Every result type reads every variant of its answer into the values of
// the answer itself, and keeps what came in Raw. A strict decoder
// reintroduced anywhere (a field type or an UnmarshalJSON that refuses a
// variant) makes this test fail.
func TestEveryResultToleratesDialects(t *testing.T) {
	t.Parallel()
	for _, tc := range tolerated {
		want := tc.fresh()
		if err := decodeAs(tc.op, []byte(tc.sample), want); err != nil {
			t.Fatalf("%s: the sample itself: %v", tc.name, err)
		}
		if reflect.ValueOf(want).Elem().IsZero() {
			t.Fatalf("%s: the sample decoded to nothing", tc.name)
		}
		for _, v := range variants(tc.alt) {
			tree, err := parseTree([]byte(tc.sample))
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(v.rewrite(tree))
			if err != nil {
				t.Fatal(err)
			}
			got := tc.fresh()
			if err := decodeAs(tc.op, body, got); err != nil {
				t.Errorf("%s, %s: %v\n%s", tc.name, v.name, err, body)
				continue
			}
			if !bytes.Equal(got.envelope().Raw, body) {
				t.Errorf("%s, %s: Raw is not the answer", tc.name, v.name)
			}
			if !sameValues(want, got) {
				t.Errorf("%s, %s:\n got %+v\nwant %+v\nfrom %s", tc.name, v.name, got, want, body)
			}
		}
	}
}

// sameValues compares two results without their Raw, taking a nil and an
// empty list as the same.
func sameValues(a, b result) bool {
	return reflect.DeepEqual(normalized(a), normalized(b))
}

func normalized(r result) any {
	v := reflect.New(reflect.TypeOf(r).Elem())
	v.Elem().Set(reflect.ValueOf(r).Elem())
	v.Interface().(result).envelope().Raw = nil
	emptyToNil(v.Elem())
	return v.Interface()
}

func emptyToNil(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			emptyToNil(v.Elem())
		}
	case reflect.Slice:
		if v.Len() == 0 && v.CanSet() {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			emptyToNil(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				emptyToNil(v.Field(i))
			}
		}
	}
}

// Values that cannot be understood leave their field zero; the answer is
// still returned.
func TestUnreadableValuesLeaveZero(t *testing.T) {
	t.Parallel()
	var o Order
	body := `{"responseCode":"0","partnerOrderNumber":"P1","orderNumber":5,"orderLines":[{"productRef":"12",` +
		`"dateEndDownload":"22/05/2024","files":[{"size":"big","url":7,"label":{}}],"remark":[1],"lineItems":"none"}]}`
	if err := decodeAs(opGetOrder, []byte(body), &o); err != nil {
		t.Fatal(err)
	}
	want := Order{PartnerOrderNumber: "P1", OrderNumber: 5, Lines: []OrderLine{{ProductRef: 12, Files: []File{{URL: "7"}}}}}
	o.Raw = nil
	if !sameValues(&o, &want) {
		t.Errorf("got %+v", o)
	}
	for _, bad := range []string{`{"responseCode":"OK","partnerOrderNumber":"P1"}`, `{"responseCode":[0],"partnerOrderNumber":"P1"}`, `{"partnerOrderNumber":"P1","responseCode":1.5}`} {
		if err := decodeAs(opGetOrder, []byte(bad), &Order{}); err == nil {
			t.Errorf("%s: an unreadable responseCode passed for a success", bad)
		}
	}
}

// Subscription answers are all assumption: whatever their names and types,
// the envelope and Raw come back.
func TestSubscriptionOfUnknownShape(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"responseCode":0,"responseMessage":"OK","subscription":{"state":"ACTIVE","until":1767225600}}`,
		`{"responseCode":"0","status":7,"expirationDate":{"date":"2027-01-01"},"generation":"two","subscriptionId":"abc"}`,
		`{"responseCode":0,"status":"Canceled","expiryDate":"2027-01-01T00:00:00+01:00"}`,
	} {
		var s Subscription
		if err := decodeAs(opSubscriptionStatus, []byte(body), &s); err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if string(s.Raw) != body || s.ResponseMessage == "" && strings.Contains(body, "OK") {
			t.Errorf("%s: envelope %+v", body, s.Envelope)
		}
	}
	var s Subscription
	decodeAs(opSubscriptionStatus, []byte(`{"status":"Canceled","expiryDate":"2027-01-01T00:00:00+01:00","renewalCount":"2"}`), &s)
	if s.Status != SubscriptionCancelled || s.ExpirationDate != (Date{2027, 1, 1}) || s.Generation != 2 {
		t.Errorf("got %+v", s)
	}
}

// The dates Date reads, and those it leaves zero without failing.
func TestDateForms(t *testing.T) {
	t.Parallel()
	want := Date{2024, 5, 22}
	for _, in := range []string{`"2024-05-22"`, `"2024-05-22T23:30:00-05:00"`, `"2024-05-22 08:00:00"`, `" 2024-05-22 "`,
		`1716336000`, `"1716336000"`, `1716336000000`, `"1716336000000"`, `1716336000.5`} {
		var d Date
		if err := d.UnmarshalJSON([]byte(in)); err != nil || d != want {
			t.Errorf("%s: %v, %v", in, d, err)
		}
	}
	for _, in := range []string{`null`, `""`, `"22/05/2024"`, `"2024-02-30"`, `{}`, `[]`, `true`, `-5`, `"soon"`, `1e300`, `"`} {
		d := Date{1, 1, 1}
		if err := d.UnmarshalJSON([]byte(in)); err != nil || !d.IsZero() {
			t.Errorf("%s: %v, %v; want the zero Date", in, d, err)
		}
	}
}

// parseTree parses JSON keeping numbers as written.
func parseTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return tree, nil
}
