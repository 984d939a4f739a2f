package nexway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// decodeAs runs body through the client's decoder for out's operation, as
// a 200 answer.
func decodeAs(op *operation, body []byte, out result) error {
	c := &Client{redact: newRedactor(testSecret)}
	k := &call{op: op, method: http.MethodGet, path: "p", out: out}
	return c.decode(k, &http.Response{StatusCode: 200, Header: http.Header{}}, body)
}

// fuzzDecoder checks that no body panics the decoder, and that what it
// accepts survives a round trip through JSON unchanged.
func fuzzDecoder[T any, P interface {
	*T
	result
}](f *testing.F, op *operation, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"responseCode":0}`))
	f.Add([]byte(`{"responseCode":"0"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xef\xbb\xbf{\"responseCode\":0}"))
	f.Add([]byte(`{"responseCode":0,"orderNumber":-1,"ref":1e400,"productRef":"12345678901234567890123","id":1.5}`))
	f.Add([]byte(`{"responseCode":0,"partnerOrderNumber":{},"orderLines":[{"productRef":-2,"lineItems":[{"serials":[{"data":true}]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var v T
		if decodeAs(op, body, P(&v)) != nil {
			return
		}
		P(&v).envelope().Raw = nil
		again, err := json.Marshal(&v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		var w T
		if err := decodeAs(op, again, P(&w)); err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", again, err)
		}
		P(&w).envelope().Raw = nil
		if twice, _ := json.Marshal(&w); !bytes.Equal(again, twice) {
			t.Fatalf("round trip changed the value:\n%s\n%s", again, twice)
		}
	})
}

func FuzzDecodeOrder(f *testing.F) {
	fuzzDecoder[Order](f, opGetOrder, orderSample, `{"partnerOrderNumber":"P","orderLines":[{"productRef":"12","dateEndDownload":"2024-05-22T10:00:00Z"}]}`)
}
func FuzzDecodeStock(f *testing.F) { fuzzDecoder[StockStatus](f, opStockStatus, stockSample) }
func FuzzDecodeOffers(f *testing.F) {
	fuzzDecoder[Offers](f, opCrossSell, crossSellSample, `{"productsReturn":null}`)
}
func FuzzDecodeDownloadInfo(f *testing.F) {
	fuzzDecoder[DownloadInfo](f, opDownloadInfo, downloadInfoSample)
}
func FuzzDecodeDownloadExtension(f *testing.F) {
	fuzzDecoder[DownloadExtension](f, opExtendDownload, `{"partnerOrderNumber":"P","newDownloadEndDate":"2024-06-30","responseCode":0}`)
}
func FuzzDecodeCancellation(f *testing.F) {
	fuzzDecoder[Cancellation](f, opCancelOrder, `{"partnerOrderNumber":"P","orderNumber":"12","responseCode":0}`)
}
func FuzzDecodeSubscription(f *testing.F) {
	fuzzDecoder[Subscription](f, opSubscriptionStatus, subscriptionSample)
}
func FuzzDecodeCategories(f *testing.F) {
	fuzzDecoder[Categories](f, opCategories, `{"categoryList":[{"Subcategory list":[]}]}`, `{"categoryList":[{"id":7466,"label":"A","Subcategory list":[{"id":"7","label":"B"}]},{"id":1,"subcategory":[{"id":2}]}]}`)
}
func FuzzDecodeOperatingSystems(f *testing.F) {
	fuzzDecoder[OperatingSystems](f, opOperatingSystems, `{"osList":[{"id":63,"label":"Win 10 32/64 bits"}]}`)
}

// Error answers of any status and body give an error, never a panic.
func FuzzDecodeErrorStatus(f *testing.F) {
	f.Add(500, []byte(`<html>oops</html>`))
	f.Add(429, []byte(`{"responseCode":1010,"responseMessage":"x@y.z"}`))
	f.Add(302, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status >= 200 && status <= 299 {
			return
		}
		c := &Client{redact: newRedactor(testSecret)}
		k := &call{op: opCreateOrder, method: http.MethodPost, path: "p", out: &Order{}}
		err := c.decode(k, &http.Response{StatusCode: status, Header: http.Header{}}, body)
		if err == nil {
			t.Fatal("an error status decoded without error")
		}
		_ = err.Error()
	})
}

func FuzzTokenResponse(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","expires_in":300,"refresh_expires_in":1800,"refresh_token":"r","token_type":"bearer","not-before-policy":0}`))
	f.Add([]byte(`{"access_token":""}`))
	f.Add([]byte(`{"accessToken":7,"expires_in":"1e30","refresh_expires_in":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var tr tokenResponse
		if _, err := decodeJSON(body, &tr); err == nil {
			now := time.Now()
			exp := expiry(now, tr.ExpiresIn, fallbackAccessTTL, maxAccessTTL)
			if !exp.After(now) || exp.After(now.Add(maxAccessTTL)) {
				t.Fatalf("expires_in %d gave a lifetime of %v", tr.ExpiresIn, exp.Sub(now))
			}
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"P7D", "P1Y2M", "P0Y6M", "P6Y14M1D", "P2W", "PT1H", "P", "P1Y1Y", "P-1D", "P99999D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		q, err := ParsePeriod(p.String())
		if err != nil || q != p {
			t.Fatalf("%q parsed as %+v, which formats as %q and parses as %+v, %v", s, p, p.String(), q, err)
		}
		if p.valid() {
			_ = p.addTo(Date{2024, 1, 31})
		}
	})
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{`"2024-05-22"`, `"2024-02-30"`, `""`, `null`, `"2024-05-22T10:00:00+02:00"`, `12`, `"9999-12-31"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The allocation-free path agrees with time.Parse where it answers.
		if len(b) >= 10 {
			s := string(b[:10])
			fast, ok := plainDate(b[:10])
			slow, err := ParseDate(s)
			if ok && (err != nil || fast != slow) {
				t.Fatalf("plainDate(%q) = %+v, ParseDate = %+v, %v", s, fast, slow, err)
			}
		}
		var d Date
		if d.UnmarshalJSON(b) != nil {
			return
		}
		out, _ := d.MarshalJSON()
		var e Date
		if err := e.UnmarshalJSON(out); err != nil || e != d {
			t.Fatalf("%s → %+v → %s → %+v, %v", b, d, out, e, err)
		}
	})
}

// The allocation-free integer path agrees with strconv where it answers.
func FuzzPlainInt(f *testing.F) {
	for _, s := range []string{"733551", "-1", "0", "", "-", "999999999999999999", "12a", "1e3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := plainInt(b)
		want, err := strconv.ParseInt(string(b), 10, 64)
		if ok && (err != nil || n != want) {
			t.Fatalf("plainInt(%q) = %d, strconv = %d, %v", b, n, want, err)
		}
	})
}
