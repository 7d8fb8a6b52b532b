package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
)

// TestValidate: validate accepts a correct trace and each counterexample
// by its own bug's spec, rejects a counterexample by correct Paxos at the
// step where its bug acts, with the spec state, and refuses bad input in
// one line. Without TLC it says so and exits 2.
func TestValidate(t *testing.T) {
	cex := "../../traces/counterexamples/skip-prepare.jsonl"
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, "paxoscheck validate: no trace given (see paxoscheck validate --help)"},
		{[]string{"--workers", "0", cex}, "paxoscheck validate: --workers 0: want 1..1024"},
		{[]string{filepath.Join(t.TempDir(), "missing.jsonl")}, "paxoscheck validate: "},
		{[]string{"--keep", "../../README.md", cex}, "paxoscheck validate: --keep: ../../README.md is a file, not a directory"},
	} {
		code, out, errOut := runCLI(append([]string{"validate"}, tc.args...)...)
		if code != exitBadInput || out != "" || !strings.HasPrefix(errOut, tc.err) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("validate %v: exit %d, stdout %q, stderr %q; want one line starting %q", tc.args, code, out, errOut, tc.err)
		}
	}
	t.Run("no TLC", func(t *testing.T) {
		t.Setenv("TLA2TOOLS_JAR", "")
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		code, _, errOut := runCLI("validate", cex)
		if code != exitBadInput || !strings.HasPrefix(errOut, "paxoscheck validate: TLC SKIPPED: TLC not found") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	tlctest.Jar(t)
	code, out, errOut := runCLI("validate", "--workers", "2", normalTrace, cex)
	if code != exitOK || !strings.Contains(out, normalTrace+": ok: a behaviour of correct Paxos (21 steps, 21 spec steps)\n") ||
		!strings.Contains(out, cex+": ok: a behaviour of Paxos with skip-prepare (2 steps, 2 spec steps)\n") ||
		!strings.HasSuffix(out, "validated 2 traces: 2 behaviours of the spec, 0 rejected\n") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	keep := t.TempDir()
	code, out, errOut = runCLI("validate", "--correct", "--keep", keep, cex)
	if code != exitViolation || !strings.Contains(out, cex+": REJECTED by correct Paxos at step 2 (Phase1a): no spec action explains it; it needs Phase2a(1.1, y) sending 2a b=1.1 v=y\n") ||
		!regexp.MustCompile(`(?m)^  spec state before it: A0 maxBal=- maxVBal=- maxVal=- .*; msgs \{\}; proposed \{y\}; learned \{\}$`).MatchString(out) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(keep, "*", "PaxosTraceLogs.tla")); len(m) != 2 {
		t.Errorf("--keep holds %v, want the batch's and the diagnosis's modules", m)
	}

	// Multi-Paxos, beside single-decree Paxos in one call: each by its
	// protocol's spec, the verdicts in the order given.
	mpcex := "../../traces/counterexamples/multipaxos/per-slot-promise.jsonl"
	code, out, errOut = runCLI("validate", cex, mpcex)
	if code != exitOK || !strings.Contains(out, cex+": ok: a behaviour of Paxos with skip-prepare") ||
		!strings.Contains(out, mpcex+": ok: a behaviour of Multi-Paxos with per-slot-promise (16 steps, ") ||
		strings.Index(out, cex+":") > strings.Index(out, mpcex+":") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	keep = t.TempDir()
	code, out, errOut = runCLI("validate", "--correct", "--keep", keep, mpcex)
	if code != exitViolation || !strings.Contains(out, mpcex+": REJECTED by correct Multi-Paxos at step 14 (Phase2b): no spec action explains it; it needs Phase2b(A1) voting 1.0 in s1 for c0.1:put(k0=0.1), persisting maxBal=1.1 votes=[s1:c0.1:put(k0=0.1)@1.0]\n") ||
		!regexp.MustCompile(`(?m)^  spec state before it: A0 maxBal=1.0 votes=\[s1:c0.1:put\(k0=0.1\)@1.0\]; A1 maxBal=1.1 votes=\[\]; .*; replica P3 next=s1 applied=\[\]; replica P4 next=s1 applied=\[\]$`).MatchString(out) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(keep, "*", "MultiPaxosTraceLogs.tla")); len(m) != 2 {
		t.Errorf("--keep holds %v, want the batch's and the diagnosis's modules", m)
	}
}
