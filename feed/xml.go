package feed

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/internal/sniff"
)

// maxXMLDepth bounds the nesting of the elements around the products: a
// feed has a root and perhaps groups in it.
const maxXMLDepth = 64

// xmlProduct is a product element as far as Nexway's sources show it:
// an id attribute, name, publisher, description per format and language,
// drm and deliveryMode/digitalLocker. The rest is in Inner.
type xmlProduct struct {
	ID            string           `xml:"id,attr"`
	Name          string           `xml:"name"`
	Publisher     string           `xml:"publisher"`
	Descriptions  []xmlDescription `xml:"description"`
	DRM           string           `xml:"drm"`
	DigitalLocker string           `xml:"deliveryMode>digitalLocker"`
	Inner         []byte           `xml:",innerxml"`
}

type xmlDescription struct {
	Format   string `xml:"format,attr"`
	Language string `xml:"language,attr"`
	Text     string `xml:",chardata"`
}

// decodeXML yields every product element, at any depth, in document order.
// Nexway documents the product element but not the root, so a document is
// taken for a feed when it has product elements, or none under a root
// named products (an empty feed); an XHTML page, an error element outside
// a product (error, errors, fault, exception) or a document without
// products under another root is ErrInvalidFeed: what a proxy or a feed
// host in trouble serves must not read as a catalog without products.
func decodeXML(src *countingReader, br *bufio.Reader, o *Options, yield func(Product, error) bool) {
	d := xml.NewDecoder(br)
	d.Entity = xml.HTMLEntity // descriptions may use &nbsp; and the like
	var charset error
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if o.Charset != nil {
			return in, nil // already converted to UTF-8
		}
		charset = errors.New("the feed is in charset " + strconv.Quote(label) + ": set Options.Charset")
		return nil, charset
	}
	// What the buffer holds ahead comes on top of the element.
	src.limit = int64(o.MaxRecordSize) + sniff.BufferSize
	root, products, depth := "", 0, 0
	for {
		src.mark = d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			if products == 0 && !strings.EqualFold(root, "products") {
				yield(Product{}, invalidFeed(0, errors.New("an XML document without product elements, not a feed")))
			}
			return
		}
		if err != nil {
			yield(Product{}, xmlError(d, err, charset))
			return
		}
		var start xml.StartElement
		switch t := tok.(type) {
		case xml.StartElement:
			start = t
		case xml.EndElement:
			depth--
			continue
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				line, _ := d.InputPos()
				yield(Product{}, invalidFeed(line, errors.New("text outside the root element, not an XML document")))
				return
			}
			continue
		default:
			continue
		}
		line, _ := d.InputPos()
		name := start.Name.Local
		if depth == 0 && root != "" {
			// A second root: two documents, or a page appended to one.
			yield(Product{}, invalidFeed(line, errors.New("an element after the root element, not an XML document")))
			return
		}
		if name != "product" {
			depth++ // a product element is decoded whole below
			if depth > maxXMLDepth {
				// The parser keeps every open element: nesting without
				// end would take memory without bound.
				yield(Product{}, invalidFeed(line, errors.New("elements nested deeper than "+strconv.Itoa(maxXMLDepth)+" outside a product")))
				return
			}
		}
		if root == "" {
			root = name
			if strings.EqualFold(name, "html") {
				yield(Product{}, invalidFeed(line, errors.New("an XHTML page, not a feed")))
				return
			}
		}
		if name != "product" {
			switch strings.ToLower(name) {
			case "error", "errors", "fault", "exception":
				yield(Product{}, &Error{Line: line, Column: name, kind: ErrInvalidFeed,
					Err: errors.New("an error element, not a feed")})
				return
			}
			continue
		}
		products++
		begin := d.InputOffset()
		var x xmlProduct
		if err := d.DecodeElement(&x, &start); err != nil {
			yield(Product{}, xmlError(d, err, charset))
			return
		}
		if d.InputOffset()-begin > int64(o.MaxRecordSize) {
			yield(Product{}, invalidFeed(line, errRecordTooLarge))
			return
		}
		ids := 0
		for _, a := range start.Attr {
			if a.Name.Local == "id" {
				ids++
			}
		}
		p, ferr := x.product(line, ids)
		if ferr != nil {
			ferr.Ref = p.ProductRef
			if !yield(p, ferr) {
				return
			}
		} else if !yield(p, nil) {
			return
		}
		if !nestedProducts(x.Inner, line, yield) {
			return
		}
	}
}

