package nexwaytest

import (
	"strings"
	"testing"
)

func TestAddKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.s.AddKeys(733562, "RR-1", "RR-2"); err != nil {
		t.Fatal(err)
	}
	if e.s.KeysLeft(733562) != 2 {
		t.Fatalf("KeysLeft = %d", e.s.KeysLeft(733562))
	}
	for _, tc := range []struct {
		name string
		ref  int
		keys []string
		want string
	}{
		{"unknown product", 1, []string{"X"}, "unknown product"},
		{"real-time product", 733552, []string{"X"}, "real time"},
		{"empty key", 733562, []string{"RR-3", " "}, "empty"},
		{"duplicate in call", 733562, []string{"RR-3", "RR-3"}, "duplicate"},
		{"duplicate in pool", 733562, []string{"RR-1"}, "duplicate"},
		{"duplicate across pools", 733558, []string{"RR-2"}, "duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.s.KeysLeft(tc.ref)
			err := e.s.AddKeys(tc.ref, tc.keys...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if e.s.KeysLeft(tc.ref) != before {
				t.Fatal("a failed AddKeys added keys")
			}
		})
	}
	// Keys leave in load order.
	m := e.create(sampleOrder("RR", line(733562, 2)), 0)
	if got := serials(t, m)[0]; len(got) != 2 || got[0] != "RR-1" || got[1] != "RR-2" {
		t.Fatalf("serials = %v", got)
	}
	e.create(sampleOrder("RR2", line(733562, 1)), 1044)
}

func TestLoadKeysCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	csv := "productRef,licenseKey\n733562,RR-A\n\n 733562 , RR-B \n733551,NAP-CSV-1\n"
	if err := e.s.LoadKeysCSV(strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	if e.s.KeysLeft(733562) != 2 || e.s.KeysLeft(733551) != 51 {
		t.Fatalf("KeysLeft 733562=%d 733551=%d", e.s.KeysLeft(733562), e.s.KeysLeft(733551))
	}
	// Without a header.
	if err := e.s.LoadKeysCSV(strings.NewReader("733562,RR-C\n")); err != nil {
		t.Fatal(err)
	}
	m := e.create(sampleOrder("CSV", line(733562, 3)), 0)
	if got := serials(t, m)[0]; strings.Join(got, " ") != "RR-A RR-B RR-C" {
		t.Fatalf("serials = %v", got)
	}

	for _, tc := range []struct {
		name, csv, want string
	}{
		{"unknown product", "733562,OK-1\n1,X\n", "line 2: unknown product 1"},
		{"bad ref", "ref,key\n733562,OK-1\nabc,X\n", "line 3: invalid productRef"},
		{"negative ref", "733562,OK-1\n-5,X\n", "line 2: invalid productRef"},
		{"three fields", "733562,OK-1,extra\n", "line 1: want 2 fields"},
		{"one field", "733562,OK-1\n733562\n", "line 2: want 2 fields"},
		{"empty key", "733562,OK-1\n\n733562,  \n", "line 3: empty key"},
		{"duplicate in file", "733562,OK-1\n733562,OK-1\n", "line 2: duplicate"},
		{"duplicate loaded", "733562,RR-A\n", "line 1: duplicate"},
		{"real-time", "733552,X\n", "line 1: product 733552 is fulfilled in real time"},
		{"bad quoting", "733562,\"OK\n", "keys CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.s.KeysLeft(733562)
			err := e.s.LoadKeysCSV(strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if e.s.KeysLeft(733562) != before {
				t.Fatal("a failed load added keys")
			}
		})
	}
}

func TestSeedDefaultsKeys(t *testing.T) {
	t.Parallel()
	a, b := newUnstarted(config{seed: 3}), newUnstarted(config{seed: 3})
	for _, s := range []*Server{a, b} {
		if err := s.seedDefaults(); err != nil {
			t.Fatal(err)
		}
	}
	if a.KeysLeft(733551) != 50 || a.KeysLeft(733558) != 5 || a.KeysLeft(733562) != 0 {
		t.Fatalf("pools: %d %d %d", a.KeysLeft(733551), a.KeysLeft(733558), a.KeysLeft(733562))
	}
	if strings.Join(a.pools[733551].avail, ",") != strings.Join(b.pools[733551].avail, ",") {
		t.Error("same seed gave different keys")
	}
	c := newUnstarted(config{seed: 4})
	if err := c.seedDefaults(); err != nil {
		t.Fatal(err)
	}
	if a.pools[733551].avail[0] == c.pools[733551].avail[0] {
		t.Error("different seeds gave the same first key")
	}
	for _, k := range a.pools[733551].avail {
		if len(k) != len("NAP-XXXX-XXXX-XXXX") || !strings.HasPrefix(k, "NAP-") {
			t.Errorf("key %q", k)
		}
	}
	if err := a.seedDefaults(); err == nil {
		t.Error("second seedDefaults succeeded")
	}
}
