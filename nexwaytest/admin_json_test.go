package nexwaytest

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFaultJSONRoundTrip(t *testing.T) {
	f := Fault{Kind: FaultLoseResponse, Times: 2, Then: &Fault{Kind: FaultCode, Code: 1010,
		Then: &Fault{Kind: FaultRateLimit, RetryAfter: 1500 * time.Millisecond, Latency: -time.Second}}}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"kind":"lose-response","times":2,"then":{"kind":"code","code":1010,"then":{"kind":"rate-limit","retryAfter":"1.5s","latency":"-1s"}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Fault
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, f) {
		t.Errorf("round trip: %+v, want %+v", back, f)
	}
}

func TestFaultJSONDefaultsAndNames(t *testing.T) {
	t.Parallel()
	var f Fault
	if err := json.Unmarshal([]byte(`{"status":502}`), &f); err != nil {
		t.Fatal(err)
	}
	if f != (Fault{Kind: FaultStatus, Status: 502}) {
		t.Errorf("got %+v", f)
	}
	for k := FaultStatus; k <= FaultCode; k++ {
		var got Fault
		if err := json.Unmarshal([]byte(`{"kind":"`+strings.ToUpper(k.String())+`"}`), &got); err != nil || got.Kind != k {
			t.Errorf("kind %s: got %v, %v", k, got.Kind, err)
		}
	}
	if _, err := json.Marshal(Fault{Kind: FaultCode + 1}); err == nil {
		t.Error("a kind with no name was written")
	}
}

// Errors name the field, however deep in the chain of Then.
func TestFaultJSONErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{"kind":"boom"}`, `unknown fault kind "boom"`},
		{`{"kind":99}`, `invalid fault kind`},
		{`{"status":"500"}`, `status: want a whole number, got JSON string`},
		{`{"then":{"then":{"latency":"5 seconds"}}}`, `then.then.latency "5 seconds" is not a duration`},
		{`{"retryAfter":2}`, `retryAfter: want a string, got JSON number`},
		{`{"kind":"drop","sttaus":1}`, `unknown field "sttaus"`},
		{`{"kind":`, `unexpected end of JSON input`},
		{``, `unexpected end of JSON input`},
	} {
		var f Fault
		err := json.Unmarshal([]byte(c.in), &f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	var v struct{ A int }
	for _, c := range []struct{ in, want string }{
		{`{"A":1} {}`, "data after the JSON value"},
		{`{"A":1} x`, "data after the JSON value"},
		{``, "no JSON value"},
		{`{"A":1,`, "unexpected EOF"},
		{`{"A":}`, "invalid JSON at byte 6"},
		{`{"A":"1"}`, "A: want a whole number, got JSON string"},
		{`[1]`, "want an object, got JSON array"},
	} {
		if err := decodeStrict([]byte(c.in), &v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
	if err := decodeStrict([]byte(" {\"A\":7}\n"), &v); err != nil || v.A != 7 {
		t.Errorf("got %+v, %v", v, err)
	}
}

func TestLoggedRequestJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	r := LoggedRequest{Time: at, Method: "POST", Path: "/connect/stock", Route: RouteStock,
		Header: http.Header{"Secret": {"s"}}, Body: []byte(`{"productRefs":[1]}`), Status: 503, Fault: "status"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"time":"2026-01-05T09:00:00Z","method":"POST","path":"/connect/stock","route":"POST /connect/stock",` +
		`"header":{"Secret":["s"]},"body":"{\"productRefs\":[1]}","status":503,"fault":"status"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	r.Body, r.Fault = []byte{0xff, 0}, ""
	b, _ = json.Marshal(r)
	if !strings.Contains(string(b), `"bodyBase64":"/wA="`) || strings.Contains(string(b), `"body":`) || strings.Contains(string(b), `"fault"`) {
		t.Errorf("binary body: %s", b)
	}
	r.Body = nil
	b, _ = json.Marshal(r)
	if strings.Contains(string(b), `"body`) {
		t.Errorf("empty body: %s", b)
	}
}

func TestSnapshotJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(OrderSnapshot{PartnerOrderNumber: "A-1", Lines: []LineSnapshot{{ProductRef: 1, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"lines":[{"productRef":1,"quantity":1,"keys":[],"subscriptionIds":[]}]`) {
		t.Errorf("got %s", b)
	}
}

// Every field of the types the admin API carries is in their JSON, so a
// field added later reaches tests in other languages too: a JSON tag on
// each exported field, or a field of the same name in the type's JSON form.
func TestCarriedTypesHaveEveryFieldInJSON(t *testing.T) {
	t.Parallel()
	tagged := []any{Product{}, File{}, Category{}, OS{}, HTTPPublisher{}, OrderSnapshot{}, LineSnapshot{}, RouteCount{}}
	for _, v := range tagged {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() && f.Tag.Get("json") == "" {
				t.Errorf("%s.%s has no json tag", typ.Name(), f.Name)
			}
		}
	}
	forms := []struct{ typ, form any }{{Fault{}, faultJSON{}}, {LoggedRequest{}, loggedRequestJSON{}}}
	for _, c := range forms {
		typ, form := reflect.TypeOf(c.typ), reflect.TypeOf(c.form)
		for i := range typ.NumField() {
			if _, ok := form.FieldByName(typ.Field(i).Name); !ok {
				t.Errorf("%s.%s is missing from %s", typ.Name(), typ.Field(i).Name, form.Name())
			}
		}
	}
}

// Whatever the input, decoding a Fault fails cleanly or gives a fault that
// is written and read back the same.
func FuzzFaultJSON(f *testing.F) {
	for _, s := range []string{
		`{"kind":"lose-response","then":{"kind":"code","code":1010}}`,
		`{"kind":"latency","latency":"250ms"}`, `{"kind":"rate-limit","retryAfter":"2s","times":3}`,
		`{}`, `null`, `{"kind":8}`, `{"then":null}`, `{"latency":"-9223372036854775808ns"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var flt Fault
		if err := json.Unmarshal(b, &flt); err != nil {
			return
		}
		out, err := json.Marshal(flt)
		if err != nil {
			t.Fatalf("decoded %+v but cannot write it: %v", flt, err)
		}
		var back Fault
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, flt) {
			t.Fatalf("%s read back as %+v, %v; want %+v", out, back, err, flt)
		}
	})
}
