package paxostrace_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

var update = flag.Bool("update", false, "rewrite golden files and the fuzz seed corpus")

// render draws tr in one of the formats "text", "ascii", "mermaid".
func render(w io.Writer, tr *paxostrace.Trace, format string) error {
	switch format {
	case "text":
		return paxostrace.RenderText(w, tr, paxostrace.TextOptions{})
	case "ascii":
		return paxostrace.RenderText(w, tr, paxostrace.TextOptions{ASCII: true})
	case "mermaid":
		return paxostrace.RenderMermaid(w, tr)
	}
	return fmt.Errorf("unknown format %q", format)
}

// script records a trace step by step: each call finds the first enabled
// action matching kind, node (-1: any) and message type (0: any), in the
// world's deterministic action order, applies it and checks every
// invariant; the first violation goes into the header.
type script struct {
	t   *testing.T
	s   world.Setup
	r   *world.Recorder
	vio *paxostrace.Violation
}

func newScript(t *testing.T, s world.Setup) *script {
	r, err := world.NewRecorder(&s)
	if err != nil {
		t.Fatal(err)
	}
	sc := &script{t: t, s: s, r: r}
	sc.r.Setup = &sc.s
	return sc
}

func (sc *script) do(kind world.ActionKind, node int, typ paxos.MsgType) bool {
	sc.t.Helper()
	for _, a := range sc.r.State.Actions(&sc.s, nil) {
		if a.Kind == kind && (node < 0 || int(a.Node) == node) && (typ == 0 || a.Msg.Type == typ) {
			if _, err := sc.r.Apply(a); err != nil {
				sc.t.Fatal(err)
			}
			if v := invariant.CheckWorld(&sc.s, &sc.r.State, len(sc.r.Steps)); v != nil && sc.vio == nil {
				sc.vio = &paxostrace.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
			}
			return true
		}
	}
	return false
}

func (sc *script) must(kind world.ActionKind, node int, typ paxos.MsgType) {
	sc.t.Helper()
	if !sc.do(kind, node, typ) {
		sc.t.Fatalf("step %d: no %s at node %d of type %s enabled", len(sc.r.Steps)+1, kind, node, typ)
	}
}

// deliverAll delivers messages, first in the world's order, until none is
// left to deliver.
func (sc *script) deliverAll() {
	for sc.do(world.ActDeliver, -1, 0) {
	}
}

func (sc *script) trace() paxostrace.Trace {
	tr := sc.r.Trace("test")
	tr.Header.Violation = sc.vio
	return tr
}

// goldenTraces are the deterministic traces the renderers are tested on.
func goldenTraces(t *testing.T) map[string]paxostrace.Trace {
	out := map[string]paxostrace.Trace{}

	// normal: one client, one proposer, no faults.
	sc := newScript(t, world.DefaultSetup())
	sc.must(world.ActInvoke, 3, 0)
	sc.must(world.ActTimeout, 3, 0)
	sc.deliverAll()
	out["normal"] = sc.trace()

	// faults: a duplicated 1a, a dropped 1a, an acceptor that crashes
	// after promising and restarts from its durable promise, and a
	// crash in the middle of handling a 2a.
	s := world.DefaultSetup()
	s.Budget = world.Budget{Drops: 1, Dups: 1, Crashes: 2}
	s.MidStepCrash = true
	sc = newScript(t, s)
	sc.must(world.ActInvoke, 3, 0)
	sc.must(world.ActTimeout, 3, 0)
	sc.must(world.ActDuplicate, 1, paxos.Msg1a)
	sc.must(world.ActDrop, 2, paxos.Msg1a)
	sc.must(world.ActDeliver, 0, paxos.Msg1a)
	sc.must(world.ActCrash, 0, 0)
	sc.must(world.ActDeliver, 1, paxos.Msg1a)
	sc.must(world.ActRestart, 0, 0)
	sc.must(world.ActDeliver, 1, paxos.Msg1a) // the duplicate
	sc.must(world.ActDeliver, 3, paxos.Msg1b)
	sc.must(world.ActDeliver, 3, paxos.Msg1b)
	sc.must(world.ActCrashMidStep, 0, paxos.Msg2a)
	sc.must(world.ActRestart, 0, 0)
	sc.deliverAll()
	out["faults"] = sc.trace()

	// skip-prepare: two proposers each send 2a without phase 1, and
	// acceptors vote for both values: a safety invariant fails.
	s = world.DefaultSetup()
	s.Config.Bugs = paxos.Bugs(paxos.BugSkipPrepare)
	sc = newScript(t, s)
	sc.must(world.ActInvoke, 3, 0)
	sc.must(world.ActTimeout, 3, 0)
	sc.must(world.ActInvoke, 4, 0)
	sc.must(world.ActTimeout, 4, 0)
	sc.deliverAll()
	if sc.vio == nil {
		t.Fatal("skip-prepare script: no violation found")
	}
	out["skip-prepare"] = sc.trace()
	return out
}

