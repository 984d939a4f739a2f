// Backoffice is a storefront's back office on River and SQLite: checkout
// records the payment and queues its order in one transaction; a worker
// creates the orders at Nexway (here the fake of package nexwaytest) and
// records the keys, a late delivery and a refused payment, each in the
// transaction that completes its job, so that each happens exactly once
// whatever dies when.
//
//	go run ./examples/backoffice
//
// With -ui, River's own web UI shows the jobs while it runs and after,
// until Ctrl-C:
//
//	go run ./examples/backoffice -ui localhost:8080
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	nexwayriver "github.com/nexway-go/nexway/river"
	"github.com/riverqueue/river"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// The fake's products: keys from a pool, keys from a publisher, none left.
const (
	antivirus     = 733551
	totalSecurity = 733552
	retroRacer    = 733562
)

// The shop's tables. Each hook writes one row in the job's transaction.
const schema = `
CREATE TABLE IF NOT EXISTS payments (pon TEXT PRIMARY KEY, amount_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (pon TEXT NOT NULL, product INTEGER NOT NULL, serial TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (pon TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (pon TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalog (ref INTEGER NOT NULL, change TEXT NOT NULL)`

func main() {
	uiAddr := flag.String("ui", "", "serve River's web UI at this address (host:port) until Ctrl-C")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var ui net.Listener
	if *uiAddr != "" {
		var err error
		if ui, err = net.Listen("tcp", *uiAddr); err != nil {
			fmt.Fprintln(os.Stderr, "backoffice: -ui:", err)
			os.Exit(2)
		}
	}
	if err := run(ctx, os.Stdout, ui); err != nil {
		fmt.Fprintln(os.Stderr, "backoffice:", err)
		os.Exit(1)
	}
}

// run runs the back office, with River's web UI on ui unless it is nil,
// and then waits for ctx to end.
func run(ctx context.Context, out io.Writer, ui net.Listener) error {
	dir, err := os.MkdirTemp("", "backoffice")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, "shop.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // SQLite has one writer; River's SQLite driver advises one connection
	store := nexwayriver.SQLite(db)
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return err
	}

	// Nexway: the fake, with a publisher whose endpoint is down for the
	// first two calls (keys arrive late), and the next order held for
	// payment validation.
	srv, err := nexwaytest.StartServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	var calls atomic.Int32
	if err := srv.SetPublisher(totalSecurity, nexwaytest.PublisherFunc(func(_ context.Context, req nexwaytest.LicenseRequest) (string, error) {
		if calls.Add(1) <= 2 {
			return "", errors.New("publisher endpoint down")
		}
		return "NTS-" + strings.ToUpper(req.FulfillmentID[:8]), nil
	})); err != nil {
		return err
	}

	settled, renewed := make(chan string, 8), make(chan string, 8)
	subs, catalog := followUps(srv, out, renewed)
	client, err := nexwayriver.NewClient(&nexwayriver.Config[*sql.Tx]{
		Nexway:        srv.Client,
		DB:            store,
		Orders:        hooks(out, settled),
		Subscriptions: subs,
		Catalog:       catalog,
		// Short waits for a demonstration; the defaults read a pending order
		// or late keys from every minute to every hour.
		Poll: nexwayriver.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
	}, &river.Config{
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond, // SQLite has no LISTEN/NOTIFY: River polls
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	defer client.Stop(context.WithoutCancel(ctx))
	if ui != nil {
		stopUI, err := serveUI(ctx, client, ui, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			return err
		}
		defer stopUI()
	}

	// Checkout: four payments, each with its order queued in the payment's
	// transaction; the first is held pending at Nexway.
	carts := []struct {
		pon     string
		product nexway.ProductRef
	}{{"SHOP-1001", antivirus}, {"SHOP-1002", antivirus}, {"SHOP-1003", totalSecurity}, {"SHOP-1004", retroRacer}}
	for i, c := range carts {
		if i == 0 {
			if err := srv.HoldNext(1, 1060); err != nil {
				return err
			}
		}
		if err := checkout(ctx, db, client, c.pon, c.product); err != nil {
			return err
		}
		fmt.Fprintf(out, "checkout  %s: payment recorded, order queued in the same transaction\n", c.pon)
		if i == 0 {
			if err := releaseWhenPending(ctx, srv, out, c.pon); err != nil {
				return err
			}
		}
	}
	// One record per payment, and one more for the late keys.
	deadline := time.After(30 * time.Second)
	for n := 0; n < len(carts)+1; n++ {
		select {
		case <-settled:
		case <-deadline:
			return errors.New("the orders were not settled within 30 s")
		}
	}
	var keys, refunds, mails int
	db.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM keys), (SELECT COUNT(*) FROM refunds), (SELECT COUNT(*) FROM outbox)").Scan(&keys, &refunds, &mails)
	fmt.Fprintf(out, "done: %d keys recorded, %d refund, %d e-mails queued in the outbox\n", keys, refunds, mails)
	if err := followUpsRun(ctx, db, client, srv, out, settled, renewed); err != nil {
		return err
	}
	if ui != nil {
		waitForOperator(ctx, ui, out)
	}
	return nil
}

