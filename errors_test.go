package nexway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// opCase calls one operation with valid arguments.
type opCase struct {
	op           *operation
	method, path string
	call         func(*Client) error
}

func allOps() []opCase {
	return []opCase{
		{opStockStatus, http.MethodPost, "connect/stock", func(c *Client) error {
			_, err := c.Stock.Status(bg, []ProductRef{1})
			return err
		}},
		{opCrossSell, http.MethodPost, "connect/order/crossupsell", func(c *Client) error {
			_, err := c.CrossSell.Offers(bg, "EN", []CartItem{{1, 1}})
			return err
		}},
		{opCreateOrder, http.MethodPost, "connect/order/new", func(c *Client) error {
			_, err := c.Orders.Create(bg, sampleOrder())
			return err
		}},
		{opGetOrder, http.MethodGet, "connect/order/P1", func(c *Client) error {
			_, err := c.Orders.Get(bg, "P1")
			return err
		}},
		{opCancelOrder, http.MethodPut, "connect/order/cancel", func(c *Client) error {
			_, err := c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, "")
			return err
		}},
		{opExtendDownload, http.MethodPut, "connect/order/download", func(c *Client) error {
			_, err := c.Downloads.Extend(bg, "P1", ExtendUntil(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
			return err
		}},
		{opDownloadInfo, http.MethodGet, "connect/order/P1/download", func(c *Client) error {
			_, err := c.Downloads.Info(bg, "P1")
			return err
		}},
		{opSubscriptionStatus, http.MethodPost, "connect/subscription", func(c *Client) error {
			_, err := c.Subscriptions.Status(bg, "P1", 1)
			return err
		}},
		{opCancelSubscription, http.MethodPut, "connect/subscription", func(c *Client) error {
			_, err := c.Subscriptions.Cancel(bg, "P1", 1)
			return err
		}},
		{opRenewSubscription, http.MethodPut, "connect/subscription/renew", func(c *Client) error {
			_, err := c.Subscriptions.Renew(bg, "P1", 1)
			return err
		}},
		{opCategories, http.MethodGet, "connect/catalog/categories/EN", func(c *Client) error {
			_, err := c.Catalog.Categories(bg, "EN")
			return err
		}},
		{opOperatingSystems, http.MethodGet, "connect/catalog/oslist", func(c *Client) error {
			_, err := c.Catalog.OperatingSystems(bg)
			return err
		}},
	}
}

func codes(s string) []int {
	var out []int
	for _, f := range strings.Fields(s) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

// wantCodes is the code tables, written out independently of operations.go: per
// operation, the sentinel each documented code must map to.
var wantCodes = map[string]map[error][]int{
	"StockStatus": {ErrValidation: codes("100 101"), ErrNotFound: codes("1010")},
	"CrossSell": {
		ErrValidation: codes("100 110 111 120 121 130 131"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010"),
	},
	"CreateOrder": {
		ErrValidation: codes(`100 120 121 130 140 141 150 151 200 210 211 220 221 230 231 240 241 250 251 310 311 320 321
			330 331 340 341 410 420 430 431 440 441 450 451 460 461 480 481 490 491 500 501 530 531 540 541 550 551 600
			610 611 620 621 630 631 640 641 650 651 700 710 711 720 721 750 751 1020 1021 1022 1023 1030 1031 1032 1033
			1034 1035 1041 1042 1043 1045 1046 1047 1048 1049 1050 1053 1063`),
		ErrUnavailable:    codes("1000 1040 1052 1065"),
		ErrDuplicateOrder: codes("1010"),
		ErrOutOfStock:     codes("1044 1051 3011"),
		ErrPending:        codes("1060 1061"),
		ErrOrderRejected:  codes("1062 1064"),
	},
	"GetOrder": {
		ErrValidation:    codes("100 750 760 1020 1030 1031 1032 1033 1034"),
		ErrUnavailable:   codes("1000 1040 1052 1065"),
		ErrNotFound:      codes("1010"),
		ErrOutOfStock:    codes("1051"),
		ErrPending:       codes("1060 1061"),
		ErrOrderRejected: codes("1062 1064"),
	},
	"CancelOrder": {
		ErrValidation: codes("100 101 110"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010"),
		ErrAlreadyCancelled: codes("1011"), ErrCancelNotAllowed: codes("1020 1030"),
	},
	"ExtendDownload": {
		ErrValidation: codes("100 110 111"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010"),
		ErrAlreadyCancelled: codes("1011"),
	},
	"DownloadInfo": {ErrValidation: codes("100"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010")},
	"SubscriptionStatus": {
		ErrValidation: codes("100 110 111"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010"), ErrAlreadyCancelled: codes("1011"),
	},
	"CancelSubscription": {
		ErrValidation: codes("100 110 111"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010"), ErrAlreadyCancelled: codes("1011"),
	},
	"RenewSubscription": {
		ErrValidation: codes("100 110 111"), ErrUnavailable: codes("1000"), ErrNotFound: codes("1010"), ErrAlreadyCancelled: codes("1011"),
	},
	"Categories":       {},
	"OperatingSystems": {},
}

// wantAttempts is 1, but 4 (noWait's retries) for a read meeting an
// internal error, which is resent.
func wantAttempts(op *operation, rc int) int {
	if !op.mutates && op.transient(rc) {
		return 4
	}
	return 1
}

func TestEveryCodeMapsToItsSentinel(t *testing.T) {
	t.Parallel()
	for _, oc := range allOps() {
		want := wantCodes[oc.op.name]
		if want == nil {
			t.Fatalf("no expectations for %s", oc.op.name)
		}
		// Every operation also knows the secret codes.
		want[ErrInvalidSecret] = codes("70 71")
		listed := 0
		for sentinel, cs := range want {
			for _, rc := range cs {
				listed++
				t.Run(oc.op.name+"/"+strconv.Itoa(rc), func(t *testing.T) {
					m := newMock(t)
					body := `{"responseCode":` + strconv.Itoa(rc) + `,"responseMessage":"from server"}`
					m.RegisterResponder(oc.method, testBase+oc.path, respond(200, body, nil))
					err := oc.call(m.c)
					if !errors.Is(err, sentinel) {
						t.Fatalf("code %d: %v, want %v", rc, err, sentinel)
					}
					e := apiErrorOf(t, err)
					wantMeaning := oc.op.lookup(rc).meaning
					if e.ResponseCode != rc || e.Operation != oc.op.name || e.HTTPStatus != 200 || e.Meaning != wantMeaning ||
						e.ResponseMessage != "from server" || e.Attempts != wantAttempts(oc.op, rc) || e.Method != oc.method || e.Path != "/"+oc.path {
						t.Errorf("APIError = %+v", e)
					}
					mustContain(t, err.Error(), wantMeaning)
					if errors.Is(err, ErrAmbiguous) {
						t.Error("a definite answer is reported ambiguous")
					}
				})
			}
		}
		// The table holds exactly the documented codes.
		if got := len(oc.op.codes); got != listed-2 && !(got == 0 && listed == 2) {
			t.Errorf("%s: table has %d codes, reference lists %d", oc.op.name, got, listed-2)
		}
	}
}

// The same number means different things in different operations.
func TestCodeMeaningsDifferPerOperation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op      *operation
		code    int
		meaning string
	}{
		{opCreateOrder, 100, "order missing"},
		{opCancelOrder, 100, "reasonCode missing"},
		{opStockStatus, 100, "productRef missing"},
		{opGetOrder, 100, "partnerOrderNumber missing"},
		{opExtendDownload, 100, "partnerOrderNumber missing"},
		{opCreateOrder, 1010, "order already created"},
		{opGetOrder, 1010, "order not found"},
		{opStockStatus, 1010, "product reference does not exist"},
		{opCrossSell, 1010, "productRef not found"},
		{opCancelOrder, 1020, "cancel period expired"},
		{opCreateOrder, 1020, "product reference does not exist"},
		{opCreateOrder, 1044, "out of stock"},
		{opCreateOrder, 1048, "province required for this country"},
		{opCreateOrder, 1061, "order waiting for fraud-system validation"},
		{opCategories, 70, "secret missing"},
		{opCategories, 1000, "internal error"},
	} {
		if got := tc.op.lookup(tc.code).meaning; got != tc.meaning {
			t.Errorf("%s %d means %q, want %q", tc.op.name, tc.code, got, tc.meaning)
		}
	}
	if k := opCreateOrder.lookup(999).kind; k != ErrValidation {
		t.Errorf("an undocumented code below 1000 maps to %v", k)
	}
	if k := opCreateOrder.lookup(4242).kind; k != nil {
		t.Errorf("an undocumented code above 1000 maps to %v", k)
	}
}

func TestHTTPStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		body     string
		header   http.Header
		sentinel error
		attempts int
	}{
		{400, `{"error":"bad"}`, nil, ErrValidation, 1},
		{401, `{"error":"invalid_token"}`, nil, ErrUnauthorized, 1},
		{403, ``, nil, ErrForbidden, 1},
		{404, `<html>Not Found</html>`, nil, ErrNotFound, 1},
		{429, `{}`, http.Header{"Retry-After": {"3600"}}, ErrRateLimited, 1},
		{500, `<html><body>Internal Server Error</body></html>`, nil, ErrUnavailable, 4},
		{502, `bad gateway`, nil, ErrUnavailable, 4},
		{503, ``, nil, ErrUnavailable, 4},
		{504, ``, nil, ErrUnavailable, 4},
		{501, ``, nil, ErrUnavailable, 1},
		{302, ``, http.Header{"Location": {"https://elsewhere.test/"}}, ErrInvalidResponse, 1},
		// A JSON body's code refines the status.
		{500, `{"responseCode":1010,"responseMessage":"order not found"}`, nil, ErrNotFound, 1},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", func(r *http.Request) (*http.Response, error) {
				resp := respondNow(tc.status, tc.body)
				for k, v := range tc.header {
					resp.Header[k] = v
				}
				return resp, nil
			})
			_, err := m.c.Orders.Get(bg, "P1")
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("HTTP %d: %v, want %v", tc.status, err, tc.sentinel)
			}
			e := apiErrorOf(t, err)
			if e.HTTPStatus != tc.status {
				t.Errorf("HTTPStatus = %d", e.HTTPStatus)
			}
			if tc.sentinel == ErrNotFound && tc.status == 500 {
				tc.attempts = 4 // still retried as a 500
			}
			if e.Attempts != tc.attempts || m.calls(http.MethodGet, "connect/order/P1") != tc.attempts {
				t.Errorf("attempts = %d (%d calls), want %d", e.Attempts, m.calls(http.MethodGet, "connect/order/P1"), tc.attempts)
			}
			mustContain(t, err.Error(), "GetOrder")
		})
	}
}