// TestRenderGolden compares the diagrams of the golden traces with
// testdata/render; -update rewrites them (and the traces themselves).
func TestRenderGolden(t *testing.T) {
	for name, tr := range goldenTraces(t) {
		tr := tr
		var jb bytes.Buffer
		if err := paxostrace.Write(&jb, tr); err != nil {
			t.Fatal(err)
		}
		check(t, filepath.Join("testdata", "render", name+".jsonl"), jb.Bytes())
		for format, ext := range map[string]string{"text": ".txt", "ascii": ".ascii.txt", "mermaid": ".mmd"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := render(&b, &tr, format); err != nil {
					t.Fatal(err)
				}
				check(t, filepath.Join("testdata", "render", name+ext), b.Bytes())
			})
		}
	}
}

func check(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./traces/paxostrace -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test ./traces/paxostrace -update and review the diff):\n--- got\n%s", path, got)
	}
}

// TestRenderMarks: each mark the diagram promises appears for the step
// that needs it, and the ASCII diagram is pure ASCII.
func TestRenderMarks(t *testing.T) {
	all := goldenTraces(t)
	cases := []struct {
		name, trace, format string
		want                []string
	}{
		{"invoke arrow and return", "normal", "text", []string{"├──────────────►", "Invoke C0→P3 propose x", "return C0 x", "LEARNED x"}},
		{"node header", "normal", "text", []string{"C0   C1   A0   A1   A2   P3   P4   L5"}},
		{"1b with no vote", "normal", "text", []string{"1b b=1.0 vbal=-"}},
		{"2a contents", "normal", "text", []string{"2a b=1.0 v=x"}},
		{"drop and duplicate", "faults", "text", []string{"✗", "DROPPED", "»", "DUPLICATED as #"}},
		{"crash and restart", "faults", "text", []string{"Crash A0 CRASHED", "Restart A0 RESTARTED from durable maxBal=1.0", "┆", "↺", "while handling"}},
		{"violation", "skip-prepare", "text", []string{"!! %INV% violated after this step", "VIOLATION: %INV% violated after step %STEP%"}},
		{"ascii marks", "faults", "ascii", []string{"DROPPED", "Crash A0 CRASHED", "->"}},
		{"mermaid", "faults", "mermaid", []string{"sequenceDiagram", "participant A0 as A0 (acceptor)", "P3-xA2:", "-)", "P3->>A0: #35;1 1a b=1.0"}},
		{"mermaid violation", "skip-prepare", "mermaid", []string{"Note over C0,L5: VIOLATION: %INV% violated after step %STEP%"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := all[c.trace]
			var b bytes.Buffer
			if err := render(&b, &tr, c.format); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if v := tr.Header.Violation; v != nil {
					w = strings.NewReplacer("%INV%", v.Invariant, "%STEP%", fmt.Sprint(v.Step)).Replace(w)
				}
				if !strings.Contains(b.String(), w) {
					t.Errorf("%s output lacks %q:\n%s", c.format, w, b.String())
				}
			}
			if c.format == "ascii" {
				for i, r := range b.String() {
					if r > 127 {
						t.Fatalf("non-ASCII %q at byte %d", r, i)
					}
				}
			}
		})
	}
	// Without a violation in the header, no violation is drawn.
	tr := all["normal"]
	var b bytes.Buffer
	if err := paxostrace.RenderText(&b, &tr, paxostrace.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "VIOLATION") {
		t.Error("violation drawn for a trace without one")
	}
}

// TestRenderRejectsMalformed: renderers validate, never draw garbage.
func TestRenderRejectsMalformed(t *testing.T) {
	tr := goldenTraces(t)["normal"]
	tr.Steps[2].Msg.ID = 999
	for _, f := range []string{"text", "mermaid"} {
		if err := render(io.Discard, &tr, f); err == nil {
			t.Errorf("%s: rendered a trace consuming a message never sent", f)
		}
	}
}
