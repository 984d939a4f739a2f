package nexwayotel

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/nexway-go/nexway"
)

// Every sentinel of package nexway has a name, the snake case of its own,
// so that a sentinel added there is not reported as "_OTHER" here.
func TestKindsNameEverySentinel(t *testing.T) {
	files, err := filepath.Glob("../*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("package nexway's files: %v %v", files, err)
	}
	want := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, name := range spec.(*ast.ValueSpec).Names {
					if n, ok := strings.CutPrefix(name.Name, "Err"); ok && name.IsExported() {
						want[snake(n)] = true
					}
				}
			}
		}
	}
	if len(want) < 10 {
		t.Fatalf("found %d sentinels in package nexway", len(want))
	}
	got := map[string]bool{}
	seen := map[error]bool{}
	for _, k := range kinds {
		if got[k.name] || seen[k.err] {
			t.Errorf("%s (%v) listed twice", k.name, k.err)
		}
		got[k.name], seen[k.err] = true, true
		if !want[k.name] {
			t.Errorf("%s is not the name of a sentinel of package nexway", k.name)
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("the sentinel %s has no kind", name)
		}
	}
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func TestErrorKind(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("reading: %w", nexway.ErrNotFound), "not_found"},
		{nexway.ErrAmbiguous, "ambiguous"},
		{nexway.ErrRateLimited, "rate_limited"},
		{context.DeadlineExceeded, "timeout"},
		{fmt.Errorf("call: %w", context.Canceled), "canceled"},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, "connection"},
		{&net.DNSError{IsTimeout: true}, "timeout"},
		{io.ErrUnexpectedEOF, "connection"},
		{fmt.Errorf("read: %w", io.EOF), "connection"},
		{errors.New("something else"), "_OTHER"},
	} {
		if got := errorKind(tc.err); got != tc.want {
			t.Errorf("errorKind(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
