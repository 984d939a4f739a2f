package nexway

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const infoWithoutEnd = `{"responseCode":0,"partnerOrderNumber":"P1","orderLines":[{"productRef":1}]}`

// extendMock answers the download info without an end date, the order with
// order, and the extension with the value it got.
func extendMock(t *testing.T, order string, put httpmock.Responder) *mock {
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1/download", respond(200, infoWithoutEnd, nil))
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, order, nil))
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/download", put)
	return m
}

// Without an end date in the download info, the order's dateEndDownload
// is the base, and a date is sent: a resend cannot extend twice.
func TestExtendByPeriodFromTheOrder(t *testing.T) {
	t.Parallel()
	var values []any
	record := func(r *http.Request) { values = append(values, jsonBody(t, r)["value"]) }
	m := extendMock(t, `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"dateEndDownload":"2024-05-22"},{"productRef":2,"dateEndDownload":"2024-05-22"},{"productRef":3}]}`,
		sequence(respond(504, "", record), respond(200, `{"responseCode":0,"newDownloadEndDate":"2024-05-29"}`, record)))
	got, err := m.c.Downloads.Extend(bg, "P1", ExtendBy(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.Basis != BasisOrder || len(values) != 2 || values[0] != "2024-05-29" || values[1] != "2024-05-29" {
		t.Errorf("basis %q, sent %v; want the order's day plus 7, twice", got.Basis, values)
	}
}

// With no day in either answer, or lines that disagree, the period itself
// is sent, once: an attempt that may have been processed is not resent.
func TestExtendByPeriodSentAsAPeriod(t *testing.T) {
	t.Parallel()
	for name, order := range map[string]string{
		"no dates":       `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1}]}`,
		"no lines":       `{"responseCode":0,"orderNumber":7}`,
		"lines disagree": `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"dateEndDownload":"2024-05-22"},{"productRef":2,"dateEndDownload":"2024-06-01"}]}`,
		"unreadable day": `{"responseCode":0,"orderNumber":7,"orderLines":[{"productRef":1,"dateEndDownload":"soon"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			m := extendMock(t, order, respond(200, `{"responseCode":0,"newDownloadEndDate":"2024-06-05"}`, func(r *http.Request) {
				equalJSON(t, jsonBody(t, r), `{"partnerOrderNumber":"P1","value":"P1M4D"}`)
			}))
			got, err := m.c.Downloads.Extend(bg, "P1", ExtendByPeriod(Period{Months: 1, Days: 4}))
			if err != nil || got.Basis != BasisPeriod || got.NewDownloadEndDate != (Date{2024, 6, 5}) {
				t.Fatalf("%+v, %v", got, err)
			}
		})
	}
	for name, tc := range map[string]struct {
		fail      httpmock.Responder
		calls     int
		ambiguous bool
	}{
		"504": {respond(504, "", nil), 1, true},
		"500": {respond(500, "", nil), 1, true},
		"lost": {func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}
		}, 1, true},
		"unreadable": {respond(200, `{"responseCode":0,"partnerOrderNumber":{}}`, nil), 1, true},
		"internal":   {respond(200, `{"responseCode":1000}`, nil), 1, false},
		"429":        {respond(429, "", nil), 4, false},
		"refused": {func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "dial", Err: errors.New("connection refused")}
		}, 4, false},
	} {
		t.Run(name, func(t *testing.T) {
			m := extendMock(t, `{"responseCode":0,"orderNumber":7}`, tc.fail)
			_, err := m.c.Downloads.Extend(bg, "P1", ExtendBy(24*time.Hour))
			if n := m.calls(http.MethodPut, "connect/order/download"); n != tc.calls || err == nil || errors.Is(err, ErrAmbiguous) != tc.ambiguous {
				t.Errorf("%d sends, %v; want %d, ambiguous %v", n, err, tc.calls, tc.ambiguous)
			}
		})
	}
}

// The basis says what the extension was counted from; failures to read
// the last day are the call's failure, before anything is sent.
func TestExtendBasis(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1/download", respond(200, `{"responseCode":0,"downloadEndDate":"2024-05-22"}`, nil))
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/download", respond(200, `{"responseCode":0}`, nil))
	if got, err := m.c.Downloads.Extend(bg, "P1", ExtendBy(time.Hour)); err != nil || got.Basis != BasisDownloadInfo {
		t.Errorf("%+v, %v", got, err)
	}
	if got, err := m.c.Downloads.Extend(bg, "P1", ExtendUntil(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC))); err != nil || got.Basis != BasisDate {
		t.Errorf("%+v, %v", got, err)
	}
	if n := m.calls(http.MethodGet, "connect/order/P1"); n != 0 {
		t.Errorf("read the order %d times", n)
	}

	for code, want := range map[int]error{1010: ErrNotFound, 1060: ErrPending} {
		m := newMock(t)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1/download", respond(200, infoWithoutEnd, nil))
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1", respond(200, `{"responseCode":`+strconv.Itoa(code)+`}`, nil))
		m.RegisterResponder(http.MethodPut, testBase+"connect/order/download", respond(200, `{"responseCode":0}`, nil))
		if _, err := m.c.Downloads.Extend(bg, "P1", ExtendBy(time.Hour)); !errors.Is(err, want) || m.calls(http.MethodPut, "connect/order/download") != 0 {
			t.Errorf("order %d: %v, want %v and nothing sent", code, err, want)
		}
	}
}
