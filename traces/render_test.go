package traces_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces"
)

// toyDiagram is a diagram of no protocol in particular: a client asks a
// pinger, which pings a ponger, a crash, the pong dropped, a violation.
func toyDiagram() *traces.Diagram {
	return &traces.Diagram{
		Summary: "toy: 2 nodes",
		Lanes:   []traces.Lane{{Name: "C0", What: "client"}, {Name: "N1", What: "pinger"}, {Name: "N2", What: "ponger"}},
		Rows: []traces.Row{
			{Step: 1, Text: "ask", Mark: traces.MarkInvoke, From: 0, Lane: 1, Label: "ask",
				Arrows: []traces.Arrow{{From: 1, To: 2, Label: "#1 ping"}}},
			{Step: 2, Text: "N2 crashes", Mark: traces.MarkCrash, Lane: 2},
			{Step: 3, Text: "N2 back", Mark: traces.MarkRestart, Lane: 2,
				Arrows: []traces.Arrow{{From: 2, To: 0, Label: "return C0 pong", Reply: true, Brief: "return pong"}}},
		},
		Violation:     &traces.Violation{Invariant: "Toy", Step: 2},
		ViolationText: "VIOLATION: Toy → after step 2",
	}
}

// TestRenderText: lanes, marks, arrows and the violation rows, in order;
// ASCII mode uses no box-drawing glyph.
func TestRenderText(t *testing.T) {
	var b bytes.Buffer
	if err := traces.RenderText(&b, toyDiagram(), traces.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	want := []string{"toy: 2 nodes", "step  C0   N1   N2", "1   ├────►    │    ask", "├────►    #1 ping", "✗    N2 crashes",
		"┆    !! Toy violated after this step", "↺    N2 back", "◄─────────┤    return C0 pong", "VIOLATION: Toy → after step 2"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d %q lacks %q", i+1, lines[i], w)
		}
	}
	b.Reset()
	if err := traces.RenderText(&b, toyDiagram(), traces.TextOptions{ASCII: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range b.String() {
		if r > 127 {
			t.Fatalf("ASCII diagram has %q:\n%s", r, b.String())
		}
	}
}

// TestRenderMermaid: participants, notes, the reply's brief label.
func TestRenderMermaid(t *testing.T) {
	var b bytes.Buffer
	if err := traces.RenderMermaid(&b, toyDiagram()); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"sequenceDiagram\n", "participant N1 as N1 (pinger)", "Note over C0,N1: 1 ask", "C0->>N1: ask",
		"N1->>N2: #35;1 ping", "Note over C0,N2: VIOLATION", "N2-->>C0: return pong"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("no %q in:\n%s", w, b.String())
		}
	}
}
