package nexway

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// essentialCase is a field a storefront acts on: an answer that holds it
// present but unrepresentable fails; absent or null it stays zero.
type essentialCase struct {
	op, method, path string
	body             string // X marks the field's value
	need             string // "id", "int" or "text"
	call             func(*Client) error
}

func essentialCases() []essentialCase {
	get := func(c *Client) error { _, err := c.Orders.Get(bg, "P1"); return err }
	stock := func(c *Client) error { _, err := c.Stock.Status(bg, []ProductRef{1}); return err }
	offers := func(c *Client) error { _, err := c.CrossSell.Offers(bg, "EN", []CartItem{{1, 1}}); return err }
	info := func(c *Client) error { _, err := c.Downloads.Info(bg, "P1"); return err }
	cancel := func(c *Client) error { _, err := c.Orders.Cancel(bg, "P1", ReasonOrderCancelled, ""); return err }
	extend := func(c *Client) error {
		_, err := c.Downloads.Extend(bg, "P1", ExtendUntil(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
		return err
	}
	cats := func(c *Client) error { _, err := c.Catalog.Categories(bg, "EN"); return err }
	oses := func(c *Client) error { _, err := c.Catalog.OperatingSystems(bg); return err }
	const (
		order = "GetOrder"
		gp    = "connect/order/P1"
	)
	return []essentialCase{
		{order, http.MethodGet, gp, `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":X}`, "id", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"partnerOrderNumber":X,"orderNumber":7}`, "text", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":X}]}`, "id", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"responseCode":X}]}`, "int", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"lineItems":[{"subscriptionId":X}]}]}`, "id", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"lineItems":[{"responseCode":X}]}]}`, "int", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"lineItems":[{"serials":[{"data":X}]}]}]}`, "text", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"lineItems":[{"serials":[{"data":"K","encoding":X}]}]}]}`, "text", get},
		{order, http.MethodGet, gp, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"lineItems":[{"serials":[{"data":"K","fileName":X}]}]}]}`, "text", get},
		{"StockStatus", http.MethodPost, "connect/stock", `{"responseCode":0,"productStatus":[{"productRef":1,"status":X}]}`, "int", stock},
		{"StockStatus", http.MethodPost, "connect/stock", `{"responseCode":0,"productStatus":[{"productRef":1,"status":100},{"productRef":X,"status":100}]}`, "int", stock},
		{"StockStatus", http.MethodPost, "connect/stock", `{"responseCode":0,"productStatus":[{"productRef":1,"status":100,"responseCode":X}]}`, "int", stock},
		{"CrossSell", http.MethodPost, "connect/order/crossupsell", `{"responseCode":0,"productsReturn":[{"ref":X,"type":"up"}]}`, "id", offers},
		{"DownloadInfo", http.MethodGet, "connect/order/P1/download", `{"responseCode":0,"partnerOrderNumber":X}`, "text", info},
		{"DownloadInfo", http.MethodGet, "connect/order/P1/download", `{"responseCode":0,"orderLines":[{"productRef":X}]}`, "id", info},
		{"CancelOrder", http.MethodPut, "connect/order/cancel", `{"responseCode":0,"partnerOrderNumber":"P1","orderNumber":X}`, "id", cancel},
		{"CancelOrder", http.MethodPut, "connect/order/cancel", `{"responseCode":0,"partnerOrderNumber":X}`, "text", cancel},
		{"ExtendDownload", http.MethodPut, "connect/order/download", `{"responseCode":0,"partnerOrderNumber":X}`, "text", extend},
		{"Categories", http.MethodGet, "connect/catalog/categories/EN", `{"responseCode":0,"categoryList":[{"id":X,"label":"Games"}]}`, "id", cats},
		{"Categories", http.MethodGet, "connect/catalog/categories/EN", `{"responseCode":0,"categoryList":[{"id":1,"Subcategory list":[{"id":X}]}]}`, "id", cats},
		{"OperatingSystems", http.MethodGet, "connect/catalog/oslist", `{"responseCode":0,"osList":[{"id":X,"label":"Windows"}]}`, "id", oses},
	}
}

// The unrepresentable forms of each kind of essential value.
var unrepresentable = map[string][]string{
	"id":   {`1e400`, `-1e400`, `"12345678901234567890123"`, `12345678901234567890123`, `1.5`, `"1.5"`, `-3`, `"-3"`, `"abc"`, `""`, `true`, `{}`, `{"n":1}`, `[]`, `[1]`},
	"int":  {`1e400`, `"12345678901234567890123"`, `12345678901234567890123`, `1.5`, `"abc"`, `""`, `true`, `{}`, `[]`},
	"text": {`true`, `false`, `{}`, `{"v":"P1"}`, `[]`, `["P1"]`},
}

