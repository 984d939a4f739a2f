package nexwayriver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/riverqueue/river"
	"golang.org/x/time/rate"
)

// subscriptionReadWorker reads a batch of subscriptions, fetches the
// renewal orders of the new generations, and in the transaction that
// completes the job records what it read and runs OnRenewal.
type subscriptionReadWorker[TTx any] struct {
	river.WorkerDefaults[subscriptionReadArgs]
	cfg     Config[TTx]
	limiter nexway.RateLimiter
}

// sweepLimiter paces the sweep's requests: Subscriptions.Limiter, or its
// Share of AccountRate.
func sweepLimiter[TTx any](c Config[TTx]) nexway.RateLimiter {
	if l := c.Subscriptions.Limiter; l != nil {
		return l
	}
	// A burst of one: the reads come evenly, never in a clump that would
	// take the tokens a checkout is about to need.
	return rate.NewLimiter(rate.Limit(c.Subscriptions.Share*c.Subscriptions.AccountRate), 1)
}

func (w *subscriptionReadWorker[TTx]) NextRetry(job *river.Job[subscriptionReadArgs]) time.Time {
	return time.Now().Add(w.cfg.Retry.retryAfter(job.Attempt))
}

// readResult is what one subscription's read found.
type readResult struct {
	ref      subRef
	known    bool // the row exists
	old      int  // the generation recorded before the read
	state    subscriptionState
	sub      *nexway.Subscription
	renewals []renewal // generations old+1... whose orders were answered
	err      error     // the read failed; it is tried again at the next slot
}

// renewal is what Nexway answered for one renewal order: the order, or
// its rejection.
type renewal struct {
	order *nexway.Order
	err   error // matches nexway.ErrOrderRejected
}

func (w *subscriptionReadWorker[TTx]) Work(ctx context.Context, job *river.Job[subscriptionReadArgs]) error {
	if job.Args.problem != nil {
		// Its subscriptions are planned again once their rows are three
		// cadences past due, as for a lost job.
		return river.JobCancel(job.Args.problem)
	}
	res := make([]readResult, len(job.Args.Subs))
	at := make(map[subRef]int, len(res))
	var where []string
	var args []any
	for i, ref := range job.Args.Subs {
		res[i].ref, at[ref] = ref, i
		where = append(where, "(partner_order_number = ? AND subscription_id = ?)")
		args = append(args, ref.PartnerOrderNumber, ref.SubscriptionID)
	}
	if len(res) == 0 {
		return nil
	}
	if err := w.cfg.DB.inTx(ctx, func(tx TTx) error {
		return w.cfg.DB.query(ctx, tx, `SELECT partner_order_number, subscription_id, generation, status, expires_on, phase
			FROM nexway_subscriptions WHERE `+strings.Join(where, " OR "), args,
			func(r rows) error {
				var ref subRef
				var st subscriptionState
				var gen int
				var status, expires string
				if err := r.Scan(&ref.PartnerOrderNumber, &ref.SubscriptionID, &gen, &status, &expires, &st.phase); err != nil {
					return err
				}
				i, ok := at[ref]
				if !ok {
					return nil
				}
				st.status = nexway.SubscriptionStatus(status)
				st.expires, _ = nexway.ParseDate(expires) // "" (never read) stays zero
				res[i].known, res[i].old, res[i].state = true, gen, st
				return nil
			})
	}); err != nil {
		return fmt.Errorf("nexwayriver: read subscriptions: %w", err)
	}
	for i := range res {
		if res[i].known {
			w.read(ctx, &res[i])
		}
	}
	return w.cfg.DB.inTx(ctx, func(tx TTx) error {
		for i := range res {
			if res[i].known {
				if err := w.settle(ctx, tx, job.ID, &res[i]); err != nil {
					return err
				}
			}
		}
		return complete(ctx, tx, job)
	})
}

