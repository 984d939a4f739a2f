package nexway_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// Against a fake whose download info has no end date, an extension by a
// period is counted from the order's last day and sent as a date: its
// answer lost, the resend extends once, not twice.
func TestFakeExtendWithoutDownloadEndDate(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithDialect(nexwaytest.Dialect{NoDownloadEndDate: true, ByteOrderMark: true}))
	ctx := context.Background()
	c := srv.Client
	created, err := c.Orders.Create(ctx, order("EXT-1", 733551, 1))
	if err != nil {
		t.Fatal(err)
	}
	before := created.Lines[0].DateEndDownload
	info, err := c.Downloads.Info(ctx, "EXT-1")
	if err != nil || !info.DownloadEndDate.IsZero() {
		t.Fatalf("info %+v, %v: the dialect should hide the end date", info, err)
	}
	srv.InjectFault(nexwaytest.RouteExtendDownload, nexwaytest.Fault{Kind: nexwaytest.FaultLoseResponse})
	ext, err := c.Downloads.Extend(ctx, "EXT-1", nexway.ExtendBy(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := nexway.DateOf(before.In(time.UTC).AddDate(0, 0, 7))
	if ext.Basis != nexway.BasisOrder || ext.NewDownloadEndDate != want {
		t.Errorf("extension %+v, want basis %q and %v", ext, nexway.BasisOrder, want)
	}
	after, err := c.Orders.Get(ctx, "EXT-1")
	if err != nil || after.Lines[0].DateEndDownload != want {
		t.Errorf("order's last day %v (%v), want %v: extended once", after.Lines[0].DateEndDownload, err, want)
	}
}

// The fake's internal error (FaultCode 1000) on a read is resent; on a
// write it is the answer.
func TestFakeInternalErrorCode(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	if _, err := c.Orders.Create(ctx, order("IE-1", 733551, 1)); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(nexwaytest.RouteGetOrder, nexwaytest.Fault{Kind: nexwaytest.FaultCode, Code: 1052})
	var meta nexway.Response
	o, err := c.Orders.Get(ctx, "IE-1", nexway.WithResponse(&meta))
	if err != nil || o.PartnerOrderNumber != "IE-1" || meta.Attempts != 2 {
		t.Errorf("get: %v, %d attempts; want the order after 2", err, meta.Attempts)
	}
	srv.InjectFault(nexwaytest.RouteCreateOrder, nexwaytest.Fault{Kind: nexwaytest.FaultCode})
	_, err = c.Orders.Create(ctx, order("IE-2", 733551, 1))
	var e *nexway.APIError
	if !errors.As(err, &e) || e.Attempts != 1 || !errors.Is(err, nexway.ErrUnavailable) {
		t.Errorf("create: %v; want one attempt, ErrUnavailable", err)
	}
}
