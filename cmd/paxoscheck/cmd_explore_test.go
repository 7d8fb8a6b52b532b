package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
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
		{"memory limit", []string{"--max-memory", "1MiB"}, exitIncomplete, "INCOMPLETE: the memory limit of 1.0 MiB was reached after"},
		{"bad memory limit", []string{"--max-memory", "lots"}, exitBadInput, ""},
		{"bounds note", []string{"--proposers", "1", "--clients", "1", "--crashes", "0"}, exitOK, "these bounds cannot expose promise-not-persisted: needs an acceptor crash"},
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
	tr, err := paxostrace.ReadFile(filepath.Join(dir, "minority-quorum.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Header.Violation == nil || tr.Header.Violation.Invariant != "LearnedChosen" {
		t.Errorf("header violation %+v", tr.Header.Violation)
	}
	// The set network's counterexample is an ordinary trace: its second
	// delivery of a 2b is preceded by a Duplicate step.
	tr, err = paxostrace.ReadFile(filepath.Join(dir, "learner-counts-duplicates.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	dups := 0
	for _, st := range tr.Steps {
		if st.Action == paxostrace.EvDuplicate {
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
	if code := run(append(args, "--progress", "1ms"), &out, &errb); code != exitIncomplete {
		t.Fatalf("exit %d\nstderr: %s", code, errb.String())
	}
	if !strings.HasPrefix(errb.String(), "explore: ") || !strings.Contains(errb.String(), " distinct, ") || !strings.HasSuffix(errb.String(), "\n") {
		t.Errorf("stderr has no progress lines:\n%s", errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(args, &out, &errb); code != exitIncomplete || errb.Len() != 0 {
		t.Errorf("without --progress: exit %d, stderr %q", code, errb.String())
	}
}

// TestExploreIncomplete: a search cut short by --max-states or
// --max-depth says INCOMPLETE and exits 3, never "ok" and 0, and stops at
// exactly --max-states distinct states, however many workers race for
// the last ones.
func TestExploreIncomplete(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-states", "1000", "--workers", "2"}, "INCOMPLETE: --max-states 1000 cut the search short after 1000 distinct states"},
		{[]string{"--max-states", "777", "--workers", "4"}, "INCOMPLETE: --max-states 777 cut the search short after 777 distinct states"},
		{[]string{"--max-depth", "3"}, "INCOMPLETE: --max-depth 3 cut the search short"},
		{[]string{"--protocol", "multipaxos", "--max-states", "500"}, "INCOMPLETE: --max-states 500 cut the search short after 500 distinct states"},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"explore"}, tc.args...), &out, &errb)
		if code != exitIncomplete || !strings.Contains(out.String(), tc.want) || strings.Contains(out.String(), "\nok\n") {
			t.Errorf("%v: exit %d, want %d and %q\n%s%s", tc.args, code, exitIncomplete, tc.want, out.String(), errb.String())
		}
	}
}

// TestParseSize: sizes with binary units, 0 for no limit, errors for the rest.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "0": -1, "1000": 1000, "8GiB": 8 << 30, "512 MiB": 512 << 20, "2k": 2048, "3T": 3 << 40} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"lots", "-1", "8XB", "1.5GiB", "99999999999TiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
	if got := formatSize(3 << 29); got != "1.5 GiB" {
		t.Errorf("formatSize: %q", got)
	}
}

// TestExploreDepthIsCounterexampleLength: the depth a search reports is
// that of the deepest state it reached, the counterexample's last.
func TestExploreDepthIsCounterexampleLength(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"explore", "--bug", "ignore-promised-value", "--out", t.TempDir()}, &out, &errb)
	var depth, steps int
	for _, l := range strings.Split(out.String(), "\n") {
		if i := strings.Index(l, "max depth "); i >= 0 {
			fmt.Sscanf(l[i:], "max depth %d", &depth)
		}
		if strings.HasPrefix(l, "counterexample (") {
			fmt.Sscanf(l, "counterexample (%d steps)", &steps)
		}
	}
	if code != exitViolation || depth == 0 || depth != steps {
		t.Errorf("exit %d, max depth %d, counterexample of %d steps\n%s", code, depth, steps, out.String())
	}
}

// TestOutCheckedFirst: an --out that cannot be a directory is refused
// before any search or simulation runs.
func TestOutCheckedFirst(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"explore", "--bug", "skip-prepare", "--out", file},
		{"explore", "--protocol", "multipaxos", "--out", file},
		{"explore", "--out", filepath.Join(file, "sub")},
		{"simulate", "--runs", "1", "--out", file},
	} {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		if code != exitBadInput || out.Len() != 0 || !strings.Contains(errb.String(), "--out: ") || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, out.String(), errb.String())
		}
	}
}