// read reads a subscription's status and the orders of its new
// generations, at the sweep's pace. A failure is kept on r, not returned:
// one subscription Nexway cannot answer for must not hold up the batch.
func (w *subscriptionReadWorker[TTx]) read(ctx context.Context, r *readResult) {
	c := w.cfg.Nexway
	if r.err = w.limiter.Wait(ctx); r.err != nil {
		return
	}
	r.sub, r.err = c.Subscriptions.Status(ctx, r.ref.PartnerOrderNumber, nexway.SubscriptionID(r.ref.SubscriptionID))
	if r.err != nil {
		return
	}
	for g := r.old + 1; g <= r.sub.Generation; g++ {
		if r.err = w.limiter.Wait(ctx); r.err != nil {
			return
		}
		number := nexway.RenewalOrderNumber(r.ref.PartnerOrderNumber, g)
		o, err := c.Orders.Get(ctx, number)
		if err == nil && o.PartnerOrderNumber != number {
			// What is handed to OnRenewal is what was asked for: another
			// generation's order would run the hook twice for one order.
			err = fmt.Errorf("nexwayriver: renewal %d of order %s: Nexway answered with order %q", g, r.ref.PartnerOrderNumber, o.PartnerOrderNumber)
		}
		if errors.Is(err, nexway.ErrOrderRejected) {
			// Nexway cancelled the renewal before it was read: it still
			// ends in its OnRenewal, with the rejection, so that the shop
			// refunds it, and the later generations are not held behind it.
			r.renewals = append(r.renewals, renewal{err: err})
			continue
		}
		if err != nil {
			// The generations fetched so far are settled; the rest wait
			// for the next read, at the near cadence.
			r.err = err
			return
		}
		r.renewals = append(r.renewals, renewal{order: o})
	}
}

// settle records the read and runs OnRenewal for each renewal fetched. The
// update only applies when the generation recorded is still the one read
// before the call, so that of two jobs that read the same renewal (a
// lost job planned again) only one runs the hook.
func (w *subscriptionReadWorker[TTx]) settle(ctx context.Context, tx TTx, jobID int64, r *readResult) error {
	f := &w.cfg.Subscriptions
	st, gen, lastErr := r.state, r.old, ""
	if r.sub != nil {
		if r.sub.Status != "" { // unreadable: keep the last one
			st.status = r.sub.Status
		}
		if !r.sub.ExpirationDate.IsZero() { // missing: keep the last one
			st.expires = r.sub.ExpirationDate
		}
		gen = r.old + len(r.renewals)
	}
	next := f.nextReadOf(time.Now(), st)
	if r.err != nil {
		lastErr = errorText(r.err)
		if r.sub != nil || !errors.Is(r.err, nexway.ErrNotFound) {
			// Nexway unreachable or refusing, or a renewal order it does
			// not show yet (the status is there: the renewal is due):
			// try at the nearer cadence. Only a subscription not found
			// waits for the usual one.
			next = nextRead(time.Now(), st.phase, f.NearCadence)
		}
	}
	n, err := w.cfg.DB.exec(ctx, tx, `UPDATE nexway_subscriptions
		SET generation = ?, status = ?, expires_on = ?, next_read_ms = ?, queued = 0, reads = reads + 1, last_error = ?
		WHERE partner_order_number = ? AND subscription_id = ? AND generation = ?`,
		gen, string(st.status), dateText(st.expires), next.UnixMilli(), lastErr,
		r.ref.PartnerOrderNumber, r.ref.SubscriptionID, r.old)
	if err != nil {
		return fmt.Errorf("nexwayriver: record subscription %d of order %s: %w", r.ref.SubscriptionID, r.ref.PartnerOrderNumber, err)
	}
	if n == 0 {
		return nil // another job settled this generation first
	}
	for i, rn := range r.renewals {
		ev := &RenewalEvent{
			JobID: jobID, PartnerOrderNumber: r.ref.PartnerOrderNumber, SubscriptionID: nexway.SubscriptionID(r.ref.SubscriptionID),
			Generation: r.old + 1 + i, Order: rn.order, Complete: rn.order != nil && rn.order.Delivered(), Subscription: r.sub, Err: rn.err,
		}
		number := nexway.RenewalOrderNumber(ev.PartnerOrderNumber, ev.Generation)
		if err := hook(func() error { return f.OnRenewal(ctx, tx, ev) }, "OnRenewal", number); err != nil {
			return err
		}
		if rn.order != nil && !ev.Complete {
			client := river.ClientFromContext[TTx](ctx)
			args := renewalKeysArgs{PartnerOrderNumber: ev.PartnerOrderNumber, SubscriptionID: int64(ev.SubscriptionID), Generation: ev.Generation}
			if _, err := client.InsertTx(ctx, tx, args, nil); err != nil {
				return fmt.Errorf("nexwayriver: renewal %s: queue the wait for its keys: %w", number, err)
			}
		}
	}
	return nil
}

func dateText(d nexway.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// errorText is a failure as an operator reads it in the table; the
// client's errors hold no secret.
func errorText(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
