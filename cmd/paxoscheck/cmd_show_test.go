package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// showUpdate reports whether -update was given (golden files are
// rewritten instead of compared).
func showUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestShow runs `paxoscheck show` and checks exit codes, stderr, and stdout
// against testdata/show/*.golden (rewritten by -update).
func TestShow(t *testing.T) {
	const faults = "testdata/show/faults.jsonl"
	const buggy = "testdata/show/skip-prepare.jsonl"
	cases := []struct {
		name     string
		args     []string
		code     int
		golden   string   // stdout golden file, if any
		stdout   []string // substrings of stdout
		stderr   []string // substrings of stderr
		oneLine  bool     // stderr is a single line
		noStdout bool
		// noViolation: stdout shows no violation (a claim the replay
		// does not confirm is not drawn).
		noViolation bool
	}{
		{name: "text", args: []string{faults}, code: exitOK, golden: "faults.txt.golden",
			stdout: []string{"DROPPED", "DUPLICATED", "CRASHED", "RESTARTED", "A0   A1   A2   P3   P4   L5"}},
		{name: "ascii", args: []string{"--ascii", faults}, code: exitOK, golden: "faults.ascii.golden", stdout: []string{"Drop #3"}},
		{name: "mermaid", args: []string{"--format", "mermaid", faults}, code: exitOK, golden: "faults.mmd.golden", stdout: []string{"sequenceDiagram"}},
		{name: "flag after the trace", args: []string{buggy, "--format=mermaid"}, code: exitOK, golden: "skip-prepare.mmd.golden", stdout: []string{"VIOLATION"}},
		{name: "violation shown, exit 0", args: []string{buggy}, code: exitOK, golden: "skip-prepare.txt.golden", stdout: []string{"VIOLATION: Msg2aInv violated after step"}},
		{name: "html viewer", args: []string{"--format", "html", buggy}, code: exitOK, stdout: []string{"<!DOCTYPE html>", `id="next"`, "Msg2aInv"}},
		{name: "diverging trace drawn without its claim, exit 1", args: []string{"testdata/show/diverging.jsonl"}, code: exitViolation, stdout: []string{"Return P4"}, noViolation: true,
			stderr: []string{"paxoscheck show: the code does not produce this trace: DIVERGENCE at step 1", "drawn without its header's claim"}, oneLine: true},
		{name: "help", args: []string{"--help"}, code: exitOK, stderr: []string{"usage: paxoscheck show", "-format", "-ascii"}, noStdout: true},
		{name: "no trace", args: nil, code: exitBadInput, stderr: []string{"want exactly one TRACE, got 0"}, oneLine: true, noStdout: true},
		{name: "two traces", args: []string{faults, buggy}, code: exitBadInput, stderr: []string{"got 2"}, oneLine: true, noStdout: true},
		{name: "ascii with html", args: []string{"--format", "html", "--ascii", faults}, code: exitBadInput, stderr: []string{"paxoscheck show: --ascii draws the text format only, not html"}, oneLine: true, noStdout: true},
		{name: "unknown format", args: []string{"--format", "pdf", faults}, code: exitBadInput, stderr: []string{`unknown format "pdf" (want text, mermaid or html)`}, oneLine: true, noStdout: true},
		{name: "bad flag", args: []string{"--colour", faults}, code: exitBadInput, stderr: []string{"paxoscheck show: unknown flag --colour (see paxoscheck show --help)"}, oneLine: true, noStdout: true},
		{name: "missing file", args: []string{"testdata/show/nope.jsonl"}, code: exitBadInput, stderr: []string{"nope.jsonl", "no such file"}, oneLine: true, noStdout: true},
		{name: "malformed trace", args: []string{"testdata/show/bad-step-number.jsonl"}, code: exitBadInput,
			stderr: []string{"paxoscheck show: testdata/show/bad-step-number.jsonl:3: step 5: step number 5, want 2"}, oneLine: true, noStdout: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"show"}, c.args...), &out, &errb)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, c.code, errb.String())
			}
			for _, s := range c.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			if c.oneLine && strings.Count(errb.String(), "\n") != 1 {
				t.Errorf("stderr is not one line:\n%s", errb.String())
			}
			if c.noStdout && out.Len() > 0 {
				t.Errorf("unexpected stdout:\n%s", out.String())
			}
			if c.noViolation && (strings.Contains(out.String(), "VIOLATION") || strings.Contains(out.String(), "!!")) {
				t.Errorf("an unconfirmed claim drawn:\n%s", out.String())
			}
			if c.code == exitOK && c.name != "help" && errb.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", errb.String())
			}
			if c.golden == "" {
				return
			}
			path := filepath.Join("testdata", "show", c.golden)
			if showUpdate() {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/paxoscheck -run TestShow -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("stdout differs from %s (run with -update and review the diff):\n%s", path, out.String())
			}
		})
	}
}

// TestShowDrawsWhatTheReplayFinds: show draws the claimed violation in the
// replay's words (an old header's ballots and wording do not survive), and
// a claim the replay does not confirm is not drawn at all.
func TestShowDrawsWhatTheReplayFinds(t *testing.T) {
	tr, err := paxostrace.ReadFile("../../traces/counterexamples/skip-prepare.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	old := tr
	old.Header.Violation = &paxostrace.Violation{Invariant: "Msg2aInv", Step: 2, Detail: "2a b=1 v=y is not safe at b=1 (an old wording)"}
	oldPath := filepath.Join(dir, "old.jsonl")
	wrong := tr
	wrong.Header.Violation = &paxostrace.Violation{Invariant: "Agreement", Step: 2, Detail: "two values chosen (not so)"}
	wrongPath := filepath.Join(dir, "wrong.jsonl")
	for p, t2 := range map[string]paxostrace.Trace{oldPath: old, wrongPath: wrong} {
		if err := paxostrace.WriteFile(p, t2); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI("show", oldPath)
	if code != exitOK || !strings.Contains(out, skipPrepareLine+"\n") || strings.Contains(out, "old wording") {
		t.Errorf("old header: exit %d\n%s%s", code, out, errOut)
	}
	for _, format := range []string{"text", "html"} {
		code, out, errOut = runCLI("show", "--format", format, wrongPath)
		if code != exitViolation || strings.Contains(out, "not so") || !strings.Contains(errOut, "the header claims Agreement after step 2, which the replay does not find") {
			t.Errorf("%s, unconfirmed claim: exit %d\n%s%s", format, code, out, errOut)
		}
	}
}