// TestExploreSwarm: --swarm runs depth-first searches in seeded orders
// until one finds a violation, names it and the command that runs it
// alone (which finds the same counterexample); without a violation it is
// INCOMPLETE unless a search was complete; bad values are refused.
func TestExploreSwarm(t *testing.T) {
	explore := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"explore"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, _ := explore("--swarm", "3", "--max-states", "300")
	if code != exitIncomplete || !strings.Contains(out, "swarm: 3 searches (seeds 1..3) stored 900 states") ||
		!strings.Contains(out, "INCOMPLETE: a swarm of 3 searches found no violation in 900 states") {
		t.Errorf("no violation: exit %d\n%s", code, out)
	}
	code, out, _ = explore("--proposers", "1", "--clients", "1", "--swarm", "4", "--seed", "9")
	if code != exitOK || !strings.Contains(out, "swarm: search 1 (seed 9) was complete") || !strings.HasSuffix(out, "ok\n") {
		t.Errorf("complete: exit %d\n%s", code, out)
	}

	dir := t.TempDir()
	code, out, _ = explore("--protocol", "multipaxos", "--bug", "no-hole-fill", "--swarm", "50", "--seed", "2", "--max-states", "3000", "--out", dir)
	i := strings.Index(out, "it alone: paxoscheck explore ")
	if code != exitViolation || i < 0 {
		t.Fatalf("bug: exit %d\n%s", code, out)
	}
	alone := strings.Fields(out[i+len("it alone: paxoscheck explore "):])
	alone = alone[:slices.Index(alone, "--seed")+2]
	var steps, again int
	fmt.Sscanf(out[strings.Index(out, "counterexample ("):], "counterexample (%d steps)", &steps)
	code, out2, _ := explore(append(alone, "--out", dir)...)
	fmt.Sscanf(out2[max(strings.Index(out2, "counterexample ("), 0):], "counterexample (%d steps)", &again)
	if code != exitViolation || !strings.Contains(out2, "swarm: 1 search (seed ") || steps == 0 || again != steps {
		t.Errorf("%v: exit %d, a counterexample of %d steps, the swarm's had %d\n%s", alone, code, again, steps, out2)
	}

	for _, bad := range [][]string{{"--seed", "3"}, {"--swarm", "-1"}, {"--swarm", "2", "--workers", "2"},
		{"--protocol", "multipaxos", "--rounds", "2,x"}, {"--protocol", "multipaxos", "--rounds", "1,1,1"}} {
		if code, _, errb := explore(bad...); code != exitBadInput || strings.Count(strings.TrimSpace(errb), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and one line: %q", bad, code, exitBadInput, errb)
		}
	}
}