func TestInvalidResponses(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"html":        "<html><body>Maintenance</body></html>",
		"invalid":     `{"responseCode":0,`,
		"array":       `[1,2,3]`,
		"null":        `null`,
		"empty":       ``,
		"wrong types": `{"responseCode":0,"orderLines":"none"}`,
		"no order":    `{"responseCode":0,"responseMessage":"OK"}`,
		"code":        `{"responseCode":"OK","partnerOrderNumber":"P1"}`,
		"code object": `{"responseCode":{"value":0},"partnerOrderNumber":"P1"}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, body, nil))
			_, err := m.c.Orders.Get(bg, "P1")
			if !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("%v, want ErrInvalidResponse", err)
			}
			if m.calls(http.MethodGet, "connect/order/P1") != 1 {
				t.Error("an invalid answer was retried")
			}
		})
	}
}

// A server message echoing the secret or the customer's e-mail is scrubbed.
func TestServerMessagesAreScrubbed(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	msg := "secret " + testSecret + " refused for jane.doe@example.com\x00\n" + strings.Repeat("x", 500)
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, `{"responseCode":321,"responseMessage":"`+strings.ReplaceAll(strings.ReplaceAll(msg, "\x00", `\u0000`), "\n", `\n`)+`"}`, nil))
	_, err := m.c.Orders.Create(bg, sampleOrder())
	e := apiErrorOf(t, err)
	for _, leak := range []string{testSecret, "jane.doe@example.com", "example.com", "\x00", "\n"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q leaks %q", err, leak)
		}
	}
	if len(e.ResponseMessage) > maxMessageLen+len("…") {
		t.Errorf("message of %d bytes kept", len(e.ResponseMessage))
	}
	mustContain(t, e.ResponseMessage, "[redacted]")
	mustContain(t, e.ResponseMessage, "[email]")

	// A message too long to scrub cheaply is not kept at all.
	m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, `{"responseCode":321,"responseMessage":"`+strings.Repeat("y", maxScrubbedMessage)+testSecret+`"}`, nil))
	_, err = m.c.Orders.Create(bg, sampleOrder())
	if e := apiErrorOf(t, err); strings.Contains(e.ResponseMessage, "yyy") || strings.Contains(err.Error(), testSecret[:4]) {
		t.Errorf("a message of %d bytes was kept: %q", maxScrubbedMessage+len(testSecret), e.ResponseMessage)
	}
}
