package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosexplore"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func runSim(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"simulate"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// TestSimulateExitCodes covers the three outcomes: a clean run set (0), a
// violation (1), bad input (2, one line naming the problem).
func TestSimulateExitCodes(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring of stdout
		oneLine  string // for exit 2: substring of the single stderr line
		noStderr bool
	}{
		{name: "correct protocol", args: []string{"--runs", "50", "--seed", "3"}, code: exitOK, stdout: "violations: 0", noStderr: true},
		{name: "help", args: []string{"--help"}, code: exitOK},
		{name: "bug found", args: []string{"--runs", "200", "--bug", "minority-quorum", "--out", dir}, code: exitViolation, stdout: "VIOLATION: Msg2aInv violated after step"},
		{name: "vacuous", args: []string{"--runs", "20", "--steps", "2"}, code: exitViolation, stdout: "VACUOUS"},
		{name: "unknown bug", args: []string{"--bug", "no-such-bug"}, code: exitBadInput, oneLine: `unknown bug "no-such-bug"`},
		{name: "unknown bug in list", args: []string{"--bug", "skip-prepare,nope"}, code: exitBadInput, oneLine: `unknown bug "nope"`},
		{name: "no acceptors", args: []string{"--acceptors", "0"}, code: exitBadInput, oneLine: "--acceptors 0: need at least 1"},
		{name: "too many acceptors", args: []string{"--acceptors", "17"}, code: exitBadInput, oneLine: "17 acceptors"},
		{name: "zero runs", args: []string{"--runs", "0"}, code: exitBadInput, oneLine: "--runs 0"},
		{name: "zero steps", args: []string{"--steps", "0"}, code: exitBadInput, oneLine: "--steps 0: need at least 1"},
		{name: "negative drops", args: []string{"--drops", "-1"}, code: exitBadInput, oneLine: "--drops -1: must not be negative"},
		{name: "no clients", args: []string{"--clients", "0"}, code: exitBadInput, oneLine: "--clients 0"},
		{name: "bad weight", args: []string{"--weights", "deliver=-3"}, code: exitBadInput, oneLine: "non-negative"},
		{name: "unknown weight", args: []string{"--weights", "teleport=3"}, code: exitBadInput, oneLine: `unknown action kind "teleport"`},
		{name: "keep-all without out", args: []string{"--keep-all"}, code: exitBadInput, oneLine: "--keep-all needs --out"},
		{name: "stray argument", args: []string{"extra"}, code: exitBadInput, oneLine: `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runSim(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Fatalf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if tc.noStderr && stderr != "" {
				t.Fatalf("unexpected stderr (progress must stay off when stderr is not a terminal):\n%s", stderr)
			}
			if tc.oneLine != "" {
				if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.oneLine) {
					t.Fatalf("stderr is not one line containing %q:\n%s", tc.oneLine, stderr)
				}
			}
			if tc.code != exitBadInput && tc.name != "help" && !strings.Contains(stdout, "seeds ") {
				t.Fatalf("the seeds used are not printed:\n%s", stdout)
			}
		})
	}
}

var tracePath = regexp.MustCompile(`trace: (\S+) \(shrunk; unshrunk: (\S+)\)`)

// TestSimulateFindsBugAndWritesTraces: with a catalogue bug on, simulate
// names the invariant, the step and the seed, writes the shrunk and the
// unshrunk trace, and the shrunk one replays to the same violation.
func TestSimulateFindsBugAndWritesTraces(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runSim(t, "--runs", "500", "--seed", "1", "--bug", "accept-below-promise", "--out", dir)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	head := regexp.MustCompile(`VIOLATION: (\w+) violated after step (\d+): .* \(seed (\d+)\)`).FindStringSubmatch(stdout)
	if head == nil {
		t.Fatalf("no violation line with invariant, step and seed:\n%s", stdout)
	}
	m := tracePath.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no trace paths:\n%s", stdout)
	}
	if filepath.Dir(m[1]) != dir {
		t.Fatalf("trace %s not in --out %s", m[1], dir)
	}
	for _, p := range m[1:] {
		tr, err := paxostrace.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Header.Violation == nil || tr.Header.Violation.Invariant != head[1] {
			t.Fatalf("%s: header violation %+v, want %s", p, tr.Header.Violation, head[1])
		}
		if tr.Header.Seed == nil || *tr.Header.Seed == 0 {
			t.Fatalf("%s: no seed in the header", p)
		}
		v := replayFile(t, &tr)
		if v == nil || v.Invariant != head[1] || v.Step != tr.Header.Violation.Step || v.Step != len(tr.Steps) {
			t.Fatalf("%s: replays to %v, want %s at step %d (of %d)", p, v, head[1], tr.Header.Violation.Step, len(tr.Steps))
		}
	}
	shrunk, _ := paxostrace.ReadFile(m[1])
	unshrunk, _ := paxostrace.ReadFile(m[2])
	if len(shrunk.Steps) > len(unshrunk.Steps) {
		t.Fatalf("shrunk trace has %d steps, unshrunk %d", len(shrunk.Steps), len(unshrunk.Steps))
	}

	// --no-shrink writes one trace, the unshrunk run.
	dir2 := t.TempDir()
	code, stdout, _ = runSim(t, "--runs", "500", "--seed", "1", "--bug", "accept-below-promise", "--out", dir2, "--no-shrink")
	if code != exitViolation || !strings.Contains(stdout, "not shrunk") {
		t.Fatalf("--no-shrink: exit %d\n%s", code, stdout)
	}
	files, _ := os.ReadDir(dir2)
	if len(files) != 1 {
		t.Fatalf("--no-shrink wrote %d files, want 1", len(files))
	}
}

// TestSimulateKeepAll writes one trace per run.
func TestSimulateKeepAll(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runSim(t, "--runs", "5", "--seed", "10", "--out", dir, "--keep-all")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for seed := 10; seed < 15; seed++ {
		p := filepath.Join(dir, fmt.Sprintf("run-seed%d.jsonl", seed))
		if _, err := paxostrace.ReadFile(p); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// replayFile replays a trace on the code (paxosexplore.Replay) and returns its
// first violation.
func replayFile(t *testing.T, tr *paxostrace.Trace) *invariant.Violation {
	t.Helper()
	v, err := paxosexplore.Replay(tr)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSimulateReproduce: a violation comes with the command that runs its
// seed alone, and that command finds the same violation at the same step.
func TestSimulateReproduce(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"simulate", "--bug", "pick-lowest-promised-value", "--runs", "3000", "--workers", "2", "--no-shrink", "--out", dir},
		{"simulate", "--protocol", "multipaxos", "--bug=no-dedup", "--runs=50", "--keep-all", "--out", dir, "--no-shrink"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitViolation {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out.String(), errb.String())
		}
		violation, cmd := "", ""
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "VIOLATION: ") {
				violation = l
			}
			if c, ok := strings.CutPrefix(l, "reproduce: paxoscheck "); ok {
				cmd = c
			}
		}
		if cmd == "" || strings.Contains(cmd, "--workers") || strings.Contains(cmd, "--out") || strings.Contains(cmd, "--keep-all") || !strings.HasSuffix(cmd, " --runs 1") {
			t.Fatalf("%v: reproduce line %q", args, cmd)
		}
		var again bytes.Buffer
		if code := run(append(strings.Fields(cmd), "--no-shrink", "--out", t.TempDir()), &again, &errb); code != exitViolation || !strings.Contains(again.String(), violation) {
			t.Errorf("%s: exit %d, want %q\n%s", cmd, code, violation, again.String())
		}
	}
}
