package repo

import (
	"os/exec"
	"strings"
	"testing"
)

// root is the repository root, from this package's folder.
const root = "../.."

// TestMakeHelpAligned: `make help` lists every target with its description
// starting in one column, and lists them all.
func TestMakeHelpAligned(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make on PATH")
	}
	out, err := exec.Command("make", "-s", "-C", root, "help").Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 10 {
		t.Fatalf("make help lists %d targets:\n%s", len(lines), out)
	}
	col := -1
	for _, l := range lines {
		name := strings.Fields(l)[0]
		at := strings.Index(l[2+len(name):], strings.Fields(l)[1]) + 2 + len(name)
		if !strings.HasPrefix(l, "  "+name+" ") {
			t.Errorf("line %q does not start with the target's name", l)
		}
		if col == -1 {
			col = at
		}
		if at != col {
			t.Errorf("description of %s starts at column %d, the first one's at %d:\n%s", name, at, col, out)
		}
	}
	for _, target := range []string{"check", "test", "tlc", "mutants", "help"} {
		if !strings.Contains(string(out), "  "+target+" ") {
			t.Errorf("make help does not list %s", target)
		}
	}
}

// TestTLCScratchIgnored: the files TLC writes wherever it runs (spec/
// included) are ignored by git, so that a run leaves the tree clean.
func TestTLCScratchIgnored(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on PATH")
	}
	if err := exec.Command("git", "-C", root, "rev-parse", "--git-dir").Run(); err != nil {
		t.Skip("not a git checkout")
	}
	for _, p := range []string{"states/x", "spec/states/2026-12-02/MC.st", "spec/MCPaxos_TTrace_1764633600.tla", "spec/MCPaxos_TTrace_1764633600.bin"} {
		if err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", p).Run(); err != nil {
			t.Errorf("git does not ignore %s: %v", p, err)
		}
	}
	if err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", "spec/Paxos.tla").Run(); err == nil {
		t.Error("git ignores spec/Paxos.tla")
	}
}