// TestShardsMerge: the shards of a search, each with --report, merge
// into its verdict: ok for the correct code, and for a bug the shortest
// counterexample, as long as the whole search's; reports that do not make
// one search are refused in one line.
func TestShardsMerge(t *testing.T) {
	dir := t.TempDir()
	explore := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"explore"}, args...), &out, &errb)
		return code, out.String() + errb.String()
	}
	merge := func(files ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"merge-reports"}, files...), &out, &errb)
		return code, out.String() + errb.String()
	}
	steps := func(out string) (n int) {
		if i := strings.Index(out, "counterexample ("); i >= 0 {
			fmt.Sscanf(out[i:], "counterexample (%d steps", &n)
		}
		return n
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"correct", []string{"--proposers", "2", "--clients", "2"}, exitOK},
		{"bug", []string{"--proposers", "2", "--clients", "2", "--bug", "accept-below-promise"}, exitViolation},
	} {
		code, whole := explore(append(tc.args, "--out", dir)...)
		if code != tc.code || (code == exitViolation) != (steps(whole) > 0) {
			t.Fatalf("%s: the whole search exits %d, a counterexample of %d steps\n%s", tc.name, code, steps(whole), whole)
		}
		var files []string
		for i := range 3 {
			f := filepath.Join(dir, fmt.Sprintf("%s-%d.json", tc.name, i))
			files = append(files, f)
			code, out := explore(append(tc.args, "--shard", fmt.Sprintf("%d/3", i), "--shard-depth", "3", "--report", f, "--out", dir)...)
			if code != exitOK && code != exitViolation || !strings.Contains(out, fmt.Sprintf("shard %d/3: split at depth 3", i)) {
				t.Fatalf("%s, shard %d: exit %d\n%s", tc.name, i, code, out)
			}
		}
		code, out := merge(files...)
		if code != tc.code || !strings.Contains(out, "3 shards of one search") || steps(out) != steps(whole) {
			t.Errorf("%s: merge exits %d (want %d), counterexample of %d steps (the whole search's: %d)\n%s", tc.name, code, tc.code, steps(out), steps(whole), out)
		}
		if code, out := merge(files[:2]...); code != exitBadInput || !strings.Contains(out, "shards 2 of 3 missing") {
			t.Errorf("%s, two shards: exit %d\n%s", tc.name, code, out)
		}
	}
	other := filepath.Join(dir, "other.json")
	if code, out := explore("--proposers", "1", "--clients", "1", "--shard", "0/3", "--shard-depth", "3", "--report", other); code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if own, _ := filepath.Glob(filepath.Join(dir, "accept-below-promise.shard-*.jsonl")); len(own) == 0 {
		t.Errorf("no shard wrote a counterexample of its own name")
	}
	odd := filepath.Join(dir, "odd.json")
	if err := os.WriteFile(odd, []byte(`{"format":"paxoscheck-explore-report","version":1,"shard":5,"shards":0,"verdict":"ok"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.json")
	if err := os.WriteFile(junk, []byte(`{"format":"paxoscheck-explore-report","version":1,"verdict":"great"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]string{
		{filepath.Join(dir, "correct-0.json"), filepath.Join(dir, "correct-1.json"), other},
		{filepath.Join(dir, "correct-0.json"), filepath.Join(dir, "correct-0.json")},
		{junk}, {odd}, {filepath.Join(dir, "none.json")}, {},
	} {
		if code, out := merge(files...); code != exitBadInput || strings.Count(strings.TrimSpace(out), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and one line:\n%s", files, code, exitBadInput, out)
		}
	}
	for _, bad := range [][]string{{"--shard", "3/3"}, {"--shard", "x"}, {"--shard", "0/2", "--dfs"}, {"--shard-depth", "2"}, {"--report", dir}} {
		if code, out := explore(bad...); code != exitBadInput || strings.Count(strings.TrimSpace(out), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and one line:\n%s", bad, code, exitBadInput, out)
		}
	}
}

// TestHelperProcess is not a test: run as a child by the tests below
// (PAXOSCHECK_HELPER set), it is paxoscheck with the arguments after "--".
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PAXOSCHECK_HELPER") == "" {
		t.Skip("a child process of the kill -9 test")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// TestCheckpointKill9: a search killed with kill -9 once it wrote a
// checkpoint, resumed with --resume, ends with exactly the counts and
// verdict of a search never stopped; a checkpoint of other flags, or a
// damaged one, is refused in one line.
func TestCheckpointKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds: a child process and two searches")
	}
	if raceOn {
		t.Skip("two searches of 150,000 Multi-Paxos states: left to make reduction-check, without the race detector")
	}
	flags := []string{"explore", "--protocol", "multipaxos", "--workers", "1", "--max-states", "150000"}
	summary := func(out string) string {
		var keep []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "explored ") {
				l = l[:strings.Index(l, " in ")] // the counts, not the time
			}
			if strings.HasPrefix(l, "explored ") || strings.HasPrefix(l, "sometimes:") || strings.HasPrefix(l, "INCOMPLETE") || l == "ok" || strings.HasPrefix(l, "VIOLATION") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	var out, errb bytes.Buffer
	wholeCode := run(flags, &out, &errb)
	whole := summary(out.String())

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, append(flags, "--checkpoint", dir, "--checkpoint-every", "0")...)...)
	cmd.Env = append(os.Environ(), "PAXOSCHECK_HELPER=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "checkpoint")); err == nil {
			break
		}
		if i > 3000 {
			cmd.Process.Kill()
			t.Fatal("no checkpoint in 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a few levels on
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !st.Signaled() {
		t.Fatalf("the search was not killed (%v): make it longer", err)
	}
	out.Reset()
	errb.Reset()
	// The same search however spelled (an explicit default), and progress
	// lines while the checkpoint is read.
	code := run(append(flags, "--resume", dir, "--max-round", "1", "--progress", "1ms"), &out, &errb)
	if code != wholeCode || summary(out.String()) != whole || !strings.Contains(out.String(), "resumed from the checkpoint") {
		t.Errorf("resumed: exit %d (never stopped: %d)\n%s\nnever stopped:\n%s\n%s", code, wholeCode, summary(out.String()), whole, errb.String())
	}

	for _, bad := range [][]string{append(flags[:len(flags)-1], "140000", "--resume", dir), {"explore", "--resume", filepath.Join(dir, "none")}, {"explore", "--dfs", "--checkpoint", dir},
		{"explore", "--resume", t.TempDir()}, {"explore", "--checkpoint-every", "1s"},
		// Paxos's reductions: their proof is not in a checkpoint.
		{"explore", "--proposers", "1", "--clients", "1", "--checkpoint", t.TempDir()}} {
		out.Reset()
		errb.Reset()
		if code := run(bad, &out, &errb); code != exitBadInput || strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and one line: %q", bad, code, exitBadInput, errb.String())
		}
	}
}
