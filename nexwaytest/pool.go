package nexwaytest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// pool is a batch product's license keys, which Nexway's license key
// provider hands out one per unit
// (https://apidoc.nexway.store/docs/guides/fulfillment-principles). Keys
// leave the pool in the order they were loaded. A cancelled order's keys
// are not returned, as Nexway counts them as cancelled; a rejected pending
// order's keys are, since they were never delivered.
type pool struct {
	avail []string
}

// draw takes the next key, or "" when the pool is empty.
func (p *pool) draw() string {
	if len(p.avail) == 0 {
		return ""
	}
	k := p.avail[0]
	p.avail = p.avail[1:]
	return k
}

// giveBack returns undelivered keys to the front of the pool, in order.
func (p *pool) giveBack(keys []string) {
	if len(keys) == 0 {
		return
	}
	p.avail = append(append([]string(nil), keys...), p.avail...)
}

// Stock levels of productStatus[].status
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-stock-status).
const (
	stockEnough = 100
	stockLow    = 200
	stockOut    = 300
)

// stockLevelLocked is a product's stock status. Only serial products
// fulfilled from a batch pool can run out: real-time publishers and
// download-only or physical products always report enough stock
// [inference: nothing public says how Nexway derives the level].
func (s *Server) stockLevelLocked(p *Product) int {
	if p.Fulfillment != FulfillBatch || !p.Delivery.serial() {
		return stockEnough
	}
	left := len(s.pools[p.Ref].avail)
	switch {
	case left == 0:
		return stockOut
	case left <= p.LowStockThreshold:
		return stockLow
	}
	return stockEnough
}

// AddKeys loads license keys into a batch product's pool, after the keys
// already there: orders draw them in that order, one per unit. It fails,
// adding nothing, on an unknown or real-time product, an empty key, or a
// key already loaded for any product (or twice in the call); the error
// gives the key's position, never the key.
func (s *Server) AddKeys(ref int, keys ...string) error {
	rows := make([]keyRow, len(keys))
	for i, k := range keys {
		rows[i] = keyRow{ref: ref, key: k, where: fmt.Sprintf("add keys: key %d", i+1)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addKeysLocked(rows)
}

// keyRow is a key to load and where it came from, for error messages.
type keyRow struct {
	ref   int
	key   string
	where string
}

// addKeysLocked checks every row against the store, then adds them all, or
// none.
func (s *Server) addKeysLocked(rows []keyRow) error {
	seen := make(map[string]bool, len(rows))
	for _, rw := range rows {
		p := s.products[rw.ref]
		switch {
		case p == nil:
			return fmt.Errorf("nexwaytest: %s: unknown product %d", rw.where, rw.ref)
		case p.Fulfillment != FulfillBatch:
			return fmt.Errorf("nexwaytest: %s: product %d is fulfilled in real time", rw.where, rw.ref)
		case strings.TrimSpace(rw.key) == "":
			return fmt.Errorf("nexwaytest: %s: empty key", rw.where)
		case seen[rw.key] || s.keyOwner[rw.key] != 0:
			return fmt.Errorf("nexwaytest: %s: duplicate key", rw.where)
		}
		seen[rw.key] = true
	}
	for _, rw := range rows {
		s.keyOwner[rw.key] = rw.ref
		s.pools[rw.ref].avail = append(s.pools[rw.ref].avail, rw.key)
	}
	return nil
}

// LoadKeysCSV loads keys from CSV rows "productRef,licenseKey". A first row
// whose first field is not a number is taken as a header; blank lines are
// skipped; fields are trimmed. The whole file is checked before any key is
// added, and errors name the line (Nexway does not publish the layout of
// its own key files, so this is the plainest plausible one).
func (s *Server) LoadKeysCSV(r io.Reader) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows []keyRow
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("nexwaytest: keys CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		refText := strings.TrimSpace(rec[0])
		ref, convErr := strconv.Atoi(refText)
		if first {
			first = false
			if convErr != nil {
				continue // header row
			}
		}
		if len(rec) != 2 {
			return fmt.Errorf("nexwaytest: keys CSV line %d: want 2 fields (productRef,licenseKey), got %d", line, len(rec))
		}
		if convErr != nil || ref <= 0 {
			return fmt.Errorf("nexwaytest: keys CSV line %d: invalid productRef %q", line, refText)
		}
		rows = append(rows, keyRow{ref: ref, key: strings.TrimSpace(rec[1]), where: fmt.Sprintf("keys CSV line %d", line)})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addKeysLocked(rows)
}

// KeysLeft returns how many keys a product's pool still holds (0 for an
// unknown product). Keys of a pending order are out of the pool until
// Reject gives them back.
func (s *Server) KeysLeft(ref int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pools[ref]; p != nil {
		return len(p.avail)
	}
	return 0
}