// nestedProducts yields a row error, with its ref when it has one, for
// each product element inside another one (related products, perhaps):
// whether such a product is on sale is unknown, but it must not be taken
// for withdrawn. It reports false when the loop stopped.
func nestedProducts(inner []byte, line int, yield func(Product, error) bool) bool {
	if !bytes.Contains(inner, []byte("<product")) && !bytes.Contains(inner, []byte(":product")) {
		return true
	}
	d := xml.NewDecoder(bytes.NewReader(inner))
	d.Strict = false // the outer element was well-formed; entities stay text
	for {
		tok, err := d.Token()
		if err != nil {
			return true
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "product" {
			continue
		}
		at, _ := d.InputPos()
		at += line - 1
		var ref nexway.ProductRef
		ids := 0
		for _, a := range start.Attr {
			if a.Name.Local == "id" {
				ids++
				ref = readRef(a.Value)
			}
		}
		if ids != 1 {
			ref = 0
		}
		e := rowError(at, "product", "a product element inside another one")
		e.Ref = ref
		if !yield(Product{Line: at, ProductRef: ref}, e) {
			return false
		}
	}
}

// xmlError tells a malformed or oversized feed from a failing reader.
// charset is the error of an unknown charset, when that was the cause.
func xmlError(d *xml.Decoder, err, charset error) error {
	line, _ := d.InputPos()
	var syntax *xml.SyntaxError
	var unmarshal xml.UnmarshalError
	switch {
	case errors.As(err, &syntax):
		return invalidFeed(syntax.Line, errors.New("XML: "+syntax.Msg))
	case charset != nil:
		return invalidFeed(line, charset)
	case errors.Is(err, errRecordTooLarge), errors.As(err, &unmarshal):
		return invalidFeed(line, err)
	}
	return ioError(line, err)
}

// product maps the element. Text is trimmed, as pretty-printed XML puts
// line breaks around it; languages are upper-cased.
// ids is the number of id attributes of the element: more than one makes
// the ref unreadable.
func (x *xmlProduct) product(line, ids int) (Product, *Error) {
	p := Product{
		Line:          line,
		Name:          strings.TrimSpace(x.Name),
		PublisherName: strings.TrimSpace(x.Publisher),
		DRM:           strings.TrimSpace(x.DRM),
		Raw:           x.Inner,
	}
	switch strings.TrimSpace(x.DigitalLocker) {
	case "1", "true", "TRUE", "True":
		p.DigitalLocker = true
	}
	for _, d := range x.Descriptions {
		lang := strings.ToUpper(strings.TrimSpace(d.Language))
		i := 0
		for i < len(p.Descriptions) && p.Descriptions[i].Language != lang {
			i++
		}
		if i == len(p.Descriptions) {
			p.Descriptions = append(p.Descriptions, Description{Language: lang})
			if lang != "" {
				p.Languages = append(p.Languages, lang)
			}
		}
		switch strings.ToLower(strings.TrimSpace(d.Format)) {
		case "short":
			p.Descriptions[i].Short = strings.TrimSpace(d.Text)
		case "long", "":
			p.Descriptions[i].Long = strings.TrimSpace(d.Text)
		}
	}
	id, ok := parseInt(x.ID)
	if !ok || id <= 0 || ids != 1 {
		if p.Extra == nil {
			p.Extra = map[string]string{}
		}
		p.Extra["id"] = x.ID
		return p, rowError(line, "id", "not a product id (a positive integer)")
	}
	p.ProductRef = nexway.ProductRef(id)
	return p, nil
}
