package nexwaytest

import (
	"go/ast"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// Every field of Server is either state, which adopt takes from the freshly
// built server, or named in resetKeeps: a field added later cannot be left
// out of Reset unnoticed.
func TestResetCoversEveryField(t *testing.T) {
	t.Parallel()
	adopted := map[string]bool{}
	for _, sf := range packageFiles(t) {
		for _, d := range sf.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "adopt" || fn.Recv == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				as, ok := n.(*ast.AssignStmt)
				if !ok {
					return true
				}
				for _, lhs := range as.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok {
						if x, ok := sel.X.(*ast.Ident); ok && x.Name == "s" {
							adopted[sel.Sel.Name] = true
						}
					}
				}
				return false
			})
		}
	}
	if len(adopted) == 0 {
		t.Fatal("adopt not found, or it assigns nothing")
	}
	typ := reflect.TypeFor[Server]()
	var missing, both []string
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		kept := slices.Contains(resetKeeps, name)
		switch {
		case kept && adopted[name]:
			both = append(both, name)
		case !kept && !adopted[name]:
			missing = append(missing, name)
		}
		delete(adopted, name)
	}
	for _, name := range resetKeeps {
		if _, ok := typ.FieldByName(name); !ok {
			t.Errorf("resetKeeps names %s, which Server does not have", name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("Server.%s is neither taken by adopt (reset.go) nor listed in resetKeeps", name)
	}
	for _, name := range both {
		t.Errorf("Server.%s is both kept and taken by adopt", name)
	}
	for name := range adopted {
		t.Errorf("adopt assigns s.%s, which is not a field of Server", name)
	}
}
