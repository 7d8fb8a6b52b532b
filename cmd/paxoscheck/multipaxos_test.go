package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// TestMultiPaxosCommands drives every command on Multi-Paxos: explore and
// simulate pass on the correct code and find a bug (writing a trace that
// check confirms and show draws with its slots), and bad input is one
// line with exit 2.
func TestMultiPaxosCommands(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stdout  string
		oneLine string
	}{
		{"explore correct", []string{"explore", "--protocol", "multipaxos", "--proposers", "1", "--clients", "1", "--commands", "2", "--crashes", "1", "--network", "multiset"}, exitOK, "\nok\n", ""},
		{"explore bug", []string{"explore", "--protocol", "multipaxos", "--bug", "skip-phase1", "--out", dir}, exitViolation, "counterexample (8 steps)", ""},
		{"simulate correct", []string{"simulate", "--protocol", "multipaxos", "--runs", "20"}, exitOK, "violations: 0", ""},
		{"simulate stale read", []string{"simulate", "--protocol", "multipaxos", "--runs", "300", "--bug", "stale-read", "--no-shrink", "--out", dir}, exitViolation, "VIOLATION: Linearizability violated after step", ""},
		{"unknown bug", []string{"explore", "--protocol", "multipaxos", "--bug", "skip-prepare"}, exitBadInput, "", `unknown bug "skip-prepare"`},
		{"too many commands", []string{"simulate", "--protocol", "multipaxos", "--clients", "16", "--commands", "17"}, exitBadInput, "", "at most 256"},
		{"pipeline 0", []string{"simulate", "--protocol", "multipaxos", "--pipeline", "0"}, exitBadInput, "", "pipeline 0"},
		{"no keys", []string{"explore", "--protocol", "multipaxos", "--keys", "0"}, exitBadInput, "", "--keys 0"},
		{"max round 0", []string{"explore", "--protocol", "multipaxos", "--max-round", "0"}, exitBadInput, "", "--max-round 0"},
		{"no reduction to switch off", []string{"explore", "--protocol", "multipaxos", "--no-dead"}, exitBadInput, "", "no reduction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Fatalf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if tc.oneLine != "" && (strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.oneLine)) {
				t.Fatalf("stderr is not one line naming %q:\n%s", tc.oneLine, stderr)
			}
		})
	}
	trace := filepath.Join(dir, "skip-phase1.jsonl")
	if code, stdout, stderr := runCLI("check", trace); code != exitViolation || !strings.Contains(stdout, "the trace claims Agreement after step 8: confirmed") {
		t.Fatalf("check: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI("show", trace); code != exitOK || !strings.Contains(stdout, "2a b=1.1 s1 c1.1:put(k0=1.1)") {
		t.Fatalf("show: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI("show", "--format", "html", trace); code != exitOK || !strings.Contains(stdout, "<html") {
		t.Fatalf("show --format html: exit %d\n%s", code, stderr)
	}
	if code, stdout, _ := runCLI("replay", trace); code != exitViolation || !strings.Contains(stdout, "verdict: VIOLATION: Agreement violated after step 8") {
		t.Fatalf("replay: exit %d\n%s", code, stdout)
	}
	// A trace edited so that an acceptor's vote differs from what the
	// code does diverges there.
	tr, err := mptrace.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.Steps {
		if p := tr.Steps[i].Persist; p != nil && len(p.Votes) > 0 {
			p.Votes[0].Bal.Round += 5
			break
		}
	}
	edited := filepath.Join(dir, "edited.jsonl")
	if err := mptrace.WriteFile(edited, tr); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := runCLI("check", edited); code != exitViolation || !strings.Contains(stdout, "persist") {
		t.Fatalf("check of an edited trace: exit %d\n%s", code, stdout)
	}
	if err := os.WriteFile(edited, []byte(`{"format":"paxoscheck-trace","version":1,"protocol":"multipaxos","protocol_version":3,"acceptors":[0],"proposers":[1],"pipeline":0,"ops":[],"time_unit":"step"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("check", edited); code != exitBadInput || !strings.Contains(stderr, "pipeline 0") {
		t.Fatalf("check of a trace with pipeline 0: exit %d\n%s", code, stderr)
	}
}

// TestMultiPaxosScenarios: scenario --protocol multipaxos lists and runs
// Multi-Paxos's scenarios; only stale-read breaks a check.
func TestMultiPaxosScenarios(t *testing.T) {
	code, stdout, _ := runCLI("scenario", "--protocol", "multipaxos", "--list")
	if code != exitOK || strings.Count(stdout, "\n") != 4 || !strings.Contains(stdout, "leader-crash-hole") {
		t.Fatalf("--list: exit %d\n%s", code, stdout)
	}
	for name, want := range map[string]int{"steady-state": exitOK, "leader-crash-hole": exitOK, "dueling-leaders": exitOK, "stale-read": exitViolation} {
		if code, _, stderr := runCLI("scenario", "--protocol", "multipaxos", name, "--format", "jsonl"); code != want {
			t.Errorf("%s: exit %d, want %d\n%s", name, code, want, stderr)
		}
	}
	if code, _, stderr := runCLI("scenario", "--protocol", "raft", "--list"); code != exitBadInput || !strings.Contains(stderr, `--protocol "raft"`) {
		t.Errorf("an unknown protocol: exit %d\n%s", code, stderr)
	}
}
