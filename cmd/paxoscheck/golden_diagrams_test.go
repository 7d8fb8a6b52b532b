package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpscenario"
	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// TestDiagramGoldens pins the text and Mermaid diagrams of every named
// scenario and every checked-in counterexample (issue 6): a change to the
// renderers, the scenarios or the counterexamples shows up as a diff here.
// Rewrite with: go test ./cmd/paxoscheck -run TestDiagramGoldens -args -update
func TestDiagramGoldens(t *testing.T) {
	type item struct {
		name          string
		text, mermaid func(w *bytes.Buffer) error
	}
	var items []item
	paxosItem := func(name string, tr paxostrace.Trace) item {
		return item{name, func(w *bytes.Buffer) error { return paxostrace.RenderText(w, &tr, paxostrace.TextOptions{}) },
			func(w *bytes.Buffer) error { return paxostrace.RenderMermaid(w, &tr) }}
	}
	mpItem := func(name string, tr mptrace.Trace) item {
		return item{name, func(w *bytes.Buffer) error { return mptrace.RenderText(w, &tr, mptrace.TextOptions{}) },
			func(w *bytes.Buffer) error { return mptrace.RenderMermaid(w, &tr) }}
	}
	for _, sc := range scenario.All {
		tr, err := sc.Run()
		if err != nil {
			t.Fatalf("scenario %s: %v", sc.Name, err)
		}
		items = append(items, paxosItem("scenario-"+sc.Name, tr))
	}
	for _, sc := range mpscenario.All {
		tr, err := sc.Run()
		if err != nil {
			t.Fatalf("scenario %s: %v", sc.Name, err)
		}
		items = append(items, mpItem("multipaxos-scenario-"+sc.Name, tr))
	}
	mpFiles, err := filepath.Glob("../../traces/counterexamples/multipaxos/*.jsonl")
	if err != nil || len(mpFiles) == 0 {
		t.Fatalf("no Multi-Paxos counterexamples found (%v)", err)
	}
	for _, f := range mpFiles {
		tr, err := mptrace.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, mpItem("multipaxos-cex-"+strings.TrimSuffix(filepath.Base(f), ".jsonl"), tr))
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
		items = append(items, paxosItem("cex-"+strings.TrimSuffix(filepath.Base(f), ".jsonl"), tr))
	}
	for _, it := range items {
		t.Run(it.name, func(t *testing.T) {
			var txt, mmd bytes.Buffer
			if err := it.text(&txt); err != nil {
				t.Fatal(err)
			}
			if err := it.mermaid(&mmd); err != nil {
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
