package nexway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A 100 MB body is refused after the cap, whether announced or not, and
// the client's memory stays bounded.
func TestHugeBodyCapped(t *testing.T) {
	for _, announced := range []bool{false, true} {
		m := newMock(t)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", func(*http.Request) (*http.Response, error) {
			resp := respondNow(200, "")
			resp.Body = io.NopCloser(io.LimitReader(zeros{}, 100<<20))
			resp.ContentLength = -1
			if announced {
				resp.ContentLength = 100 << 20
			}
			return resp, nil
		})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := m.c.Orders.Get(bg, "P1")
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrInvalidResponse) {
			t.Fatalf("announced=%v: %v, want ErrInvalidResponse", announced, err)
		}
		if n := m.calls(http.MethodGet, "connect/order/P1"); n != 1 {
			t.Errorf("an oversized answer was retried %d times", n-1)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 3*maxBodyBytes {
			t.Errorf("announced=%v: allocated %d MiB for a capped body", announced, grew>>20)
		}
	}
}

// blockingBody never finishes: it blocks until the attempt is abandoned.
type blockingBody struct{ ctx context.Context }

func (b blockingBody) Read([]byte) (int, error) {
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}
func (blockingBody) Close() error { return nil }

// A body that never finishes is cut by the per-attempt timeout.
func TestEndlessBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMock(t, WithTimeout(2*time.Second))
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", func(r *http.Request) (*http.Response, error) {
			resp := respondNow(200, "")
			resp.Body = blockingBody{r.Context()}
			return resp, nil
		})
		start := time.Now()
		_, err := m.c.Orders.Get(bg, "P1")
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%v, want a timeout", err)
		}
		if d, n := time.Since(start), m.calls(http.MethodGet, "connect/order/P1"); d != 8*time.Second || n != 4 {
			t.Errorf("%d attempts over %v, want 4 over 8s", n, d)
		}
	})
}

// The same against a real socket: the server sends headers and part of
// the body, then stalls until the client goes away.
func TestEndlessBodyOnTheWire(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte(`{"responseCode":0,`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL), WithSecret(testSecret), WithTimeout(50*time.Millisecond), WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, err = c.Orders.Get(bg, "P1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v, want a timeout", err)
	}
}

// HTML pages, invalid JSON and JSON of the wrong shape give typed errors
// on every operation.
func TestHostileBodiesOnEveryOperation(t *testing.T) {
	t.Parallel()
	bodies := map[string]struct {
		status int
		body   string
		want   error
	}{
		"html 200":    {200, "<!DOCTYPE html><html><body>Login</body></html>", ErrInvalidResponse},
		"html 502":    {502, "<html><body>Bad Gateway</body></html>", ErrUnavailable},
		"invalid":     {200, `{"responseCode":0,"productStatus":[`, ErrInvalidResponse},
		"wrong shape": {200, `{"responseCode":0,"productStatus":{"a":1},"productsReturn":7,"orderLines":"x","categoryList":true,"osList":"x","downloadEndDate":5,"status":[],"orderNumber":{},"newDownloadEndDate":[]}`, ErrInvalidResponse},
		"deep":        {200, deepJSON(10000), ErrInvalidResponse},
		"text 401":    {401, "Unauthorized", ErrUnauthorized},
	}
	for _, oc := range allOps() {
		for name, b := range bodies {
			m := newMock(t)
			m.RegisterResponder(oc.method, testBase+oc.path, respond(b.status, b.body, nil))
			// Create looks an ambiguous failure up.
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200, `{"responseCode":1010}`, nil))
			err := oc.call(m.c)
			want := b.want
			if name == "wrong shape" && !failsOnWrongShape[oc.op] {
				// Values of other types are left zero: only an answer
				// that lacks what the call asked for fails.
				want = nil
			}
			if oc.op.mutates && b.status != 401 && want != nil {
				// Nexway answered, but not readably: it may have
				// processed the write.
				want = ErrAmbiguous
			}
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Errorf("%s, %s: %v, want %v", oc.op.name, name, err, want)
			}
		}
	}
}

// failsOnWrongShape lists the operations whose answer of the wrong shape
// lacks what the call asked for (a product with its stock, an order), or
// holds an essential value it cannot read (the cancelled order's number).
var failsOnWrongShape = map[*operation]bool{opStockStatus: true, opCreateOrder: true, opGetOrder: true, opCancelOrder: true}

func deepJSON(n int) string {
	b := make([]byte, 0, 2*n+2)
	for range n {
		b = append(b, '[')
	}
	for range n {
		b = append(b, ']')
	}
	return `{"responseCode":0,"x":` + string(b) + `}`
}

func TestReadCappedBoundaries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n, announced int64
		tooLarge     bool
	}{
		{0, -1, false}, {0, 0, false}, {511, -1, false}, {512, -1, false}, {513, -1, false},
		{maxBodyBytes, -1, false}, {maxBodyBytes, maxBodyBytes, false},
		{maxBodyBytes + 1, -1, true}, {maxBodyBytes + 1, maxBodyBytes, true}, {maxBodyBytes + 1, maxBodyBytes + 1, true},
		{10, 5, false}, // a wrong announced length is not trusted
	} {
		b, err := readCapped(io.LimitReader(zeros{}, tc.n), tc.announced)
		if tc.tooLarge != errors.Is(err, errTooLarge) || (!tc.tooLarge && (err != nil || int64(len(b)) != tc.n)) {
			t.Errorf("body of %d announced as %d: %d bytes, %v", tc.n, tc.announced, len(b), err)
		}
	}
}
