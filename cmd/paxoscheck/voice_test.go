package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// skipPrepareLine is the one line every subcommand prints for the
// checked-in skip-prepare counterexample's violation: the same words, the
// same ballots (round.proposer, with the spec's number where it helps).
const skipPrepareLine = "VIOLATION: Msg2aInv violated after step 2: 2a b=1.1 v=y is not safe at b=1.1 [spec 1]: at ballot 1.0 only acceptors {} voted y or promised above 1.0 without voting in 1.0 (need 2 of 3)"

// TestOneViolationFormat: explore, show, check, replay and simulate word a
// violation one way, "VIOLATION: <Invariant> violated after step N:
// detail", and write ballots one way.
func TestOneViolationFormat(t *testing.T) {
	cex := "../../traces/counterexamples/skip-prepare.jsonl"
	for _, args := range [][]string{
		{"explore", "--bug", "skip-prepare", "--proposers", "2", "--clients", "2", "--crashes", "0", "--out", t.TempDir()},
		{"show", cex},
		{"check", "--no-html", cex},
		{"replay", cex},
	} {
		_, out, errOut := runCLI(args...)
		if !strings.Contains(out, skipPrepareLine+"\n") {
			t.Errorf("%s: no line %q in\n%s%s", args[0], skipPrepareLine, out, errOut)
		}
		for _, old := range []string{"FAIL:", "VIOLATION of", "VIOLATION: invariant", "fails after step", "now violated", "b=-1", "first violated"} {
			if strings.Contains(out, old) {
				t.Errorf("%s: an old wording %q in\n%s", args[0], old, out)
			}
		}
	}
	_, out, _ := runCLI("simulate", "--runs", "200", "--bug", "skip-prepare", "--out", t.TempDir())
	// It draws the shrunk trace, ending in the same line.
	if !strings.Contains(out, "the trace, drawn (again: paxoscheck show ") || !strings.Contains(out, "step  C0   C1   A0") ||
		!regexp.MustCompile(`(?m)^       .*!! Msg2aInv violated after this step\nVIOLATION: Msg2aInv violated after step \d+: `).MatchString(out) {
		t.Errorf("simulate does not draw its violation:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^VIOLATION: \w+ violated after step \d+: .* \(seed \d+\)$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^shrunk: \d+ -> \d+ steps; VIOLATION: \w+ violated after step \d+: `).MatchString(out) {
		t.Errorf("simulate words its violation differently:\n%s", out)
	}
}

// TestExplorePrintsClusterFirst: explore says what it searches before it
// searches, as simulate does.
func TestExplorePrintsClusterFirst(t *testing.T) {
	_, out, _ := runCLI("explore", "--max-states", "10")
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || lines[0] != "explore: acceptors=3 proposers=3 learners=1 clients=3; bugs: none" ||
		!strings.HasPrefix(lines[1], "explore: network set (every drop, duplication and reordering), crashes=1 mid-step-crash=true, crash roles acceptor, max round 1; breadth-first, ") {
		t.Errorf("first lines:\n%s", out)
	}
	_, out, _ = runCLI("explore", "--protocol", "multipaxos", "--max-states", "10", "--network", "multiset", "--drops", "1", "--dfs")
	if !strings.HasPrefix(out, "explore: multipaxos, acceptors=3 proposers=2 clients=2 commands=1 keys=1 pipeline=1; bugs: none\n"+
		"explore: network multiset, drops=1 dups=0, crashes=0 mid-step-crash=true, crash roles all, max round 1; depth-first, 1 worker\n") {
		t.Errorf("first lines:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// interruptAfter waits until out shows banner (the command has begun its
// work, its signal handler in place) and sends this process a SIGINT.
func interruptAfter(t *testing.T, out, errOut *syncBuffer, banner string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), banner) {
		if time.Now().After(deadline) {
			t.Fatalf("no banner after 30 s:\n%s%s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// TestExploreInterrupted: Ctrl-C stops a search, which then prints what
// it did, INCOMPLETE, and exits 130.
func TestExploreInterrupted(t *testing.T) {
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		// Minutes of search: the signal comes long before its end.
		done <- run([]string{"explore", "--protocol", "multipaxos", "--workload", "put,get;put", "--out", t.TempDir()}, &out, &errOut)
	}()
	interruptAfter(t, &out, &errOut, "breadth-first")
	code := <-done
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	if !regexp.MustCompile(`(?m)^explored \d+ distinct states, \d+ transitions`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^INCOMPLETE: interrupted after \d+ distinct states at depth \d+, with \d+ states? left to expand`).MatchString(out.String()) {
		t.Errorf("no statistics and INCOMPLETE line:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "explore: interrupt: stopping") {
		t.Errorf("stderr %q does not say it is stopping", errOut.String())
	}
}

// TestFlagsOneMeaning: the flags explore, simulate, check and show share
// mean one thing everywhere.
func TestFlagsOneMeaning(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout, or in stderr when code is 2
	}{
		// One name for Porcupine's time limit.
		{[]string{"check", "--timeout", "1s", normalTrace}, exitBadInput, "unknown flag --timeout"},
		{[]string{"check", "--linearize-timeout", "1s", "--no-html", normalTrace}, exitOK, "ok:"},
		// --max-round 0 is unbounded: simulate runs it, explore says why it cannot.
		{[]string{"explore", "--max-round", "0"}, exitBadInput, "--max-round 0 means unbounded rounds"},
		{[]string{"explore", "--protocol", "multipaxos", "--max-round", "0"}, exitBadInput, "--max-round 0 means unbounded rounds"},
		{[]string{"simulate", "--runs", "5", "--max-round", "0"}, exitOK, "max round 0"},
		// --mid-step-crash is on by default in both.
		{[]string{"explore", "--max-states", "5"}, exitIncomplete, "mid-step-crash=true"},
		{[]string{"explore", "--max-states", "5", "--mid-step-crash=false"}, exitIncomplete, "mid-step-crash=false"},
		{[]string{"simulate", "--runs", "5"}, exitOK, "mid-step-crash=true"},
		// A depth bound keeps the reductions on.
		{[]string{"explore", "--max-depth", "3"}, exitIncomplete, "symmetry on, dead-state reduction on"},
		// simulate has --crash-roles and --network, with explore's meanings.
		{[]string{"simulate", "--runs", "5", "--crash-roles", "acceptor,learner"}, exitOK, "crash roles acceptor,learner"},
		{[]string{"simulate", "--protocol", "multipaxos", "--runs", "2", "--crash-roles", "proposer"}, exitOK, "crash roles proposer"},
		{[]string{"simulate", "--crash-roles", "leader"}, exitBadInput, `--crash-roles: unknown role "leader" (want acceptor, learner, proposer, or all)`},
		{[]string{"explore", "--crash-roles", "leader"}, exitBadInput, `--crash-roles: unknown role "leader" (want acceptor, learner, proposer, or all)`},
		{[]string{"explore", "--protocol", "multipaxos", "--crash-roles", "learner"}, exitBadInput, `--crash-roles: unknown role "learner" (want acceptor, proposer, or all)`},
		{[]string{"simulate", "--runs", "5", "--network", "multiset"}, exitOK, "summary:"},
		{[]string{"simulate", "--network", "set"}, exitBadInput, "--network set: simulate walks the multiset network only"},
		{[]string{"simulate", "--network", "bus"}, exitBadInput, `--network "bus": want multiset`},
	} {
		code, out, errOut := runCLI(tc.args...)
		where := out
		if tc.code == exitBadInput {
			where = errOut
		}
		if code != tc.code || !strings.Contains(where, tc.out) {
			t.Errorf("%v: exit %d (want %d), want %q in\n%s%s", tc.args, code, tc.code, tc.out, out, errOut)
		}
	}
	// A crash role is honoured: with only learners crashable, no
	// acceptor or proposer crashes in a run.
	dir := t.TempDir()
	if code, out, errOut := runCLI("simulate", "--runs", "20", "--crash-roles", "learner", "--keep-all", "--out", dir); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	crashes := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `"action":"Crash`) {
				crashes++
				if !strings.Contains(line, `"node":5`) {
					t.Errorf("%s: a node other than the learner crashed: %s", f, line)
				}
			}
		}
	}
	if len(files) == 0 || crashes == 0 {
		t.Errorf("%d traces, %d crashes: the test shows nothing", len(files), crashes)
	}
}

// TestShowOut: show --out writes the diagram it would print.
func TestShowOut(t *testing.T) {
	cex := "../../traces/counterexamples/skip-prepare.jsonl"
	for _, format := range []string{"text", "mermaid", "html"} {
		_, want, _ := runCLI("show", "--format", format, cex)
		path := filepath.Join(t.TempDir(), "d")
		code, out, errOut := runCLI("show", "--format", format, "--out", path, cex)
		got, err := os.ReadFile(path)
		if code != exitOK || out != "" || err != nil || string(got) != want {
			t.Errorf("%s: exit %d, stdout %q, %v; the file differs from stdout's diagram: %v\n%s", format, code, out, err, string(got) != want, errOut)
		}
	}
	if code, _, errOut := runCLI("show", "--out", t.TempDir(), cex); code != exitBadInput || !strings.HasPrefix(errOut, "paxoscheck show: --out: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("--out a directory: exit %d, %q", code, errOut)
	}
}

// TestReplayFieldsByName: replay prints each changed field of a node by
// its name, sets as node names and ballots as round.proposer, and nothing
// of go-cmp's struct dumps.
func TestReplayFieldsByName(t *testing.T) {
	code, out, _ := runCLI("replay", normalTrace)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"  P3: value - → x; waiting {} → {C0}\n",
		"  P3: ballot - → 1.0; phase idle → phase1; stored round=0 → round=1\n",
		"  P3: promised {} → {A0}\n",
		"  net + 1a b=1.0 P3→A0\n",
		"\nverdict: every invariant holds after every step\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	for _, bad := range []string{"paxos.Node{", "identical fields", "{{}, {}", `s"idle"`, "Clients:"} {
		if strings.Contains(out, bad) {
			t.Errorf("go-cmp's %q in\n%s", bad, out)
		}
	}
	_, helpOut, helpErr := runCLI("replay", "--help")
	help := helpOut + helpErr
	if strings.Contains(help, "flags:\n\n") || !strings.Contains(help, "(no flags)") {
		t.Errorf("replay --help: %q", help)
	}
}

// TestChooseInvariants: --invariants picks what explore and simulate
// check, as a TLC cfg's INVARIANTS do; skip-prepare's run then goes on to
// two chosen values.
func TestChooseInvariants(t *testing.T) {
	if raceOn {
		t.Skip("a Multi-Paxos search of 520,000 states on one worker: left to make reduction-check, without the race detector")
	}
	dir := t.TempDir()
	code, out, errOut := runCLI("explore", "--bug", "skip-prepare", "--proposers", "2", "--clients", "2", "--crashes", "0", "--invariants", "Agreement", "--out", dir)
	if code != exitViolation || !strings.Contains(out, "explore: checking only Agreement (--invariants)\n") ||
		!strings.Contains(out, "VIOLATION: Agreement violated after step 8: two values chosen: x at b=1.0 by acceptors {0,1}, y at b=1.1 by acceptors {0,1}\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got, err := os.ReadFile(filepath.Join(dir, "skip-prepare.jsonl"))
	want, err2 := os.ReadFile("../../traces/counterexamples/agreement/skip-prepare.jsonl")
	if err != nil || err2 != nil || !bytes.Equal(got, want) {
		t.Errorf("the run to Agreement is not the checked-in one (%v, %v)", err, err2)
	}
	if code, out, _ := runCLI("explore", "--bug", "skip-prepare", "--invariants", "TypeOK,Validity"); code != exitOK || !strings.HasSuffix(out, "ok\n") {
		t.Errorf("invariants the bug does not break: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI("simulate", "--runs", "300", "--bug", "skip-prepare", "--invariants", "Agreement", "--out", t.TempDir()); code != exitViolation || !strings.Contains(out, "VIOLATION: Agreement violated after step") {
		t.Errorf("simulate --invariants Agreement: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI("explore", "--protocol", "multipaxos", "--workload", "put,get;put", "--bug", "stale-read", "--invariants", "Linearizability", "--workers", "1", "--out", t.TempDir()); code != exitViolation || !strings.Contains(out, "VIOLATION: Linearizability violated after step 22") {
		t.Errorf("multipaxos explore --invariants Linearizability: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"explore", "--invariants", "Agreemnt"}, `paxoscheck explore: --invariants: unknown invariant "Agreemnt" (known: TypeOK, AccInv,`},
		{[]string{"explore", "--invariants", "Agreement,"}, `paxoscheck explore: --invariants: "Agreement,": an empty name`},
		{[]string{"explore", "--invariants", "Linearizability"}, "single-decree explore does not check client histories"},
		{[]string{"explore", "--protocol", "multipaxos", "--invariants", "Msg2aInv"}, `unknown invariant "Msg2aInv" (known: TypeOK, Agreement,`},
		{[]string{"simulate", "--invariants", "Bogus"}, `paxoscheck simulate: --invariants: unknown invariant "Bogus"`},
		{[]string{"simulate", "--invariants", "Agreement,Linearizability", "--no-linearize"}, "one leaves out what the other asks for"},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != exitBadInput || !strings.HasPrefix(errOut, "paxoscheck ") || !strings.Contains(errOut, tc.err) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tc.args, code, errOut, tc.err)
		}
	}
}

// TestExploreTempDirs: explore makes a temporary directory only to write a
// counterexample into, and names the file it wrote.
func TestExploreTempDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if code, out, _ := runCLI("explore", "--acceptors", "3", "--proposers", "1", "--clients", "1"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a passing search left %v in $TMPDIR", left)
	}
	_, out, _ := runCLI("explore", "--bug", "skip-prepare")
	m := regexp.MustCompile(`(?m)^counterexample \(2 steps\): (\S+)$`).FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], tmp) {
		t.Fatalf("no counterexample path under $TMPDIR:\n%s", out)
	}
	if _, err := os.Stat(m[1]); err != nil {
		t.Error(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 1 {
		t.Errorf("$TMPDIR holds %v, want one directory", left)
	}
}

// TestSimulateInterrupted: Ctrl-C stops a simulation, which reports the
// runs it did, INCOMPLETE, and exits 130.
func TestSimulateInterrupted(t *testing.T) {
	var out, errOut syncBuffer
	done := make(chan int)
	go func() { done <- run([]string{"simulate", "--runs", "100000000"}, &out, &errOut) }()
	interruptAfter(t, &out, &errOut, "simulate: budget")
	if code := <-done; code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	if !regexp.MustCompile(`(?m)^summary: \d+ runs, `).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^INCOMPLETE: interrupted after \d+ runs of 100000000 \(seeds 1\.\.\d+\); no violation in those$`).MatchString(out.String()) {
		t.Errorf("no summary and INCOMPLETE line:\n%s", out.String())
	}
}

// TestReplayChecksTheHistory: replay judges the client history as check
// does, so a stale read's trace is a violation there too.
func TestReplayChecksTheHistory(t *testing.T) {
	code, out, _ := runCLI("replay", "../../traces/counterexamples/multipaxos/stale-read.jsonl")
	if code != exitViolation || !strings.Contains(out, "\nlinearizability: illegal (3 operations)\nverdict: VIOLATION: Linearizability violated after step 22: ") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestFlagNamedInErrors: a bad value is named by its flag.
func TestFlagNamedInErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"explore", "--crashes", "-1"}, "paxoscheck explore: --crashes -1: must not be negative"},
		{[]string{"explore", "--max-states", "-5"}, "paxoscheck explore: --max-states -5: must not be negative"},
		{[]string{"explore", "--learners", "0"}, "paxoscheck explore: --learners 0: need at least 1"},
		{[]string{"simulate", "--crashes", "-1"}, "paxoscheck simulate: --crashes -1: must not be negative"},
		{[]string{"simulate", "--steps", "0"}, "paxoscheck simulate: --steps 0: need at least 1"},
		{[]string{"simulate", "--proposers", "0"}, "paxoscheck simulate: --proposers 0: need at least 1"},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != exitBadInput || errOut != tc.err+"\n" {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.err)
		}
	}
	if _, out, _ := runCLI("explore", "--max-states", "1"); !strings.Contains(out, "after 1 distinct state at depth 0:") {
		t.Errorf("grammar: %s", out)
	}
}
