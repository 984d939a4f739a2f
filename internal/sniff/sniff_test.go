package sniff

import (
	"bufio"
	"strings"
	"testing"
	"testing/iotest"
)

// PeekUntil stops at the first line end, even from a reader that gives one
// byte at a time, and consumes nothing.
func TestPeekUntil(t *testing.T) {
	br := bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader("Product ID,Name\n1,a\n")), 64)
	head, err := PeekUntil(br, HasLineEnd)
	if err != nil || string(head) != "Product ID,Name\n" {
		t.Fatalf("%q, %v", head, err)
	}
	if b, _ := br.ReadByte(); b != 'P' {
		t.Fatal("PeekUntil consumed input")
	}
	// A line longer than the buffer: the buffer, full.
	br = bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)), 16)
	if head, err := PeekUntil(br, HasLineEnd); err != nil || len(head) != 16 {
		t.Fatalf("%d bytes, %v", len(head), err)
	}
}

func TestEnoughAndIsHTML(t *testing.T) {
	for in, want := range map[string]bool{"\n\n  Product ID\n": true, "Product ID": false, strings.Repeat("a", 512): true} {
		if Enough([]byte(in)) != want {
			t.Errorf("Enough(%q) != %v", in, want)
		}
	}
	for in, want := range map[string]bool{"<!DOCTYPE html><p>x": true, " <html>": true, "Product ID\n": false, `<?xml version="1.0"?><products/>`: false} {
		if IsHTML([]byte(in)) != want {
			t.Errorf("IsHTML(%q) != %v", in, want)
		}
	}
}
