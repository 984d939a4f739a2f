package nexway

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Half of Nexway's answers are documented only from its older SOAP API, or
// not at all, so the client decodes in two steps. The fast path is
// encoding/json into the result types, whose fields have the documented
// JSON types. When it meets a value of another type, or the answer uses an
// alternative name a field lists in its `alt` tag, the lenient path decodes
// the answer again: every value that can be understood is converted to its
// field's type (a number sent as a string, a string sent as a number, a
// single object where a list was expected), alternative names are read,
// and what cannot be understood leaves its field zero, unless the field is
// essential (essential.go). Only an answer that is not JSON, whose
// envelope cannot be read, or whose essential value cannot be, fails.

// maxLenientDepth bounds the nesting the lenient path follows: a deeper
// answer fails. Nexway's answers nest about ten levels.
const maxLenientDepth = 100

var errLenientDepth = errors.New("answer nested deeper than " + strconv.Itoa(maxLenientDepth) + " levels")

// decodeJSON decodes data, a JSON object, into out, a pointer to a struct:
// fast, then leniently if needed, which it reports. It fails only when
// data is not a JSON object.
func decodeJSON(data []byte, out any) (lenient bool, err error) {
	data = skipBOM(data)
	err = json.Unmarshal(data, out)
	t := reflect.TypeOf(out)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false, err // the lenient path fills structs only
	}
	switch {
	case err == nil && !needsChecks(infoOf(t.Elem()), data):
		return false, nil
	case err != nil && !isTypeError(err) && !json.Valid(data):
		return false, err // not JSON, or a hostile nesting encoding/json refuses
	}
	// A type error, an alternative name, or a type of the caller's whose
	// UnmarshalJSON failed: decode again, leniently.
	return true, decodeLenient(data, out)
}

// needsChecks reports whether data, which the fast path decoded into a
// type described by ti, holds what only the lenient path reads as it
// must: an alternative or duplicated name, a negative number where an id
// may be, a string that may not be exact text where a key may be.
func needsChecks(ti *typeInfo, data []byte) bool {
	return (ti.ids && hasNegative(data)) || (ti.texts && suspectText(data)) || keysNeedLenient(data, ti.altNames)
}

// isTypeError reports a value of another type than its field's, apart
// from the fast path so that its error variable is allocated only then.
func isTypeError(err error) bool {
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &typeErr)
}

// codeReadable reports whether the responseCode of data, if it has one,
// is a number the lenient path could read: an envelope whose code cannot be
// read must not pass for a success.
func codeReadable(data []byte) bool {
	var env struct {
		Code json.RawMessage `json:"responseCode"`
	}
	if json.Unmarshal(skipBOM(data), &env) != nil {
		return false
	}
	if len(env.Code) == 0 || string(env.Code) == "null" {
		return true
	}
	text := string(env.Code)
	if env.Code[0] == '"' {
		if json.Unmarshal(env.Code, &text) != nil {
			return false
		}
	} else if env.Code[0] == '{' || env.Code[0] == '[' || env.Code[0] == 't' || env.Code[0] == 'f' {
		return false
	}
	_, ok := intOf(text)
	return ok
}

var errNotObject = errors.New("answer is not a JSON object")

// decodeLenient fills out afresh from data the lenient way.
func decodeLenient(data []byte, out any) error {
	s := &scanner{data: data}
	if s.peek() != '{' {
		return errNotObject
	}
	v := reflect.ValueOf(out).Elem()
	v.SetZero()
	_, err := s.value(v, false)
	return err
}

var nullLiteral = []byte("null")

