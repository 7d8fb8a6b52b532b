package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// The -update flag rewrites golden files and the generated testdata
// paxostrace. Registered only if another test file of the package has not
// already done so.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	normalTrace = "testdata/check/normal.jsonl"
	buggyTrace  = "testdata/check/skip-prepare.jsonl"
	buggySeed   = 5
)

// normalRun is a failure-free ballot with a duplicated 1a, an acceptor
// crash and restart, and a second client answered at once.
func normalRun(t *testing.T) paxostrace.Trace {
	s := world.DefaultSetup()
	s.Budget = world.Budget{Dups: 1, Crashes: 1}
	r, err := world.NewRecorder(&s)
	if err != nil {
		t.Fatal(err)
	}
	do := func(a world.Action) {
		t.Helper()
		if _, err := r.Apply(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	p := s.Config.Proposers[0]
	do(world.Action{Kind: world.ActInvoke, Node: p, Client: 0})
	do(world.Action{Kind: world.ActTimeout, Node: p})
	m := r.State.Net[0]
	do(world.Action{Kind: world.ActDuplicate, Node: m.To, Msg: m})
	do(world.Action{Kind: world.ActDeliver, Node: m.To, Msg: m})
	do(world.Action{Kind: world.ActCrash, Node: m.To})
	do(world.Action{Kind: world.ActRestart, Node: m.To})
	for len(r.State.Net) > 0 {
		m := r.State.Net[0]
		do(world.Action{Kind: world.ActDeliver, Node: m.To, Msg: m})
	}
	do(world.Action{Kind: world.ActInvoke, Node: s.Config.Proposers[1], Client: 1})
	return r.Trace("test")
}

// buggyRun is the first random walk (seed buggySeed) of skip-prepare with
// two learners in which the learners disagree (Agreement), cut after that
// step. Its header claims the first invariant the run broke, which is what
// check reports.
func buggyRun(t *testing.T) paxostrace.Trace {
	s := world.NewSetup(3, 2, 2, 2)
	s.Config.Bugs = paxos.Bugs(paxos.BugSkipPrepare)
	s.MaxRound = 2
	rng := rand.New(rand.NewPCG(buggySeed, 0))
	for run := 0; run < 10000; run++ {
		r, err := world.NewRecorder(&s)
		if err != nil {
			t.Fatal(err)
		}
		var buf []world.Action
		var first *invariant.Violation
		for i := 0; i < 40; i++ {
			buf = r.State.Actions(&s, buf[:0])
			if len(buf) == 0 {
				break
			}
			if _, err := r.Apply(buf[rng.IntN(len(buf))]); err != nil {
				t.Fatal(err)
			}
			if v := invariant.CheckWorld(&s, &r.State, i+1); v != nil && first == nil {
				first = v
			}
			if a := invariant.FromWorld(&s, &r.State); invariant.Agreement(&a) != nil {
				tr := r.Trace("test")
				tr.Header.Violation = &paxostrace.Violation{Invariant: first.Invariant, Step: first.Step, Detail: first.Detail}
				return tr
			}
		}
	}
	t.Fatalf("seed %d: no violation found", buggySeed)
	return paxostrace.Trace{}
}

// TestMain-free generation: with -update, the testdata traces are written
// from the runs above; without, the checked-in files are used, so that the
// reader and the checks are tested on files.
func TestGenerateTestdata(t *testing.T) {
	for path, gen := range map[string]func(*testing.T) paxostrace.Trace{normalTrace: normalRun, buggyTrace: buggyRun} {
		tr := gen(t)
		if updating() {
			if err := paxostrace.WriteFile(path, tr); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var b bytes.Buffer
		if err := paxostrace.Write(&b, tr); err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(old, b.Bytes()) {
			t.Errorf("%s is stale: the run that generates it changed; rerun with -update", path)
		}
	}
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestCheckCorrectTrace(t *testing.T) {
	code, out, errOut := runCLI("check", normalTrace)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "ok:") {
		t.Errorf("output %q lacks the ok verdict", out)
	}
}

func TestCheckBuggyTrace(t *testing.T) {
	tr, err := paxostrace.ReadFile(buggyTrace)
	if err != nil {
		t.Fatal(err)
	}
	want := tr.Header.Violation
	dir := t.TempDir()
	path := filepath.Join(dir, "bug.jsonl")
	if err := paxostrace.WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("check", path)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "VIOLATION: "+want.Invariant+" violated") || !strings.Contains(out, "confirmed") {
		t.Errorf("output does not name %s:\n%s", want.Invariant, out)
	}

	code, out, _ = runCLI("check", "--json", "--no-html", path)
	if code != exitViolation {
		t.Fatalf("--json: exit %d, want 1", code)
	}
	var vs []replay.Verdict
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("--json output is not a verdict array: %v\n%s", err, out)
	}
	if len(vs) != 1 || vs[0].Kind != replay.Violation || vs[0].Violation == nil ||
		vs[0].Violation.Invariant != want.Invariant || vs[0].Violation.Step != want.Step {
		t.Fatalf("--json verdict %+v, want violation of %s after step %d", vs, want.Invariant, want.Step)
	}

	// The run was cut where the learners disagree: a header naming
	// Agreement (a later breach, not the first) is confirmed too, and one
	// naming an invariant that never breaks is not.
	for claim, confirmed := range map[string]bool{"Agreement": true, "TypeOK": false} {
		tr.Header.Violation = &paxostrace.Violation{Invariant: claim, Step: len(tr.Steps)}
		if err := paxostrace.WriteFile(path, tr); err != nil {
			t.Fatal(err)
		}
		code, out, _ := runCLI("check", "--no-html", path)
		word := map[bool]string{true: ": confirmed", false: ": NOT confirmed"}[confirmed]
		if code != exitViolation || !strings.Contains(out, "claims "+claim) || !strings.Contains(out, word) {
			t.Errorf("claim %s: exit %d, want 1 and %q:\n%s", claim, code, word, out)
		}
	}

	// A header naming no invariant of the spec is bad input, not an
	// unconfirmed claim.
	tr.Header.Violation = &paxostrace.Violation{Invariant: "NoSuchInv", Step: 1}
	if err := paxostrace.WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	// ... in every command that reads the claim.
	for _, cmd := range []string{"check", "show", "replay"} {
		code, out, errOut := runCLI(cmd, path)
		if code != exitBadInput || !strings.Contains(errOut, `claims a violation of "NoSuchInv", which is no invariant`) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s, claim NoSuchInv: exit %d, want 2 and one line naming it:\n%s%s", cmd, code, out, errOut)
		}
	}
}

