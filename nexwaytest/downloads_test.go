package nexwaytest

import (
	"testing"
	"time"
)

func TestExtendDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(sampleOrder("DL"), 0) // window ends 2026-02-05
	m := e.json("PUT", "/connect/order/download", map[string]any{"partnerOrderNumber": "DL", "value": "P7D"})
	wantCode(t, m, 0)
	wantShape(t, "extend", m, map[string]kind{"partnerOrderNumber": kString, "newDownloadEndDate": kString, "responseCode": kNumber, "responseMessage": kString})
	if got := str(t, m, "newDownloadEndDate"); got != "2026-02-12" {
		t.Fatalf("P7D: %s", got)
	}
	for _, tc := range []struct{ value, want string }{
		{"P1Y2M", "2027-04-12"},
		{"P0Y6M", "2027-10-12"},
		{"P1W", "2027-10-19"},
		{"2028-01-31", "2028-01-31"},
		{"P1M", "2028-03-02"}, // 31 January + 1 month, normalised
		{"2026-03-01", "2026-03-01"},
	} {
		m := e.json("PUT", "/connect/order/download", map[string]any{"partnerOrderNumber": "DL", "value": tc.value})
		wantCode(t, m, 0)
		if got := str(t, m, "newDownloadEndDate"); got != tc.want {
			t.Fatalf("%s: %s, want %s", tc.value, got, tc.want)
		}
	}
	g := e.json("GET", "/connect/order/DL", nil)
	if got := str(t, arr(t, g, "orderLines")[0], "dateEndDownload"); got != "2026-03-01" {
		t.Errorf("get dateEndDownload = %s", got)
	}
	if snap, _ := e.s.Order("DL"); !snap.DownloadEnd.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("snapshot DownloadEnd = %v", snap.DownloadEnd)
	}
}

func TestExtendDownloadCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(sampleOrder("DC"), 0)
	e.create(sampleOrder("GONE"), 0)
	wantCode(t, e.json("PUT", "/connect/order/cancel", map[string]any{"partnerOrderNumber": "GONE", "reasonCode": 2}), 0)
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"empty body", "", 100},
		{"partnerOrderNumber missing", map[string]any{"value": "P7D"}, 100},
		{"value missing", map[string]any{"partnerOrderNumber": "DC"}, 110},
		{"value empty", map[string]any{"partnerOrderNumber": "DC", "value": ""}, 110},
		{"value number", map[string]any{"partnerOrderNumber": "DC", "value": 7}, 111},
		{"value days", map[string]any{"partnerOrderNumber": "DC", "value": "7 days"}, 111},
		{"value time period", map[string]any{"partnerOrderNumber": "DC", "value": "PT24H"}, 111},
		{"value bad date", map[string]any{"partnerOrderNumber": "DC", "value": "2026-02-30"}, 111},
		{"value other date format", map[string]any{"partnerOrderNumber": "DC", "value": "05/03/2026"}, 111},
		{"value past year 9999", map[string]any{"partnerOrderNumber": "DC", "value": "P9999Y"}, 111},
		{"not found", map[string]any{"partnerOrderNumber": "NOPE", "value": "P7D"}, 1010},
		{"cancelled", map[string]any{"partnerOrderNumber": "GONE", "value": "P7D"}, 1011},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, e.json("PUT", "/connect/order/download", tc.body), tc.want)
		})
	}
}

func TestDownloadInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(sampleOrder("DI", line(733551, 1), line(733558, 1)), 0)
	m := e.json("GET", "/connect/order/DI/download", nil)
	wantCode(t, m, 0)
	wantShape(t, "download info", m, map[string]kind{
		"partnerOrderNumber": kString, "downloadEndDate": kString, "orderLines": kArray, "responseCode": kNumber, "responseMessage": kString,
	})
	if str(t, m, "downloadEndDate") != "2026-02-05" || str(t, m, "partnerOrderNumber") != "DI" {
		t.Errorf("info = %v", m)
	}
	lines := arr(t, m, "orderLines")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	wantShape(t, "line", lines[0], map[string]kind{"productRef": kNumber, "files": kArray})
	files := arr(t, lines[0], "files")
	if len(files) != 2 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		wantShape(t, "file", f, map[string]kind{
			"label": kString, "type": kString, "url": kString, "size": kNumber, "group": kString,
			"dateFirstDownload": kString, "dateLastDownload": kString, "countStartDownload": kNumber, "countCompleteDownload": kNumber,
		})
	}
	if files[1]["url"] != "https://download.nexway.test/10000001/NexwayAntivirusPro2026_UserGuide.pdf" || files[1]["size"] != 2048000.0 {
		t.Errorf("file = %v", files[1])
	}
	if len(arr(t, lines[1], "files")) != 0 {
		t.Errorf("serial-only line has files")
	}
	wantCode(t, e.json("GET", "/connect/order/NOPE/download", nil), 1010)
}