// Representable forms, and absence, decode.
var representable = map[string][]string{
	"id":   {`42`, `"42"`, `" 42 "`, `42.0`, `0`, `null`},
	"int":  {`42`, `"42"`, `-1`, `"-1"`, `0`, `null`},
	"text": {`"P1"`, `42`, `""`, `null`},
}

func TestEssentialValuesNeverInvented(t *testing.T) {
	t.Parallel()
	for _, ec := range essentialCases() {
		for _, v := range unrepresentable[ec.need] {
			body := strings.Replace(ec.body, "X", v, 1)
			m := newMock(t)
			m.RegisterResponder(ec.method, testBase+ec.path, respond(200, body, nil))
			err := ec.call(m.c)
			want := ErrInvalidResponse
			if ec.method != http.MethodGet && ec.op != "StockStatus" && ec.op != "CrossSell" {
				want = ErrAmbiguous // a write Nexway answered unreadably may have been processed
			}
			if !errors.Is(err, want) {
				t.Errorf("%s %s: %v, want %v", ec.op, body, err, want)
			}
			if err != nil && strings.Contains(err.Error(), strings.Trim(v, `"`)) && len(strings.Trim(v, `"`)) > 3 {
				t.Errorf("%s: the error quotes the value: %v", ec.op, err)
			}
		}
		for _, v := range representable[ec.need] {
			body := strings.Replace(ec.body, "X", v, 1)
			m := newMock(t)
			m.RegisterResponder(ec.method, testBase+ec.path, respond(200, body, nil))
			err := ec.call(m.c)
			if err != nil && !(ec.op == "GetOrder" && strings.Contains(ec.body, `"partnerOrderNumber":X`) && (v == `""` || v == "null")) &&
				!(ec.op == "StockStatus" && strings.Contains(ec.body, `"productRef":X`)) {
				t.Errorf("%s %s: %v", ec.op, body, err)
			}
		}
	}
}

// An error answer's code is its answer, whatever its other fields hold.
func TestEssentialValuesOfErrorAnswers(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, `{"responseCode":1010,"orderNumber":{}}`, nil))
	if _, err := m.c.Orders.Get(bg, "P1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("%v, want ErrNotFound", err)
	}
}

// Non-essential values keep the lenient rule: left zero.
func TestNonEssentialValuesLeftZero(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200,
		`{"responseCode":0,"orderNumber":7,"downloadManager":{"pc":{}},"orderLines":[{"productRef":1,"remark":true,"digitalLockerLink":[],`+
			`"files":[{"size":"big","label":{}}],"lineItems":[{"serials":[{"data":"K","charset":{}}]}]}]}`, nil))
	o, err := m.c.Orders.Get(bg, "P1")
	if err != nil || o.OrderNumber != 7 || o.Lines[0].Items[0].Serials[0].Data != "K" || o.Lines[0].Files[0].Size != 0 {
		t.Errorf("%+v, %v", o, err)
	}
}

// A create whose answer holds an unreadable essential value may have been
// processed: the read-back decides.
func TestEssentialValueOfCreateReadBack(t *testing.T) {
	t.Parallel()
	const good = `{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderNumber":9,"orderLines":[{"productRef":733551,"lineItems":[{}]}]}`
	for _, bad := range []string{
		`{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderNumber":1e400,"orderLines":[{"productRef":733551}]}`,
		`{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderNumber":9,"orderLines":[{"productRef":"12345678901234567890123"}]}`,
		`{"responseCode":0,"partnerOrderNumber":"PARTNER689","orderNumber":-9,"orderLines":[{"productRef":733551}]}`,
	} {
		m := newMock(t)
		m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, bad, nil))
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200, good, nil))
		o, err := m.c.Orders.Create(bg, sampleOrder())
		if err != nil || o.OrderNumber != 9 {
			t.Errorf("%s: %+v, %v; want the order read back", bad, o, err)
		}
		if n := m.calls(http.MethodPost, "connect/order/new"); n != 1 {
			t.Errorf("%d creates", n)
		}

		// A read-back just as unreadable leaves the outcome unknown.
		m = newMock(t)
		m.RegisterResponder(http.MethodPost, testBase+"connect/order/new", respond(200, bad, nil))
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689", respond(200, bad, nil))
		if _, err := m.c.Orders.Create(bg, sampleOrder()); !errors.Is(err, ErrAmbiguous) {
			t.Errorf("%s read back: %v, want ErrAmbiguous", bad, err)
		}
	}
}

func TestHasNegative(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		`{"a":-1}`: true, `{"a": -1}`: true, `{"a":[1,-2]}`: true, `{"a":[-2]}`: true, "{\"a\":\n\t-2}": true,
		`{"a":"2024-05-22"}`: false, `{"a":1}`: false, `{"a":"-"}`: false, `-1`: false, `{"a":-}`: false,
	} {
		if hasNegative([]byte(s)) != want {
			t.Errorf("hasNegative(%s) = %v", s, !want)
		}
	}
}