// TestCheckNothingAnswered: a history in which no operation was answered
// is said to be not checked, never "ok".
func TestCheckNothingAnswered(t *testing.T) {
	for _, tc := range []struct{ trace, want string }{
		{"../../traces/counterexamples/skip-prepare.jsonl", "linearizability: not checked: the one client operation was not answered"},
		{"../../traces/counterexamples/agreement/skip-prepare.jsonl", "linearizability: not checked: none of the 2 client operations was answered"},
	} {
		_, out, _ := runCLI("check", "--no-html", tc.trace)
		if !strings.Contains(out, tc.want+"\n") || strings.Contains(out, "linearizability: ok") {
			t.Errorf("%s: want %q in\n%s", tc.trace, tc.want, out)
		}
	}
}

func TestCheckDivergence(t *testing.T) {
	tr, err := paxostrace.ReadFile(normalTrace)
	if err != nil {
		t.Fatal(err)
	}
	// Make the first 2a carry a value the proposer would never send.
	i := slices.IndexFunc(tr.Steps, func(s paxostrace.Step) bool { return len(s.Sent) > 0 && s.Sent[0].Type == paxos.Msg2a })
	if i < 0 {
		t.Fatal("no step sends a 2a")
	}
	for j := range tr.Steps[i].Sent {
		tr.Steps[i].Sent[j].Val = "y"
	}
	// Later steps deliver those 2a: keep the trace well-formed.
	for j := i + 1; j < len(tr.Steps); j++ {
		if m := tr.Steps[j].Msg; m != nil && m.Type == paxos.Msg2a {
			m.Val = "y"
		}
	}
	path := filepath.Join(t.TempDir(), "edited.jsonl")
	if err := paxostrace.WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	step := tr.Steps[i].Step
	code, out, errOut := runCLI("check", "--json", path)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	var vs []replay.Verdict
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	d := vs[0].Divergence
	if vs[0].Kind != replay.Divergent || d == nil || d.Step != step || d.Field != "sent[0]" {
		t.Fatalf("verdict %+v, want divergence at step %d in sent[0]", vs[0], step)
	}
	code, out, _ = runCLI("check", path)
	if code != exitViolation || !strings.Contains(out, "DIVERGENCE at step "+strconv.Itoa(step)+": sent[0]") {
		t.Fatalf("exit %d, text output:\n%s", code, out)
	}
}

