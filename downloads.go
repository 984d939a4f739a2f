package nexway

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// DownloadsService reads and extends an order's download window, 21 days
// from purchase by default.
type DownloadsService service

// DownloadInfo is the answer to DownloadsService.Info: direct download URLs,
// without download-manager links. Its shape is documented only for the
// legacy API; the last download day is also read under "dateEndDownload",
// the name of the order answer.
type DownloadInfo struct {
	Envelope
	PartnerOrderNumber string         `json:"partnerOrderNumber"`
	DownloadEndDate    Date           `json:"downloadEndDate" alt:"dateEndDownload"`
	Lines              []DownloadLine `json:"orderLines"`
}

// DownloadLine lists the files of one order line.
type DownloadLine struct {
	ProductRef ProductRef     `json:"productRef"`
	Files      []DownloadFile `json:"files"`
}

// DownloadFile is a file with its download counters. The two dates are
// kept as Nexway sends them (a number is kept as its digits), because their
// format is undocumented; the counters are read from numbers or strings of
// digits.
type DownloadFile struct {
	File
	DateFirstDownload     string `json:"dateFirstDownload"`
	DateLastDownload      string `json:"dateLastDownload"`
	CountStartDownload    int    `json:"countStartDownload"`
	CountCompleteDownload int    `json:"countCompleteDownload"`
}

// Info returns the download links and window of an order. It fails with
// ErrNotFound when the order does not exist.
func (s *DownloadsService) Info(ctx context.Context, partnerOrderNumber string, opts ...CallOption) (*DownloadInfo, error) {
	if err := checkPartnerOrderNumber("partnerOrderNumber", partnerOrderNumber); err != nil {
		return nil, err
	}
	var out DownloadInfo
	k := infoCall(partnerOrderNumber, &out)
	k.opts = opts
	if err := s.client.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}

// infoCall reads an order's download window into out.
func infoCall(partnerOrderNumber string, out *DownloadInfo) *call {
	return &call{op: opDownloadInfo, method: http.MethodGet, path: "connect/order/" + pathEscape(partnerOrderNumber) + "/download", out: out}
}

// Extension is a change of download window, made by ExtendUntil, ExtendBy
// or ExtendByPeriod.
type Extension struct {
	until  Date
	period Period
	err    error
}

// ExtendUntil sets the last download day to the date of t, in t's location.
func ExtendUntil(t time.Time) Extension {
	if t.IsZero() {
		return Extension{err: invalid("extension", "date is zero")}
	}
	return Extension{until: DateOf(t)}
}

// ExtendBy moves the last download day forward by d, rounded up to whole
// days. d must be positive.
func ExtendBy(d time.Duration) Extension {
	if d <= 0 {
		return Extension{err: invalid("extension", "must be positive")}
	}
	days := (d + 24*time.Hour - 1) / (24 * time.Hour)
	if days > maxPeriodField {
		return Extension{err: invalid("extension", "is longer than 9999 days")}
	}
	return Extension{period: Period{Days: int(days)}}
}

// ExtendByPeriod moves the last download day forward by p, for extensions
// counted in months or years. p must be positive.
func ExtendByPeriod(p Period) Extension {
	if !p.valid() {
		return Extension{err: invalid("extension", "period must be positive, each part at most 9999")}
	}
	return Extension{period: p}
}

// DownloadExtension is the answer to DownloadsService.Extend. Its shape is
// documented only for the legacy API; the new last day is also read under
// "downloadEndDate" and "dateEndDownload", and may be zero when Nexway
// sends none: the extension still happened.
type DownloadExtension struct {
	Envelope
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	NewDownloadEndDate Date   `json:"newDownloadEndDate" alt:"downloadEndDate,dateEndDownload"`
}

type extendRequest struct {
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	Value              string `json:"value"`
}

// Extend changes an order's download window.
//
// Nexway adds a period to the current window when it receives one, so a
// resent period would extend twice. Extend therefore never sends a period:
// for ExtendBy and ExtendByPeriod it reads the current last day (Info),
// adds the period, and sends the resulting date, which is safe to resend
// after a lost answer. Two concurrent extensions of the same order may thus
// both start from the same day; serialise them if that matters. For the
// same reason, an attempt that timed out but still reaches Nexway after a
// later extension of the order would set its earlier date again.
//
// The read and the write are one call: an Observer sees one ExtendDownload
// call whose first attempts are the read (AttemptInfo.Part PartRead), and
// WithResponse counts both.
//
// It fails with ErrInvalidArgument for an invalid extension, ErrNotFound,
// or ErrAlreadyCancelled when the order was cancelled.
func (s *DownloadsService) Extend(ctx context.Context, partnerOrderNumber string, ext Extension, opts ...CallOption) (*DownloadExtension, error) {
	if err := checkPartnerOrderNumber("partnerOrderNumber", partnerOrderNumber); err != nil {
		return nil, err
	}
	if ext.err != nil {
		return nil, ext.err
	}
	if ext.until.IsZero() && ext.period == (Period{}) {
		return nil, invalid("extension", "is empty; use ExtendUntil, ExtendBy or ExtendByPeriod")
	}
	var out DownloadExtension
	k := &call{op: opExtendDownload, method: http.MethodPut, path: "connect/order/download", out: &out, opts: opts}
	ctx, err := s.client.begin(ctx, k)
	if err != nil {
		return nil, err
	}
	if err := s.extend(ctx, k, partnerOrderNumber, ext); err != nil {
		return nil, s.client.end(k, nil, err)
	}
	return &out, s.client.end(k, &out, nil)
}

// extend sends k, reading the window first to move it by a period.
func (s *DownloadsService) extend(ctx context.Context, k *call, partnerOrderNumber string, ext Extension) error {
	until := ext.until
	if until.IsZero() {
		info := new(DownloadInfo)
		if err := s.client.sendPart(ctx, k, infoCall(partnerOrderNumber, info), PartRead); err != nil {
			return err
		}
		if info.DownloadEndDate.IsZero() {
			return fmt.Errorf("%w: download info has no downloadEndDate to extend", ErrInvalidResponse)
		}
		until = ext.period.addTo(info.DownloadEndDate)
	}
	k.in = extendRequest{partnerOrderNumber, until.String()}
	return s.client.send(ctx, k)
}