// checkout records a payment and queues its order, in one transaction.
func checkout(ctx context.Context, db *sql.DB, client *river.Client[*sql.Tx], pon string, product nexway.ProductRef) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO payments (pon, amount_cents) VALUES (?, ?)", pon, 4999); err != nil {
		return err
	}
	if _, err := nexwayriver.EnqueueOrderTx(ctx, client, tx, &nexway.CreateOrderRequest{
		PartnerOrderNumber: pon,
		OrderDate:          time.Now(),
		Currency:           "EUR",
		Lines:              []nexway.OrderLineRequest{{ProductRef: product, Quantity: 1}},
		Customer: nexway.Customer{
			Email: "jane.doe@example.com", Language: "fr_FR", IPv4: "203.0.113.10",
			InvoiceLocation: nexway.Location{FirstName: "Jane", LastName: "Doe", Country: "FR"},
		},
		Payment: &nexway.Payment{Method: nexway.ExternalPayment},
	}); err != nil {
		return err
	}
	return tx.Commit()
}

// releaseWhenPending waits for Nexway to hold the order, then validates
// its payment, as Nexway's payment team would.
func releaseWhenPending(ctx context.Context, srv *nexwaytest.Server, out io.Writer, pon string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if o, ok := srv.Order(pon); ok && o.PendingCode != 0 {
			fmt.Fprintf(out, "nexway    %s: held for payment validation (%d), released\n", pon, o.PendingCode)
			return srv.Release(pon)
		}
		select {
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("%s was never held", pon)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// hooks records keys and refunds in the job's transaction, and queues the
// shopper's e-mail in an outbox table in the same transaction: the e-mail
// is sent by whatever reads the outbox (or a River job inserted here), never
// from the hook, which may run again before one of its runs commits.
func hooks(out io.Writer, settled chan<- string) nexwayriver.OrderHooks[*sql.Tx] {
	recordKeys := func(ctx context.Context, tx *sql.Tx, pon string, o *nexway.Order) (int, error) {
		n := 0
		for _, l := range o.Lines {
			for _, it := range l.Items {
				for _, s := range it.Serials {
					if _, err := tx.ExecContext(ctx, "INSERT INTO keys (pon, product, serial) VALUES (?, ?, ?)", pon, int(l.ProductRef), s.Data); err != nil {
						return n, err
					}
					n++
				}
			}
		}
		return n, nil
	}
	mail := func(ctx context.Context, tx *sql.Tx, pon, msg string) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO outbox (pon, message) VALUES (?, ?)", pon, msg)
		return err
	}
	return nexwayriver.OrderHooks[*sql.Tx]{
		OnOrder: func(ctx context.Context, tx *sql.Tx, ev *nexwayriver.OrderEvent) error {
			n, err := recordKeys(ctx, tx, ev.PartnerOrderNumber, ev.Order)
			if err != nil {
				return err
			}
			state := "all keys"
			if !ev.Complete {
				state = "keys still to come"
			}
			fmt.Fprintf(out, "worker    %s: Nexway order %d, %d key(s) recorded, %s\n", ev.PartnerOrderNumber, ev.Order.OrderNumber, n, state)
			settled <- ev.PartnerOrderNumber
			return mail(ctx, tx, ev.PartnerOrderNumber, "your order")
		},
		OnLateDelivery: func(ctx context.Context, tx *sql.Tx, ev *nexwayriver.OrderEvent) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM keys WHERE pon = ?", ev.PartnerOrderNumber); err != nil {
				return err
			}
			n, err := recordKeys(ctx, tx, ev.PartnerOrderNumber, ev.Order)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "worker    %s: late keys arrived, %d key(s) recorded\n", ev.PartnerOrderNumber, n)
			settled <- ev.PartnerOrderNumber
			return mail(ctx, tx, ev.PartnerOrderNumber, "your keys")
		},
		OnFailure: func(ctx context.Context, tx *sql.Tx, f *nexwayriver.OrderFailure) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO refunds (pon, reason) VALUES (?, ?)", f.PartnerOrderNumber, f.Err.Error()); err != nil {
				return err
			}
			fmt.Fprintf(out, "worker    %s: no order (%v): refund recorded\n", f.PartnerOrderNumber, f.Err)
			settled <- f.PartnerOrderNumber
			return mail(ctx, tx, f.PartnerOrderNumber, "your refund")
		},
	}
}
