package nexwayriver

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The arguments a job stores come back as the request queued, the order
// date's offset included.
func TestOrderArgsRoundTrip(t *testing.T) {
	t.Parallel()
	r := order("P-42", batchProduct, otherProduct)
	b, err := json.Marshal(orderArgs{PartnerOrderNumber: r.PartnerOrderNumber, Request: r})
	if err != nil {
		t.Fatal(err)
	}
	var back orderArgs
	if err := json.Unmarshal(b, &back); err != nil || back.problem != nil {
		t.Fatalf("%v %v", err, back.problem)
	}
	if !back.Request.OrderDate.Equal(r.OrderDate) || back.Request.OrderDate.Format(timeLayoutWithOffset) != r.OrderDate.Format(timeLayoutWithOffset) {
		t.Errorf("order date %v, want %v", back.Request.OrderDate, r.OrderDate)
	}
	want, _ := json.Marshal(r)
	got, _ := json.Marshal(back.Request)
	if !bytes.Equal(got, want) {
		t.Errorf("request\n%s\nwant\n%s", got, want)
	}
	if _, err := json.Marshal(orderArgs{PartnerOrderNumber: "P-1"}); err == nil {
		t.Error("args without a request were encoded")
	}
}

const timeLayoutWithOffset = "2006-01-02T15:04:05-07:00"

// Stored arguments that cannot be read are reported as ErrMalformedJob,
// never as a decoding failure River would retry.
func TestOrderArgsMalformed(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		`[]`, `"x"`, `null`, `{"partnerOrderNumber":"P-1","request":"x"}`, `{"partnerOrderNumber":"P-1","request":{}}`,
		`{"partnerOrderNumber":"P-1","request":{"partnerOrderNumber":"P-2","currency":"EUR"}}`,
	} {
		var a orderArgs
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			t.Errorf("%s: %v", raw, err)
		}
		if !errors.Is(a.problem, ErrMalformedJob) {
			t.Errorf("%s: problem %v", raw, a.problem)
		}
	}
	r := order("P-2", batchProduct)
	b, _ := json.Marshal(orderArgs{PartnerOrderNumber: "P-1", Request: r})
	var a orderArgs
	_ = json.Unmarshal(b, &a)
	if !errors.Is(a.problem, ErrMalformedJob) || !strings.Contains(a.problem.Error(), "differs") {
		t.Errorf("a job whose number differs from its request's: %v", a.problem)
	}
}

// FuzzOrderArgs: any stored arguments decode without error or panic; what
// is accepted is a valid request that encodes back to the same arguments.
func FuzzOrderArgs(f *testing.F) {
	r := order("P-42", batchProduct)
	b, _ := json.Marshal(orderArgs{PartnerOrderNumber: r.PartnerOrderNumber, Request: r})
	f.Add(b)
	f.Add([]byte(`{"partnerOrderNumber":"P-1","request":null}`))
	f.Add([]byte(`{}`))
	// RFC 8259 oddities: duplicate and case-folded names, the wrong types,
	// numbers out of range, null, nesting.
	f.Add(bytes.Replace(b, []byte(`{"partnerOrderNumber":"P-42"`), []byte(`{"partnerOrderNumber":"P-42","partnerOrderNumber":"P-43"`), 1))
	f.Add(bytes.Replace(b, []byte(`{"partnerOrderNumber":"P-42"`), []byte(`{"partnerOrderNumber":"P-42","PARTNERORDERNUMBER":"P-43"`), 1))
	f.Add(bytes.Replace(b, []byte(`"quantity":1`), []byte(`"quantity":1e400`), 1))
	f.Add(bytes.Replace(b, []byte(`"quantity":1`), []byte(`"quantity":"1"`), 1))
	f.Add(bytes.Replace(b, []byte(`"quantity":1`), []byte(`"quantity":null`), 1))
	f.Add([]byte(`{"partnerOrderNumber":{"partnerOrderNumber":"P-1"},"request":[[[[]]]]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a orderArgs
		if err := json.Unmarshal(b, &a); err != nil {
			if json.Valid(b) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if a.problem != nil {
			if !errors.Is(a.problem, ErrMalformedJob) {
				t.Fatalf("problem %v is not ErrMalformedJob", a.problem)
			}
			return
		}
		if err := a.Request.Validate(); err != nil {
			t.Fatalf("accepted an invalid request: %v", err)
		}
		if a.PartnerOrderNumber == "" || a.PartnerOrderNumber != a.Request.PartnerOrderNumber {
			// River makes the job unique by the one, Nexway the order by the other.
			t.Fatalf("accepted a job numbered %q for the order %q", a.PartnerOrderNumber, a.Request.PartnerOrderNumber)
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var b2 orderArgs
		if err := json.Unmarshal(again, &b2); err != nil || b2.problem != nil {
			t.Fatalf("re-encoded arguments refused: %v %v", err, b2.problem)
		}
		x, _ := json.Marshal(b2)
		if !bytes.Equal(x, again) {
			t.Fatalf("not stable:\n%s\n%s", again, x)
		}
	})
}