// value decodes the next value into v as encoding/json would, converting
// a scalar of another type when it can and leaving v as it is when not,
// which it reports. quoted is the ",string" option of v's field.
func (s *scanner) value(v reflect.Value, quoted bool) (stored bool, err error) {
	c := s.peek()
	if c == 'n' {
		s.literal()
		setNull(v)
		return true, nil
	}
	if !v.CanSet() {
		_, err := s.skip()
		return false, err
	}
	if v.Kind() == reflect.Pointer {
		if s.pointers >= maxLenientDepth { // a type that points to itself
			_, err := s.skip()
			return false, err
		}
		s.pointers++
		defer func() { s.pointers-- }()
		if !v.IsNil() {
			return s.value(v.Elem(), quoted)
		}
		// Set only when something was stored: a price that cannot be
		// read stays nil, not a pointer to 0.
		p := reflect.New(v.Type().Elem())
		if stored, err = s.value(p.Elem(), quoted); stored {
			v.Set(p)
		}
		return stored, err
	}
	ti := infoOf(v.Type())
	switch {
	case ti.unmarshaler:
		// A type that decodes itself (Date, json.RawMessage, the
		// caller's) is as lenient as it is: a failure leaves it as it is.
		raw, err := s.skip()
		if err != nil {
			return false, err
		}
		return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw) == nil, nil
	case ti.textUnmarshaler:
		if c == '{' || c == '[' {
			_, err := s.skip() // as encoding/json: a text is a scalar
			return false, err
		}
		text, err := s.scalarText()
		if err != nil {
			return false, err
		}
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(text) == nil, nil
	case v.Kind() == reflect.Interface:
		raw, err := s.skip()
		if err != nil || v.NumMethod() != 0 {
			return false, err
		}
		return json.Unmarshal(raw, v.Addr().Interface()) == nil, nil
	}
	switch c {
	case '{', '[':
		if s.depth >= maxLenientDepth {
			return false, errLenientDepth
		}
		s.depth++
		defer func() { s.depth-- }()
		if c == '{' {
			return true, s.object(v, ti)
		}
		return true, s.array(v)
	case '"':
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return s.base64(v)
		}
		text, err := s.strBytes()
		if err != nil {
			return false, err
		}
		if quoted {
			return storeQuoted(v, text), nil
		}
		return storeScalar(v, text, true), nil
	}
	return storeScalar(v, s.literal(), false), nil
}

// setNull stores null as encoding/json does: nil for a pointer; a type
// that decodes itself decodes it; nil for a map, slice or interface;
// anything else stays as it is.
func setNull(v reflect.Value) {
	switch {
	case !v.CanSet():
	case v.Kind() == reflect.Pointer:
		v.SetZero()
	case infoOf(v.Type()).unmarshaler:
		_ = v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(nullLiteral)
	case v.Kind() == reflect.Map || v.Kind() == reflect.Slice || v.Kind() == reflect.Interface:
		v.SetZero()
	}
}

// scalarText reads a string's text, or a number's or a boolean's as
// written; an object or array gives nil.
func (s *scanner) scalarText() ([]byte, error) {
	switch s.peek() {
	case '"':
		return s.strBytes()
	case '{', '[':
		_, err := s.skip()
		return nil, err
	}
	return s.literal(), nil
}

// object decodes an object into a struct or a map, or into a slice as
// its one element (converters from XML often send one element where a
// list was expected); into anything else it is skipped.
func (s *scanner) object(v reflect.Value, ti *typeInfo) error {
	switch v.Kind() {
	case reflect.Struct:
		return s.structObject(v, ti)
	case reflect.Map:
		return s.mapObject(v)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			break
		}
		e := reflect.New(v.Type().Elem()).Elem()
		if _, err := s.value(e, false); err != nil {
			return err
		}
		one := reflect.MakeSlice(v.Type(), 1, 1)
		one.Index(0).Set(e)
		v.Set(one)
		return nil
	}
	_, err := s.skip()
	return err
}

