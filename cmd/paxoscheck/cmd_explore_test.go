package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces"
)

// TestExploreCLI: exit codes, the summary, and the counterexample file.
func TestExploreCLI(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"correct", []string{"--proposers", "1", "--clients", "1"}, exitOK, "ok"},
		{"bug", []string{"--proposers", "1", "--clients", "1", "--bug", "minority-quorum", "--out", dir}, exitViolation, "LearnedChosen"},
		{"set network", []string{"--network", "set", "--proposers", "1", "--clients", "1", "--crashes", "1"}, exitOK, "network: set"},
		{"set network bug", []string{"--network", "set", "--proposers", "1", "--clients", "1", "--bug", "learner-counts-duplicates", "--out", dir}, exitViolation, "counterexample (10 steps)"},
		{"bad network", []string{"--network", "bus"}, exitBadInput, ""},
		{"set network budgets", []string{"--network", "set", "--drops", "1"}, exitBadInput, ""},
		{"bad flag", []string{"--no-such-flag"}, exitBadInput, ""},
		{"bad bug", []string{"--bug", "nope"}, exitBadInput, ""},
		{"bad round", []string{"--max-round", "0"}, exitBadInput, ""},
		{"bad role", []string{"--crash-roles", "cook"}, exitBadInput, ""},
		{"bad progress", []string{"--progress", "-1s"}, exitBadInput, ""},
		{"argument", []string{"extra"}, exitBadInput, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"explore"}, c.args...), &out, &errb)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), c.want) {
				t.Errorf("stdout lacks %q:\n%s", c.want, out.String())
			}
			if c.code == exitBadInput && strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 && !strings.Contains(errb.String(), "flag provided") {
				t.Errorf("bad input should be one line:\n%s", errb.String())
			}
		})
	}
	tr, err := traces.ReadFile(filepath.Join(dir, "minority-quorum.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Header.Violation == nil || tr.Header.Violation.Invariant != "LearnedChosen" {
		t.Errorf("header violation %+v", tr.Header.Violation)
	}
	// The set network's counterexample is an ordinary trace: its second
	// delivery of a 2b is preceded by a Duplicate step.
	tr, err = traces.ReadFile(filepath.Join(dir, "learner-counts-duplicates.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	dups := 0
	for _, st := range tr.Steps {
		if st.Action == traces.EvDuplicate {
			dups++
		}
	}
	if tr.Header.Violation == nil || tr.Header.Violation.Invariant != "LearnedChosen" || dups != 1 {
		t.Errorf("set network trace: header violation %+v, %d Duplicate steps, want LearnedChosen and 1", tr.Header.Violation, dups)
	}
	_ = os.Remove(dir)
}

// TestExploreProgressLines: with --progress and a stderr that is not a
// terminal (a CI log), progress comes as whole lines; without it, none.
func TestExploreProgressLines(t *testing.T) {
	args := []string{"explore", "--network", "set", "--clients", "2", "--max-round", "2", "--crashes", "1", "--max-states", "60000", "--workers", "1"}
	var out, errb bytes.Buffer
	if code := run(append(args, "--progress", "1ms"), &out, &errb); code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, errb.String())
	}
	if !strings.HasPrefix(errb.String(), "explore: ") || !strings.Contains(errb.String(), " distinct, ") || !strings.HasSuffix(errb.String(), "\n") {
		t.Errorf("stderr has no progress lines:\n%s", errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(args, &out, &errb); code != exitOK || errb.Len() != 0 {
		t.Errorf("without --progress: exit %d, stderr %q", code, errb.String())
	}
}
