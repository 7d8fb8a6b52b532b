package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// TestDiagramGoldens pins the text and Mermaid diagrams of every named
// scenario and every checked-in counterexample (issue 6): a change to the
// renderers, the scenarios or the counterexamples shows up as a diff here.
// Rewrite with: go test ./cmd/paxoscheck -run TestDiagramGoldens -args -update
func TestDiagramGoldens(t *testing.T) {
	type item struct {
		name  string
		trace paxostrace.Trace
	}
	var items []item
	for _, sc := range scenario.All {
		tr, err := sc.Run()
		if err != nil {
			t.Fatalf("scenario %s: %v", sc.Name, err)
		}
		items = append(items, item{"scenario-" + sc.Name, tr})
	}
	files, err := filepath.Glob("../../traces/counterexamples/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no counterexamples found (%v)", err)
	}
	for _, f := range files {
		tr, err := paxostrace.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, item{"cex-" + strings.TrimSuffix(filepath.Base(f), ".jsonl"), tr})
	}
	for _, it := range items {
		t.Run(it.name, func(t *testing.T) {
			var txt, mmd bytes.Buffer
			if err := paxostrace.RenderText(&txt, &it.trace, paxostrace.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := paxostrace.RenderMermaid(&mmd, &it.trace); err != nil {
				t.Fatal(err)
			}
			for _, g := range []struct {
				ext string
				got []byte
			}{{".txt", txt.Bytes()}, {".mmd", mmd.Bytes()}} {
				path := filepath.Join("testdata", "diagrams", it.name+g.ext)
				if showUpdate() {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, g.got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -args -update to create it)", err)
				}
				if !bytes.Equal(want, g.got) {
					t.Errorf("%s differs from the rendered diagram (rerun with -args -update if the change is intended):\n%s", path, g.got)
				}
			}
		})
	}
}
