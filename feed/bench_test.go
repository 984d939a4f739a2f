package feed

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"github.com/nexway-go/nexway/internal/sniff"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway/internal/feedgen"
)

// The feed benchmarks decode generated feeds of about 1 KB a row (long
// descriptions with commas, quotes and line breaks) from a file, so that
// generating them is not timed, and compare Decode with the floor:
// encoding/csv reading the same bytes through the same 64 KiB buffer,
// reusing its record, with no mapping. By default they decode 10,000 rows
// (a 10 MB temporary file), so that `go test -bench .` stays cheap; the
// README's figures come from
//
//	go test -run '^$' -bench 'Feed/paired' -benchtime 5s -count 3 -cpu 1 . -feed.rows=10000,100000,1000000
//	go test -run '^$' -bench 'Feed' -benchmem -benchtime 3x -count 3 -cpu 1 . -feed.rows=10000,100000,1000000
//
// which write one feed at a time to a temporary directory, up to 1.1 GB
// (the 1,000,000 rows), and remove each once its benchmarks are done.
// (-cpu 1: on a busy machine a collector short of CPU lets garbage pile
// up, which makes the peak heap vary from run to run.)
// MB/s is the file's size over the time. peak-heap-MiB is the largest heap
// in use (objects, garbage not yet collected, free space in spans) sampled
// every MiB of input; retained-heap-MiB is what a collection forced half-way
// through the first run leaves, the memory decoding holds. Both include the
// test binary's own heap, about 1.3 MiB.
var feedRowsFlag = flag.String("feed.rows", "10000", "comma-separated sizes of the feeds BenchmarkFeed decodes (the README's: 10000,100000,1000000)")

// maxSideRows is the largest feed the XML and Compare benchmarks read:
// they are slower, and their figures do not change with the size.
const maxSideRows = 100_000

// feedSizes parses -feed.rows.
func feedSizes(b *testing.B) []int {
	var sizes []int
	for f := range strings.SplitSeq(*feedRowsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("-feed.rows: %q is not a positive number of rows", f)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// lazyFeed is a generated feed written to a file the first time a
// benchmark asks for it, so that feeds no selected benchmark reads are
// never written.
type lazyFeed struct {
	cfg  feedgen.Config
	dir  string
	path string
}

func (l *lazyFeed) file(b *testing.B) feedFile {
	if l.path == "" {
		p := filepath.Join(l.dir, fmt.Sprint(l.cfg.Count, "-", l.cfg.Format))
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		_, err = feedgen.New(l.cfg).WriteTo(w)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(p)
			b.Fatal(err)
		}
		l.path = p
	}
	return feedFile{l.path, l.cfg.Count}
}

// remove deletes the file, if it was written.
func (l *lazyFeed) remove(b *testing.B) {
	if l.path == "" {
		return
	}
	if err := os.Remove(l.path); err != nil {
		b.Fatal(err)
	}
	l.path = ""
}

// heapSampler records the peak heap while the reader it wraps is read,
// and the retained heap half-way through the first file it reads.
type heapSampler struct {
	r              io.Reader
	n, next, half  int64
	samples        []metrics.Sample
	peak, retained uint64
}

func newHeapSampler() *heapSampler {
	return &heapSampler{samples: []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
	}}
}

func (h *heapSampler) report(b *testing.B) {
	b.ReportMetric(float64(h.peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(h.retained)/(1<<20), "retained-heap-MiB")
}

func (h *heapSampler) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.n += int64(n); h.n >= h.next {
		h.next = h.n + 1<<20
		h.sample()
	}
	if h.retained == 0 && h.half > 0 && h.n >= h.half {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.retained = m.HeapAlloc
	}
	return n, err
}

func (h *heapSampler) sample() {
	metrics.Read(h.samples)
	h.peak = max(h.peak, h.samples[0].Value.Uint64()+h.samples[1].Value.Uint64())
}

// feedFile is a generated feed on disk.
type feedFile struct {
	path string
	rows int
}

// readFile runs decode on the file and returns the bytes read.
func readFile(b *testing.B, file feedFile, h *heapSampler, decode func(io.Reader) int) int64 {
	f, err := os.Open(file.path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		h.half = st.Size() / 2
	}
	h.r, h.n, h.next = f, 0, 0
	n := decode(h)
	h.sample()
	if n != file.rows {
		b.Fatalf("%d products, want %d", n, file.rows)
	}
	return h.n
}

