package nexway

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// The getDownloadInfo answer of the legacy API, which REST is taken to keep.
const downloadInfoSample = `{
  "responseCode": 0, "responseMessage": "OK",
  "partnerOrderNumber": "PARTNER689", "downloadEndDate": "2024-05-22",
  "orderLines": [ { "productRef": 733551, "files": [ {
    "label": "Setup", "type": "exe", "url": "https://dl.test/setup.exe", "size": 1024.0, "group": "main",
    "dateFirstDownload": "2024-05-02 10:00:00", "dateLastDownload": "2024-05-03 11:00:00",
    "countStartDownload": 3, "countCompleteDownload": 2 } ] } ]
}`

func TestDownloadsInfo(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689/download", respond(200, downloadInfoSample, func(r *http.Request) {
		checkHeaders(t, r, "Bearer tok-1", false)
	}))
	got, err := m.c.Downloads.Info(bg, "PARTNER689")
	if err != nil {
		t.Fatal(err)
	}
	want := DownloadInfo{
		Envelope:           Envelope{ResponseMessage: "OK", Raw: []byte(downloadInfoSample)},
		PartnerOrderNumber: "PARTNER689",
		DownloadEndDate:    Date{2024, time.May, 22},
		Lines: []DownloadLine{{ProductRef: 733551, Files: []DownloadFile{{
			File:              File{Label: "Setup", Type: "exe", URL: "https://dl.test/setup.exe", Size: 1024, Group: "main"},
			DateFirstDownload: "2024-05-02 10:00:00", DateLastDownload: "2024-05-03 11:00:00",
			CountStartDownload: 3, CountCompleteDownload: 2,
		}}}},
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("info\n got %+v\nwant %+v", *got, want)
	}
}

func TestDownloadsExtendUntil(t *testing.T) {
	t.Parallel()
	m := newMock(t, withCreds)
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/download",
		respond(200, `{"partnerOrderNumber":"PARTNER689","newDownloadEndDate":"2024-06-30","responseCode":0,"responseMessage":"OK"}`, func(r *http.Request) {
			checkHeaders(t, r, "Bearer tok-1", true)
			equalJSON(t, jsonBody(t, r), `{"partnerOrderNumber":"PARTNER689","value":"2024-06-30"}`)
		}))
	// The date is taken in the time's own location.
	until := time.Date(2024, 6, 30, 23, 30, 0, 0, time.FixedZone("PDT", -7*3600))
	got, err := m.c.Downloads.Extend(bg, "PARTNER689", ExtendUntil(until))
	if err != nil {
		t.Fatal(err)
	}
	if got.NewDownloadEndDate != (Date{2024, time.June, 30}) || got.PartnerOrderNumber != "PARTNER689" {
		t.Errorf("extension = %+v", got)
	}
}

// A period is turned into a date, read from the current window, so that a
// resent request cannot extend twice.
func TestDownloadsExtendByPeriodSendsADate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ext  Extension
		want string
	}{
		{ExtendBy(7 * 24 * time.Hour), "2024-05-29"},
		{ExtendBy(36 * time.Hour), "2024-05-24"}, // rounded up to 2 days
		{ExtendByPeriod(Period{Years: 1, Months: 2}), "2025-07-22"},
	} {
		m := newMock(t)
		m.RegisterResponder(http.MethodGet, testBase+"connect/order/PARTNER689/download", respond(200, downloadInfoSample, nil))
		m.RegisterResponder(http.MethodPut, testBase+"connect/order/download",
			respond(200, `{"partnerOrderNumber":"PARTNER689","newDownloadEndDate":"`+tc.want+`","responseCode":0}`, func(r *http.Request) {
				equalJSON(t, jsonBody(t, r), `{"partnerOrderNumber":"PARTNER689","value":"`+tc.want+`"}`)
			}))
		got, err := m.c.Downloads.Extend(bg, "PARTNER689", tc.ext)
		if err != nil {
			t.Fatal(err)
		}
		if got.NewDownloadEndDate.String() != tc.want {
			t.Errorf("new end = %v, want %s", got.NewDownloadEndDate, tc.want)
		}
	}
}

// The extension is retried after a lost answer with the same date.
func TestDownloadsExtendRetriesTheSameDate(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	m.RegisterResponder(http.MethodGet, testBase+"connect/order/P1/download", respond(200, `{"partnerOrderNumber":"P1","downloadEndDate":"2024-05-22","responseCode":0}`, nil))
	var values []any
	record := func(r *http.Request) { values = append(values, jsonBody(t, r)["value"]) }
	m.RegisterResponder(http.MethodPut, testBase+"connect/order/download", sequence(
		respond(504, "gateway timeout", record),
		respond(200, `{"partnerOrderNumber":"P1","newDownloadEndDate":"2024-05-29","responseCode":0}`, record)))
	if _, err := m.c.Downloads.Extend(bg, "P1", ExtendBy(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(values, []any{"2024-05-29", "2024-05-29"}) {
		t.Errorf("sent values %v, want the same date twice", values)
	}
	if n := m.calls(http.MethodGet, "connect/order/P1/download"); n != 1 {
		t.Errorf("read the window %d times, want once", n)
	}
}

func TestDownloadsExtendArguments(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	for name, ext := range map[string]Extension{
		"zero value":      {},
		"zero date":       ExtendUntil(time.Time{}),
		"negative":        ExtendBy(-time.Hour),
		"zero duration":   ExtendBy(0),
		"zero period":     ExtendByPeriod(Period{}),
		"negative period": ExtendByPeriod(Period{Days: -1}),
		"huge":            ExtendBy(100000 * 24 * time.Hour),
	} {
		_, err := m.c.Downloads.Extend(bg, "P1", ext)
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != "extension" {
			t.Errorf("%s: %v, want an argument error on extension", name, err)
		}
	}
	if _, err := m.c.Downloads.Extend(bg, "", ExtendBy(time.Hour)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty order number: %v", err)
	}
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid arguments", n)
	}
}
