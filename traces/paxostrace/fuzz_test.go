package paxostrace_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// FuzzRead: Read never panics; it either rejects input with a
// line-numbered *ParseError or accepts a trace that writes back to a
// canonical form reading to the same trace, and that renders. Seeds are in
// testdata/fuzz/FuzzRead (valid traces and near-misses; regenerate with
// go test ./traces/paxostrace -run TestFuzzCorpus -update).
func FuzzRead(f *testing.F) {
	f.Add([]byte(baseText()))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := paxostrace.Read(bytes.NewReader(data))
		if err != nil {
			var pe *paxostrace.ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error without a line number: %v (%T)", err, err)
			}
			return
		}
		var b1 bytes.Buffer
		if err := paxostrace.Write(&b1, tr); err != nil {
			t.Fatalf("Read accepted a trace that Write refuses: %v", err)
		}
		tr2, err := paxostrace.Read(bytes.NewReader(b1.Bytes()))
		if err != nil {
			t.Fatalf("reading back what Write wrote: %v\n%s", err, b1.Bytes())
		}
		if d := cmp.Diff(tr, tr2, equate); d != "" {
			t.Fatalf("write/read changed the trace:\n%s", d)
		}
		var b2 bytes.Buffer
		if err := paxostrace.Write(&b2, tr2); err != nil || !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatalf("Write is not canonical (err %v)", err)
		}
		for _, format := range []string{"text", "ascii", "mermaid"} {
			var out bytes.Buffer
			if err := render(&out, &tr, format); err != nil {
				t.Fatalf("render %s of a valid trace: %v", format, err)
			}
		}
	})
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzRead in step with the code that
// makes it: recorded random walks and every malformed case. With -update
// it rewrites the corpus; without, it checks that the corpus exists.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	seeds := map[string][]byte{"base": []byte(baseText())}
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := faultySetup()
		tr := walk(t, &s, 40, rng.IntN)
		var b bytes.Buffer
		if err := paxostrace.Write(&b, tr); err != nil {
			t.Fatal(err)
		}
		seeds["walk-"+strconv.FormatUint(seed, 10)] = b.Bytes()
	}
	for i, c := range malformedCases {
		in, ok := c.edit(slicesClone(baseTrace))
		if ok {
			seeds[fmt.Sprintf("bad-%02d", i)] = []byte(in)
		}
	}
	for name, data := range seeds {
		path := filepath.Join(dir, name)
		want := []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is missing or stale (err %v); run go test ./traces/paxostrace -run TestFuzzCorpus -update", path, err)
		}
	}
}