func decodeNexway(r io.Reader) int {
	n := 0
	for _, err := range Decode(r, nil) {
		if err != nil {
			panic(err)
		}
		n++
	}
	return n
}

func decodeFloor(r io.Reader) int {
	cr := csv.NewReader(bufio.NewReaderSize(r, sniff.BufferSize))
	cr.ReuseRecord = true
	n := -1 // the header
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return n
		}
		if err != nil {
			panic(err)
		}
		n++
	}
}

func BenchmarkFeed(b *testing.B) {
	dir := b.TempDir()
	run := func(b *testing.B, file feedFile, decode func(io.Reader) int) {
		h := newHeapSampler()
		runtime.GC()
		var n int64
		for b.Loop() {
			n = readFile(b, file, h, decode)
		}
		b.SetBytes(n)
		h.report(b)
	}
	for _, rows := range feedSizes(b) {
		csvFeed := &lazyFeed{cfg: feedgen.Config{Count: rows, Seed: 1}, dir: dir}
		b.Run(fmt.Sprintf("decode/rows=%d", rows), func(b *testing.B) { run(b, csvFeed.file(b), decodeNexway) })
		b.Run(fmt.Sprintf("floor/rows=%d", rows), func(b *testing.B) { run(b, csvFeed.file(b), decodeFloor) })
		b.Run(fmt.Sprintf("paired/rows=%d", rows), func(b *testing.B) { benchPaired(b, csvFeed.file(b)) })
		if rows <= maxSideRows {
			b.Run(fmt.Sprintf("compare/rows=%d", rows), func(b *testing.B) { benchCompare(b, csvFeed.file(b), run) })
		}
		csvFeed.remove(b)
		if rows <= maxSideRows {
			xmlFeed := &lazyFeed{cfg: feedgen.Config{Count: rows, Seed: 1, Format: feedgen.XML}, dir: dir}
			b.Run(fmt.Sprintf("xml/rows=%d", rows), func(b *testing.B) { run(b, xmlFeed.file(b), decodeNexway) })
			xmlFeed.remove(b)
		}
	}
}

// benchPaired gives the ratio: both decoders in turns in one loop, the
// first alternating, so that the machine's drift weighs on both alike.
// cpu-ratio compares the CPU time the process spent, which waiting for a
// shared CPU does not inflate.
func benchPaired(b *testing.B, f feedFile) {
	h := newHeapSampler()
	var wall, cpu [2]time.Duration // ours, the floor's
	var n int64
	i := 0
	for b.Loop() {
		for k := range 2 {
			which := (i + k) % 2
			decode := decodeNexway
			if which == 1 {
				decode = decodeFloor
			}
			start, startCPU := time.Now(), cpuTime()
			n = readFile(b, f, h, decode)
			wall[which] += time.Since(start)
			cpu[which] += cpuTime() - startCPU
		}
		i++
	}
	b.SetBytes(2 * n)
	b.ReportMetric(float64(n)*float64(i)/wall[0].Seconds()/1e6, "decode-MB/s")
	b.ReportMetric(float64(n)*float64(i)/wall[1].Seconds()/1e6, "floor-MB/s")
	b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), "ratio")
	if cpu[1] > 0 {
		b.ReportMetric(cpu[0].Seconds()/cpu[1].Seconds(), "cpu-ratio")
	}
}

// benchCompare compares a snapshot with its own index: decoding plus
// hashing.
func benchCompare(b *testing.B, feed feedFile, run func(*testing.B, feedFile, func(io.Reader) int)) {
	f, err := os.Open(feed.path)
	if err != nil {
		b.Fatal(err)
	}
	old, err := BuildIndex(Decode(f, nil))
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	run(b, feed, func(r io.Reader) int {
		n := 0
		counted := func(yield func(Product, error) bool) {
			for p, err := range Decode(r, nil) {
				n++
				if !yield(p, err) {
					return
				}
			}
		}
		for ch, err := range old.Compare(counted, nil) {
			if err != nil || ch.Kind != 0 {
				panic(fmt.Sprint("a change in the same feed: ", ch.Kind, err))
			}
		}
		return n
	})
}