// structObject decodes an object's members into the fields they name, in
// the object's order, exactly then regardless of case, as encoding/json
// does. A field missing under its own name is read under its first-listed
// alternative name present: a better name met later decodes the field
// afresh, so that every value is read once.
func (s *scanner) structObject(v reflect.Value, ti *typeInfo) error {
	const unset, own = math.MaxInt, -1
	var from []int // per field: own, the rank of the alternative it came under, or unset
	if len(ti.altExact) > 0 {
		from = make([]int, len(ti.fields))
		for i := range from {
			from[i] = unset
		}
	}
	var seen []bool // per field, for one that is or holds an essential value: met already
	if ti.essential {
		seen = make([]bool, len(ti.fields))
	}
	return s.members(func(key []byte) error {
		rank := own
		i, ok := ti.exact[string(key)]
		if !ok {
			var arr [32]byte
			i, ok = ti.folded[string(appendFolded(arr[:0], key))]
		}
		if !ok && from != nil {
			var ref altRef
			if ref, ok = ti.altExact[string(key)]; !ok {
				var arr [32]byte
				ref, ok = ti.altFolded[string(appendFolded(arr[:0], key))]
			}
			i, rank = ref.field, ref.rank
		}
		if !ok {
			_, err := s.skip()
			return err
		}
		f := &ti.fields[i]
		field, settable := fieldOf(v, f.index)
		if settable && seen != nil && (f.need != needNone || holdsEssential(field.Type())) {
			if seen[i] {
				return s.again(field, f)
			}
			seen[i] = true
		}
		afresh := false
		if from != nil {
			switch prev := from[i]; {
			case rank != own && prev <= rank: // the field has a better source
				settable = false
			case prev != unset && prev != rank:
				afresh = true
			}
		}
		if !settable {
			_, err := s.skip()
			return err
		}
		if f.need != needNone && !s.readable(field, f.need) {
			return &essentialError{field: f.name}
		}
		if afresh {
			field.SetZero()
		}
		if from != nil {
			from[i] = rank
		}
		_, err := s.value(field, f.quoted)
		return err
	})
}

// again reads a second value for an essential field, or one holding
// essential values, met already in the same object (under its name in
// another spelling, or an alternative name): the same value is no news;
// another one makes the field unreadable, as no reading of the answer is
// more right than the other.
func (s *scanner) again(field reflect.Value, f *lenientField) error {
	if f.need != needNone && !s.readable(field, f.need) {
		return &essentialError{field: f.name}
	}
	twin := reflect.New(field.Type()).Elem()
	if _, err := s.value(twin, f.quoted); err != nil {
		return err
	}
	if !reflect.DeepEqual(twin.Interface(), field.Interface()) {
		return &essentialError{field: f.name}
	}
	return nil
}