func TestCheckMalformed(t *testing.T) {
	good, err := os.ReadFile(normalTrace)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	cases := []struct {
		name    string
		content string
		line    int
	}{
		{"empty file", "", 1},
		{"not JSON", "hello\n", 1},
		{"bad JSON on line 3", lines[0] + lines[1] + "{\"step\": 2,\n", 3},
		{"step out of order", lines[0] + lines[2], 2},
		{"unknown action", lines[0] + strings.Replace(lines[1], "Invoke", "Frobnicate", 1), 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI("check", path)
			if code != exitBadInput {
				t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
			}
			loc := path + ":" + strconv.Itoa(tc.line) + ":"
			if !strings.Contains(errOut, loc) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("stderr %q: want one line naming %s", errOut, loc)
			}
			code, out, _ = runCLI("check", "--json", path)
			var vs []replay.Verdict
			if err := json.Unmarshal([]byte(out), &vs); err != nil || code != exitBadInput {
				t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
			}
			if vs[0].Kind != replay.BadInput || vs[0].Line != tc.line {
				t.Fatalf("--json verdict %+v, want bad input on line %d", vs[0], tc.line)
			}
		})
	}
	if code, _, _ := runCLI("check", filepath.Join(t.TempDir(), "missing.jsonl")); code != exitBadInput {
		t.Errorf("missing file: exit %d, want 2", code)
	}
	if code, _, _ := runCLI("check"); code != exitBadInput {
		t.Errorf("no argument: exit %d, want 2", code)
	}
	// One bad file among good ones: bad input wins.
	if code, _, _ := runCLI("check", normalTrace, filepath.Join(t.TempDir(), "missing.jsonl")); code != exitBadInput {
		t.Errorf("good and missing file: exit %d, want 2", code)
	}
}

func TestCheckHTML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "views")
	code, out, errOut := runCLI("check", "--html", dir, normalTrace)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "normal.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("<html")) {
		t.Fatal("the view is not HTML")
	}
}

// TestCheckNotLinearizableWritesHTML: a trace whose clients were told
// different values fails, and Porcupine's view is written next to it.
func TestCheckNotLinearizableWritesHTML(t *testing.T) {
	tr, err := paxostrace.ReadFile(normalTrace)
	if err != nil {
		t.Fatal(err)
	}
	// Pretend the second client was told "y": the code disagrees (a
	// divergence), and the history is not linearizable either.
	i := slices.IndexFunc(tr.Steps, func(s paxostrace.Step) bool { return s.Action == paxostrace.EvInvoke && len(s.Replies) > 0 })
	if i < 0 {
		t.Fatal("no invoke answered at once")
	}
	tr.Steps[i].Replies[0].Value = "y"
	dir := t.TempDir()
	path := filepath.Join(dir, "told-y.jsonl")
	if err := paxostrace.WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI("check", path)
	if code != exitViolation || !strings.Contains(out, "linearizability: illegal") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "told-y.html")); err != nil {
		t.Fatalf("no view next to the trace: %v", err)
	}
}

// TestCheckCounterexamples: every checked-in counterexample reports the
// violation its header (and name) claims, with exit code 1.
func TestCheckCounterexamples(t *testing.T) {
	files, _ := filepath.Glob("../../traces/counterexamples/*.jsonl")
	if len(files) == 0 {
		t.Skip("no traces/counterexamples/*.jsonl yet")
	}
	// The runs on to Agreement (explore --invariants Agreement).
	more, _ := filepath.Glob("../../traces/counterexamples/agreement/*.jsonl")
	files = append(files, more...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, errOut := runCLI("check", "--json", "--no-html", f)
			var vs []replay.Verdict
			if err := json.Unmarshal([]byte(out), &vs); err != nil {
				t.Fatalf("exit %d: %v\n%s", code, err, errOut)
			}
			v := vs[0]
			if code != exitViolation || v.Kind != replay.Violation {
				t.Fatalf("exit %d, verdict %s, want a violation", code, v.Kind)
			}
			if v.ClaimConfirmed == nil || !*v.ClaimConfirmed {
				t.Fatalf("the header's claimed violation %+v is not what check found: %+v", v.Claimed, v.Violation)
			}
			tr, err := paxostrace.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
			if !slices.Contains(tr.Header.Bugs, name) {
				t.Errorf("file named after %s, but its bugs are %v", name, tr.Header.Bugs)
			}
		})
	}
}

// TestCheckSummary: a check of several traces ends with one line that
// counts the verdicts; a single trace gets none.
func TestCheckSummary(t *testing.T) {
	code, out, _ := runCLI("check", "--no-html", normalTrace, buggyTrace, filepath.Join(t.TempDir(), "missing.jsonl"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitBadInput || lines[len(lines)-1] != "checked 3 traces: 1 ok, 1 violation, 1 bad input" {
		t.Errorf("exit %d, last line %q", code, lines[len(lines)-1])
	}
	if _, out, _ := runCLI("check", "--no-html", normalTrace); strings.Contains(out, "checked ") {
		t.Errorf("a summary for one trace:\n%s", out)
	}
}
