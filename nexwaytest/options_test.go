package nexwaytest_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"golang.org/x/time/rate"
)

// An option refuses a value it cannot use, before anything listens, with
// the client's error type naming the option.
func TestOptionRefusesBadValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opt  nexwaytest.Option
		name string
	}{
		{nexwaytest.WithStartTime(time.Time{}), "WithStartTime"},
		{nexwaytest.WithEnforcedRateLimit(-1, 10), "WithEnforcedRateLimit"},
		{nexwaytest.WithEnforcedRateLimit(rate.Limit(math.NaN()), 10), "WithEnforcedRateLimit"},
		{nexwaytest.WithEnforcedRateLimit(rate.Inf, 10), "WithEnforcedRateLimit"},
		{nexwaytest.WithEnforcedRateLimit(10, 0), "WithEnforcedRateLimit"},
		{nexwaytest.WithAddr("no port"), "WithAddr"},
		{nexwaytest.WithAccount("", "shop", "cs"), "WithAccount"},
		{nexwaytest.WithAccount("s", "shop", ""), "WithAccount"},
		{nexwaytest.WithSetup(nil), "WithSetup"},
		{nil, "Option"},
	} {
		srv, err := nexwaytest.StartServer(nexwaytest.WithSeed(1), tc.opt)
		if err == nil {
			srv.Close()
			t.Errorf("%s: started", tc.name)
			continue
		}
		var ae *nexway.ArgumentError
		if !errors.As(err, &ae) || ae.Field != tc.name || !errors.Is(err, nexway.ErrInvalidArgument) {
			t.Errorf("%s: %v, want an *nexway.ArgumentError naming %s", tc.name, err, tc.name)
		}
	}
}

// NewServer fails the test with the option's refusal.
func TestNewServerFailsOnBadOption(t *testing.T) {
	t.Parallel()
	ft := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() { // Fatal ends the goroutine, as it ends a test
		defer close(done)
		nexwaytest.NewServer(ft, nexwaytest.WithEnforcedRateLimit(0, 1))
	}()
	<-done
	if !strings.Contains(ft.msg, "WithEnforcedRateLimit") {
		t.Errorf("NewServer told %q, want the refusal of WithEnforcedRateLimit", ft.msg)
	}
}

// fatalTB records what Fatal is told instead of failing the real test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

// The fake's clock starts at DefaultStartTime, or at WithStartTime's time;
// the default cannot be changed by a caller, as the variable it replaces
// could.
func TestStartTime(t *testing.T) {
	t.Parallel()
	if got := nexwaytest.NewServer(t).Now(); !got.Equal(nexwaytest.DefaultStartTime()) {
		t.Errorf("default start %v, want %v", got, nexwaytest.DefaultStartTime())
	}
	at := time.Date(2030, time.June, 1, 0, 0, 0, 0, time.UTC)
	if got := nexwaytest.NewServer(t, nexwaytest.WithStartTime(at)).Now(); !got.Equal(at) {
		t.Errorf("WithStartTime start %v, want %v", got, at)
	}
}

// The package exports no variable: its settings are options and its
// constants cannot be changed under other tests running in parallel.
func TestNoExportedVariables(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := gotoken.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != gotoken.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() {
						t.Errorf("exported variable %s: make it an option, a constant or a function", n.Name)
					}
				}
			}
		}
	}
}
