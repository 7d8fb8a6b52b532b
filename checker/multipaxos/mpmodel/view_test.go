package mpmodel

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/viewer"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// TestViewerPages: every checked-in counterexample makes a page that
// names the invariant it breaks (or, for the stale read, an illegal
// history), with slot-labelled messages.
func TestViewerPages(t *testing.T) {
	for _, c := range catalogue {
		path := filepath.Join(counterexampleDir, c.bug.String()+".jsonl")
		tr, err := mptrace.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := WriteHTML(&b, &tr, viewer.Options{Title: c.bug.String()}); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		page := b.String()
		want := `"name":"` + c.inv + `","ok":false`
		if c.inv == Linearizable {
			want = `"verdict":"illegal"`
		}
		if !strings.Contains(page, want) {
			t.Errorf("%s: the page lacks %s", path, want)
		}
		if !strings.Contains(page, " s1 ") && !strings.Contains(page, "s≥1") {
			t.Errorf("%s: no message on the page names its slot", path)
		}
	}
}
