package nexway

import (
	"context"
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
	PartnerOrderNumber string         `json:"partnerOrderNumber" essential:"text"`
	DownloadEndDate    Date           `json:"downloadEndDate" alt:"dateEndDownload"`
	Lines              []DownloadLine `json:"orderLines"`
}

// DownloadLine lists the files of one order line.
type DownloadLine struct {
	ProductRef ProductRef     `json:"productRef" essential:"id"`
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
	PartnerOrderNumber string `json:"partnerOrderNumber" essential:"text"`
	NewDownloadEndDate Date   `json:"newDownloadEndDate" alt:"downloadEndDate,dateEndDownload"`
	// Basis says what the extension was counted from.
	Basis ExtensionBasis `json:"-"`
}

// ExtensionBasis says what DownloadsService.Extend counted an extension
// from.
type ExtensionBasis string

// Extension bases, in the order Extend tries them for a period.
const (
	// BasisDate: the caller gave the date (ExtendUntil).
	BasisDate ExtensionBasis = "date"
	// BasisDownloadInfo: the period was added to the download info's
	// downloadEndDate, and the resulting date sent.
	BasisDownloadInfo ExtensionBasis = "downloadEndDate"
	// BasisOrder: the download info had no end date; the period was added
	// to the order's dateEndDownload (OrdersService.Get), and the resulting
	// date sent.
	BasisOrder ExtensionBasis = "dateEndDownload"
	// BasisPeriod: neither answer gave the current last day, so the period
	// itself was sent for Nexway to add, in a single attempt that is not
	// resent once it may have been processed (a resend could extend twice).
	BasisPeriod ExtensionBasis = "period"
)

type extendRequest struct {
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	Value              string `json:"value"`
}

// Extend changes an order's download window.
//
// Nexway adds a period to the current window when it receives one, so a
// resent period would extend twice. Extend therefore sends a date whenever
// it can: for ExtendBy and ExtendByPeriod it reads the current last day,
// adds the period, and sends the resulting date, which is safe to resend
// after a lost answer. The last day is read from the download info
// (Info); when that has none, from the order (OrdersService.Get), whose
// lines carry it (used when every line that gives one gives the same). The
// order answer carries no order date, so the documented 21 days from
// purchase cannot be counted instead: when neither answer gives the last
// day, Extend sends the period, and does not resend it once an attempt
// may have been processed; such a failure matches ErrAmbiguous, and Info
// tells what happened. DownloadExtension.Basis says which was done.
//
// Two concurrent extensions of the same order may both start from the
// same day; serialise them if that matters. For the same reason, an
// attempt that timed out but still reaches Nexway after a later extension
// of the order would set its earlier date again.
//
// The reads and the write are one call: an Observer sees one
// ExtendDownload call whose first attempts are the reads (AttemptInfo.Part
// PartRead), and WithResponse counts them all.
//
// It fails with ErrInvalidArgument for an invalid extension, ErrNotFound,
// or ErrAlreadyCancelled when the order was cancelled, and with the errors
// of Info and OrdersService.Get when reading the last day fails.
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

// extend sends k, reading the last day first to move it by a period.
func (s *DownloadsService) extend(ctx context.Context, k *call, partnerOrderNumber string, ext Extension) error {
	value, basis := ext.until.String(), BasisDate
	if ext.until.IsZero() {
		base, b, err := s.lastDay(ctx, k, partnerOrderNumber)
		if err != nil {
			return err
		}
		basis = b
		if base.IsZero() {
			k.op, k.state.op, value = opExtendDownloadPeriod, opExtendDownloadPeriod, ext.period.String()
		} else {
			value = ext.period.addTo(base).String()
		}
	}
	k.in = extendRequest{partnerOrderNumber, value}
	if err := s.client.send(ctx, k); err != nil {
		return err
	}
	k.out.(*DownloadExtension).Basis = basis
	return nil
}

// lastDay finds the current last download day of an order, and where it
// was found; a zero Date with BasisPeriod when no answer gives it. The
// reads are parts of k's call.
func (s *DownloadsService) lastDay(ctx context.Context, k *call, partnerOrderNumber string) (Date, ExtensionBasis, error) {
	info := new(DownloadInfo)
	if err := s.client.sendPart(ctx, k, infoCall(partnerOrderNumber, info), PartRead); err != nil {
		return Date{}, "", err
	}
	if !info.DownloadEndDate.IsZero() {
		return info.DownloadEndDate, BasisDownloadInfo, nil
	}
	o := new(Order)
	if err := s.client.sendPart(ctx, k, getCall(partnerOrderNumber, o), PartRead); err != nil {
		return Date{}, "", err
	}
	var day Date
	for _, l := range o.Lines {
		switch {
		case l.DateEndDownload.IsZero():
		case day.IsZero():
			day = l.DateEndDownload
		case day != l.DateEndDownload:
			return Date{}, BasisPeriod, nil // no single window to count from
		}
	}
	if day.IsZero() {
		return Date{}, BasisPeriod, nil
	}
	return day, BasisOrder, nil
}
