package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	nexwayriver "github.com/nexway-go/nexway/river"
	"github.com/riverqueue/river"
)

// monthlyBackup is the fake's monthly subscription.
const monthlyBackup = 733570

// followUps are the subscription follow-up and the daily catalog import:
// each renewal's keys and each batch of catalog changes recorded in the
// transaction that completes its job. The cadence is seconds here; Nexway
// recommends reading each subscription every 4 hours (the default).
func followUps(srv *nexwaytest.Server, out io.Writer, renewed chan<- string) (nexwayriver.SubscriptionFollowUp[*sql.Tx], nexwayriver.CatalogImport[*sql.Tx]) {
	subs := nexwayriver.SubscriptionFollowUp[*sql.Tx]{
		OnRenewal: func(ctx context.Context, tx *sql.Tx, ev *nexwayriver.RenewalEvent) error {
			if ev.Err != nil { // Nexway rejected the renewal order: no keys, a refund owed
				fmt.Fprintf(out, "sweep     %s: renewal %d rejected: %v\n", ev.PartnerOrderNumber, ev.Generation, ev.Err)
				return nil
			}
			for _, l := range ev.Order.Lines {
				for _, it := range l.Items {
					for _, s := range it.Serials {
						if _, err := tx.ExecContext(ctx, "INSERT INTO keys (pon, product, serial) VALUES (?, ?, ?)", ev.Order.PartnerOrderNumber, int(l.ProductRef), s.Data); err != nil {
							return err
						}
					}
				}
			}
			fmt.Fprintf(out, "sweep     %s: renewed (generation %d), order %s, new key recorded\n", ev.PartnerOrderNumber, ev.Generation, ev.Order.PartnerOrderNumber)
			renewed <- ev.Order.PartnerOrderNumber
			return nil
		},
		Cadence: time.Second, NearCadence: 250 * time.Millisecond, Tick: 100 * time.Millisecond,
		Clock: srv.Now, // expiration dates are on the fake's clock
	}
	catalog := nexwayriver.CatalogImport[*sql.Tx]{
		Feeds: []nexwayriver.CatalogFeed{{Name: "main", Query: &nexway.FeedQuery{
			Secret: nexwaytest.Secret, Provider: nexwaytest.FeedProvider, Config: nexwaytest.FeedConfig,
		}}},
		OnChanges: func(ctx context.Context, tx *sql.Tx, b *nexwayriver.CatalogBatch) error {
			for _, ch := range b.Changes {
				if _, err := tx.ExecContext(ctx, "INSERT INTO catalog (ref, change) VALUES (?, ?)", int64(ch.Ref), ch.Kind.String()); err != nil {
					return err
				}
			}
			return nil
		},
	}
	return subs, catalog
}

// followUpsRun buys a monthly subscription, moves the fake's clock a month
// on and waits for the renewal, then imports the day's catalog.
func followUpsRun(ctx context.Context, db *sql.DB, client *river.Client[*sql.Tx], srv *nexwaytest.Server, out io.Writer, settled, renewed <-chan string) error {
	const pon = "SHOP-1005"
	if err := checkout(ctx, db, client, pon, monthlyBackup); err != nil {
		return err
	}
	fmt.Fprintf(out, "checkout  %s: a monthly subscription\n", pon)
	if err := await(settled, "the subscription's order"); err != nil {
		return err
	}
	srv.Advance(31 * 24 * time.Hour)
	fmt.Fprintln(out, "nexway    a month passes: the subscription renews at Nexway")
	if err := await(renewed, "the renewal"); err != nil {
		return err
	}

	today := nexway.DateOf(time.Now().UTC())
	if _, err := nexwayriver.EnqueueCatalogImport(ctx, client, "main", today, false); err != nil {
		return err
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		var state string
		var added, changed, withdrawn int
		err := db.QueryRowContext(ctx, "SELECT state, added, changed, withdrawn FROM nexway_catalog_runs WHERE feed = 'main' AND day = ?",
			today.String()).Scan(&state, &added, &changed, &withdrawn)
		if err == nil {
			var n int
			db.QueryRowContext(ctx, "SELECT COUNT(*) FROM catalog").Scan(&n)
			fmt.Fprintf(out, "catalog   %s: the day's feed %s: %d added, %d changed, %d withdrawn; %d rows in the shop's catalog\n",
				today, state, added, changed, withdrawn, n)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		select {
		case <-tick.C:
		case <-deadline:
			return errors.New("the catalog was not imported within 30 s")
		}
	}
}

func await(ch <-chan string, what string) error {
	select {
	case <-ch:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s did not come within 30 s", what)
	}
}
