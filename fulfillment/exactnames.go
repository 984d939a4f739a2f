package fulfillment

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/nexway-go/nexway/internal/strictjson"
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkExactNames refuses a body that encoding/json would read into a
// value of type t otherwise than the signature's paths read it: by a
// member whose name equals a struct field's only under case folding (the
// paths match names exactly), or as a float64 that rounds the number's
// digits (the signature signs the digits). doc is the body's tree; types
// with their own UnmarshalJSON are taken as reading what they are given.
func checkExactNames(doc any, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		if n, ok := doc.(json.Number); ok {
			return checkFloat(n, t.Bits())
		}
	case reflect.Interface:
		return checkFloats(doc) // encoding/json makes float64s of numbers here
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil // a type mismatch, refused by the decoding itself
		}
		exact, folded := fieldsOf(t)
		for name, v := range obj {
			if ft, ok := exact[name]; ok {
				if err := checkExactNames(v, ft); err != nil {
					return err
				}
			} else if field, ok := folded[strictjson.Fold(name)]; ok {
				return errors.New("a member name differs from field " + field + " only by case")
			}
		}
	case reflect.Slice, reflect.Array:
		if list, ok := doc.([]any); ok {
			for _, v := range list {
				if err := checkExactNames(v, t.Elem()); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if obj, ok := doc.(map[string]any); ok {
			for _, v := range obj {
				if err := checkExactNames(v, t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkFloat refuses a number that a float of bits would round: its
// digits, in plain decimal, differ from the float's.
func checkFloat(n json.Number, bits int) error {
	f, err := strconv.ParseFloat(string(n), bits)
	if err != nil {
		return nil // out of range: refused by the decoding itself
	}
	if canonicalNumber(strconv.FormatFloat(f, 'f', -1, bits)) != canonicalNumber(string(n)) {
		return errors.New("a number has more digits than a float holds")
	}
	return nil
}

// checkFloats applies checkFloat to every number in doc.
func checkFloats(doc any) error {
	switch v := doc.(type) {
	case json.Number:
		return checkFloat(v, 64)
	case map[string]any:
		for _, x := range v {
			if err := checkFloats(x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := checkFloats(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// structNames are a struct type's JSON names, exact and folded.
type structNames struct {
	exact  map[string]reflect.Type
	folded map[string]string // Fold(name) → name
}

// namesCache holds the structNames of each type met, computed once.
var namesCache sync.Map // reflect.Type → structNames

// fieldsOf returns t's JSON names, exact (to their types) and folded (to
// the exact name).
func fieldsOf(t reflect.Type) (map[string]reflect.Type, map[string]string) {
	if n, ok := namesCache.Load(t); ok {
		return n.(structNames).exact, n.(structNames).folded
	}
	n := structNames{exact: map[string]reflect.Type{}, folded: map[string]string{}}
	structFields(t, n.exact, 0)
	for name := range n.exact {
		n.folded[strictjson.Fold(name)] = name
	}
	namesCache.Store(t, n)
	return n.exact, n.folded
}

// structFields collects the JSON names of t's fields as encoding/json
// sees them: the tag's name or the field's, "-" left out, untagged
// embedded structs flattened.
func structFields(t reflect.Type, into map[string]reflect.Type, depth int) {
	if depth > 8 {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				structFields(ft, into, depth+1)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, taken := into[name]; !taken {
			into[name] = f.Type
		}
	}
}
