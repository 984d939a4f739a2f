package feedgen

import (
	"strconv"
	"unicode/utf8"
)

// The XML shape is what Nexway's public integrations read: a product
// element per product with its id as an attribute, name, publisher,
// description per format and language, drm and deliveryMode/digitalLocker.
// The other elements (prices, categories, operating systems) are this
// package's guess: Nexway documents no XML sample.
func (f *Feed) xmlProduct(p *Product) {
	b := append(f.buf, `<product id="`...)
	b = strconv.AppendInt(b, p.Ref, 10)
	b = append(b, "\">\n"...)
	b = xmlElem(b, "name", p.Name)
	b = append(b, `<publisher id="`...)
	b = strconv.AppendInt(b, p.PublisherID, 10)
	b = append(b, `">`...)
	b = xmlText(b, p.PublisherName)
	b = append(b, "</publisher>\n"...)
	for _, d := range [...]struct{ format, text string }{{"short", p.ShortDescription}, {"long", p.LongDescription}} {
		b = append(b, `<description format="`...)
		b = append(b, d.format...)
		b = append(b, `" language="`...)
		b = xmlText(b, p.Language)
		b = append(b, `">`...)
		b = xmlText(b, d.text)
		b = append(b, "</description>\n"...)
	}
	b = xmlElem(b, "version", p.Version)
	b = append(b, "<type>"...)
	b = strconv.AppendInt(b, int64(p.Type), 10)
	b = append(b, "</type>\n<price currency=\""...)
	b = xmlText(b, p.Currency)
	b = append(b, `">`...)
	b = appendAmount(b, p.Price, '.')
	b = append(b, "</price>\n<categories>"...)
	b = joinInts(b, p.Categories)
	b = append(b, "</categories>\n<os>"...)
	b = joinInts(b, p.OS)
	b = append(b, "</os>\n"...)
	if p.DRM != "" {
		b = xmlElem(b, "drm", p.DRM)
	}
	b = append(b, "<deliveryMode><digitalLocker>"...)
	if p.DigitalLocker {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	f.buf = append(b, "</digitalLocker></deliveryMode>\n</product>\n"...)
}

func xmlElem(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = xmlText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// xmlText appends s escaped for text or an attribute value. Characters
// XML 1.0 cannot carry become U+FFFD, as encoding/xml does.
func xmlText(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"':
			b = append(b, "&quot;"...)
		case r == '\'':
			b = append(b, "&apos;"...)
		case r < ' ' && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			b = utf8.AppendRune(b, utf8.RuneError)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}