// fieldOf finds the field at index in v, allocating embedded pointers as
// encoding/json does; false when one cannot be set (an embedded pointer
// to an unexported struct).
func fieldOf(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return v, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// mapObject decodes an object into a map whose keys encoding/json can
// read; a key that does not fit is skipped with its value.
func (s *scanner) mapObject(v reflect.Value) error {
	t := v.Type()
	kt := t.Key()
	textKey := reflect.PointerTo(kt).Implements(textUnmarshalerType)
	switch kt.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !textKey {
			_, err := s.skip()
			return err
		}
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	elem := reflect.New(t.Elem()).Elem()
	return s.members(func(key []byte) error {
		kv, ok := mapKey(kt, textKey, key)
		if !ok {
			_, err := s.skip()
			return err
		}
		elem.SetZero()
		if _, err := s.value(elem, false); err != nil {
			return err
		}
		v.SetMapIndex(kv, elem)
		return nil
	})
}

// mapKey reads a map key as encoding/json does.
func mapKey(kt reflect.Type, textKey bool, key []byte) (reflect.Value, bool) {
	if textKey {
		kv := reflect.New(kt)
		if kv.Interface().(encoding.TextUnmarshaler).UnmarshalText(key) != nil {
			return kv, false
		}
		return kv.Elem(), true
	}
	kv := reflect.New(kt).Elem()
	switch kt.Kind() {
	case reflect.String:
		kv.SetString(string(key))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(string(key), 10, 64)
		if err != nil || kv.OverflowInt(n) {
			return kv, false
		}
		kv.SetInt(n)
	default:
		n, err := strconv.ParseUint(string(key), 10, 64)
		if err != nil || kv.OverflowUint(n) {
			return kv, false
		}
		kv.SetUint(n)
	}
	return kv, true
}

// array decodes an array into a slice or an array as encoding/json does;
// into anything else it is skipped.
func (s *scanner) array(v reflect.Value) error {
	k := v.Kind()
	if k != reflect.Slice && k != reflect.Array {
		_, err := s.skip()
		return err
	}
	n := 0
	err := s.elements(func(i int) error {
		n = i + 1
		if k == reflect.Slice {
			if i >= v.Cap() {
				v.Grow(1)
			}
			if i >= v.Len() {
				v.SetLen(i + 1)
			}
		}
		if i >= v.Len() {
			_, err := s.skip() // beyond a fixed array
			return err
		}
		_, err := s.value(v.Index(i), false)
		return err
	})
	if err != nil {
		return err
	}
	if n < v.Len() {
		if k == reflect.Array {
			for i := n; i < v.Len(); i++ {
				v.Index(i).SetZero()
			}
		} else {
			v.SetLen(n)
		}
	}
	if n == 0 && k == reflect.Slice {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	return nil
}

// base64 decodes a string into a []byte as encoding/json does.
func (s *scanner) base64(v reflect.Value) (bool, error) {
	text, err := s.strBytes()
	if err != nil {
		return false, err
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(b, text)
	if err != nil {
		return false, nil
	}
	v.SetBytes(b[:n])
	return true, nil
}

// storeQuoted stores the text of a ",string" field: JSON inside a string.
func storeQuoted(v reflect.Value, text []byte) bool {
	if string(text) == "null" {
		return false
	}
	if v.Kind() == reflect.String && len(text) > 0 && text[0] == '"' {
		var inner string
		if json.Unmarshal(text, &inner) == nil {
			v.SetString(inner)
			return true
		}
	}
	return storeScalar(v, text, true)
}

// storeScalar stores a string's text (str) or a literal's in v, converted
// to v's kind when it can be: a number sent as a string, a string sent as
// a number; a value that cannot be converted leaves v as it is.
func storeScalar(v reflect.Value, text []byte, str bool) bool {
	if !str && (string(text) == "true" || string(text) == "false") {
		switch {
		case v.Kind() == reflect.Bool:
			v.SetBool(text[0] == 't')
		case v.Kind() == reflect.String && v.Type() != numberType:
			v.SetString(string(text))
		default:
			return false
		}
		return true
	}
	switch v.Kind() {
	case reflect.Bool:
		b, ok := boolOf(string(text), str)
		if ok {
			v.SetBool(b)
		}
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := intOf(string(text))
		if ok = ok && !v.OverflowInt(n); ok {
			v.SetInt(n)
		}
		return ok
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := uintOf(string(text))
		if ok = ok && !v.OverflowUint(n); ok {
			v.SetUint(n)
		}
		return ok
	case reflect.Float32, reflect.Float64:
		f, ok := floatOf(string(text), str, v.Type().Bits())
		if ok = ok && !v.OverflowFloat(f); ok {
			v.SetFloat(f)
		}
		return ok
	case reflect.String:
		if v.Type() == numberType && !validNumber(string(text)) {
			return false
		}
		v.SetString(string(text))
		return true
	}
	return false
}

var numberType = reflect.TypeFor[json.Number]()

func validNumber(s string) bool {
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil && s != ""
}

// intOf reads an integer from a number or a string of one (surrounding
// spaces allowed), or an integral float in either.
func intOf(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if !decimal(s) {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// decimal reports whether s holds only what a decimal number is written
// with: strconv would also read hexadecimal ("0x3E8p0"), "Inf" and
// underscores, which no JSON sender means as a number.
func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}

// uintOf is intOf for unsigned integers.
func uintOf(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if !decimal(s) {
		return 0, false
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= math.MaxUint64 {
		return 0, false
	}
	return uint64(f), true
}

// floatOf reads a finite number of bits bits from a number or a string of
// one; a decimal comma is accepted in a string without a dot ("19,99").
func floatOf(s string, str bool, bits int) (float64, bool) {
	if str {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
			s = strings.Replace(s, ",", ".", 1)
		}
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// boolOf reads a boolean from a number (0 is false) or a string of true,
// false or their strconv forms.
func boolOf(s string, str bool) (bool, bool) {
	if !str {
		return s != "0", true
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return b, err == nil
}
