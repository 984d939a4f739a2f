package feed

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/internal/sniff"
)

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
	for {
		src.mark = d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			yield(Product{}, xmlError(d, err, charset))
			return
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "product" {
			continue
		}
		line, _ := d.InputPos()
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
		p, ferr := x.product(line)
		if ferr != nil {
			if !yield(p, ferr) {
				return
			}
			continue
		}
		if !yield(p, nil) {
			return
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
func (x *xmlProduct) product(line int) (Product, *Error) {
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
	if !ok || id <= 0 {
		if p.Extra == nil {
			p.Extra = map[string]string{}
		}
		p.Extra["id"] = x.ID
		return p, rowError(line, "id", "not a product id (a positive integer)")
	}
	p.ProductRef = nexway.ProductRef(id)
	return p, nil
}
