package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	paxosdOnce sync.Once
	paxosdBin  string
	paxosdErr  error
)

// buildPaxosd builds cmd/paxosd once for the tests that run clusters.
func buildPaxosd(t *testing.T) string {
	t.Helper()
	paxosdOnce.Do(func() {
		dir, err := os.MkdirTemp("", "paxosd-test-")
		if err != nil {
			paxosdErr = err
			return
		}
		paxosdBin = filepath.Join(dir, "paxosd")
		out, err := exec.Command("go", "build", "-o", paxosdBin, "github.com/paxoscheck/paxoscheck/cmd/paxosd").CombinedOutput()
		if err != nil {
			paxosdErr = &buildError{string(out)}
		}
	})
	if paxosdErr != nil {
		t.Fatalf("building paxosd: %v", paxosdErr)
	}
	return paxosdBin
}

type buildError struct{ out string }

func (e *buildError) Error() string { return e.out }

// leftovers lists the processes whose command line mentions dir: after
// a run, there must be none.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc to look for processes in")
	}
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(dir)) && !bytes.Contains(b, []byte("-test.run")) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// clusterRun runs `cluster` with args and a fresh paxosd (tests not in
// -short only), in a new directory dir.
func clusterRun(t *testing.T, args ...string) (bin, dir string, code int, out, errb *bytes.Buffer) {
	t.Helper()
	if testing.Short() {
		t.Skip("seconds: a real cluster")
	}
	bin = buildPaxosd(t)
	dir = filepath.Join(t.TempDir(), "run")
	out, errb = &bytes.Buffer{}, &bytes.Buffer{}
	code = run(append([]string{"cluster"}, append(args, "--paxosd", bin, "--dir", dir)...), out, errb)
	return bin, dir, code, out, errb
}

// TestClusterRun: a short run under every fault, on the lossy disk,
// passes every check and leaves no process behind; merge and check read
// what it left.
func TestClusterRun(t *testing.T) {
	bin, dir, code, out, errb := clusterRun(t, "--duration", "6s", "--ops", "60", "--seed", "3", "--lossy-disk")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"nemesis schedule (seed 3):", "history: linearizable", "replay: ok:", "ok: every check passed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
	if !regexp.MustCompile(`restarts: [1-9]`).MatchString(out.String()) {
		t.Errorf("no node restarted:\n%s", out.String())
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "nodes", "*", "trace.jsonl"))
	merged := filepath.Join(t.TempDir(), "merged.jsonl")
	out.Reset()
	if code := run(append([]string{"merge", "--out", merged}, parts...), out, errb); code != exitOK || !strings.Contains(out.String(), "merged 5 parts") {
		t.Fatalf("merge: exit %d: %s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run([]string{"check", "--no-html", merged}, out, errb); code != exitOK {
		t.Fatalf("check of the merged trace: exit %d: %s%s", code, out.String(), errb.String())
	}
	if code := run([]string{"cluster", "--paxosd", bin, "--dir", dir}, out, errb); code != exitBadInput || !strings.Contains(errb.String(), "holds a run already") {
		t.Errorf("a second run in the same directory: exit %d: %s", code, errb.String())
	}
}

// TestClusterBridge: the bridge nemesis kills its bridge just after a
// promise goes by and restarts it; the correct code passes every check,
// and the timeline shows the bridge and the kill.
func TestClusterBridge(t *testing.T) {
	_, dir, code, out, errb := clusterRun(t, "--duration", "5s", "--ops", "40", "--seed", "2", "--nemesis", "bridge", "--lossy-disk")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	for _, re := range []string{`but node \d, the bridge`, `node \d sent a promise \(1b for ballot \S+ to node \d\): kill -9 and restart`,
		`; [1-9]\d* kill -9s`, `restarts: [1-9]`, `ok: every check passed`} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("no /%s/ in:\n%s", re, out.String())
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`but bridge \d`).Match(page) || !strings.Contains(string(page), "killed at") {
		t.Errorf("report.html shows no bridge or no kill")
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
	}
}

// TestClusterLossyDisk: on the lossy disk, nodes without fsync lose
// writes to kill -9; each refuses to restart, and the run fails.
func TestClusterLossyDisk(t *testing.T) {
	_, dir, code, out, errb := clusterRun(t, "--duration", "5s", "--ops", "40", "--seed", "1", "--nemesis", "kill", "--lossy-disk", "--no-fsync")
	if code != exitViolation {
		t.Fatalf("exit %d, want %d:\n%s%s", code, exitViolation, out.String(), errb.String())
	}
	for _, want := range []string{"exited by itself", "its store lost writes it had made durable", "FAILED"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
	}
}

// TestClusterInterrupt: Ctrl-C in the middle of a run stops it with
// exit 130 and leaves no process behind.
func TestClusterInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds: a real cluster")
	}
	bin := buildPaxosd(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", "cluster", "--duration", "60s", "--paxosd", bin, "--dir", dir)
	cmd.Env = append(os.Environ(), "PAXOSCHECK_HELPER=1")
	var tail syncBuffer
	cmd.Stdout = &tail
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(tail.String(), "cluster up:") {
		select {
		case <-tick.C:
		case <-deadline:
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the cluster did not come up in 30 s:\n%s", tail.String())
		}
	}
	if left := leftovers(t, dir); len(left) != 5 {
		t.Errorf("%d node processes running, want 5:\n%s", len(left), strings.Join(left, "\n"))
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want %d:\n%s", err, exitInterrupted, tail.String())
	}
	if !strings.Contains(tail.String(), "INTERRUPTED") {
		t.Errorf("no INTERRUPTED line:\n%s", tail.String())
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
	}
}

// TestClusterBadInput: each bad flag is one line and exit 2.
func TestClusterBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--nemesis", "flood"},
		{"--bug", "nope"},
		{"--paxosd", "/nonexistent/paxosd"},
		{"--acceptors", "0", "--paxosd", os.Args[0]},
		{"--loss", "2", "--paxosd", os.Args[0]},
		{"--reads", "0.9", "--cas", "0.5", "--paxosd", os.Args[0]},
		{"--duration", "0s", "--paxosd", os.Args[0]},
		{"--ops", "255", "--paxosd", os.Args[0]},
		{"extra"},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"cluster", "--dir", t.TempDir()}, args...), &out, &errb)
		if code != exitBadInput || strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 || errb.Len() == 0 {
			t.Errorf("%v: exit %d, want %d and one line:\n%s%s", args, code, exitBadInput, out.String(), errb.String())
		}
	}
	for _, args := range [][]string{{"merge", "--out", filepath.Join(t.TempDir(), "m.jsonl")}, {"merge", "x.jsonl"},
		{"merge", "--out", filepath.Join(t.TempDir(), "m.jsonl"), filepath.Join("..", "..", "traces", "counterexamples", "multipaxos", "skip-phase1.jsonl")}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitBadInput || errb.Len() == 0 || strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 {
			t.Errorf("%v: exit %d, want %d and one line:\n%s", args, code, exitBadInput, errb.String())
		}
	}
}
