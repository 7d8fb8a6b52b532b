// Command mutants is the mutation harness of `make mutants`: it compiles
// every source mutant of impl/paxos (impl/paxos/testdata/mutants.txt) into
// its own paxoscheck binary and test run (go build -overlay, go test
// -overlay), and asks each checker to kill it:
//
//   - the explorer, at make check's bounds: the explore lines of
//     scripts/check-runs.txt, in order, until one fails;
//   - the explorer with its reductions on and off (the reductions lines of
//     scripts/check-runs.txt): the verdicts must agree, counterexample
//     lengths included;
//   - the simulator, at make check's settings (the simulate lines);
//   - the test suite (go test -short, package by package until one fails).
//
// It prints a table (mutant, which checkers killed it, the invariant the
// explorer saw broken, the counterexample's length, the reduction hints the
// mutant refuted, time) and the mutation score. It exits 1 when a mutant
// not marked equivalent survives the explorer or every other checker, when
// the explorer or the simulator kills a mutant marked equivalent (then the
// argument for it is wrong; unit tests, which pin exact steps, may), or
// when the reductions change a verdict; 2 on bad input.
//
//	go run ./scripts/mutants [-only NAME,...] [-out FILE] [-no-tests]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Mutant is one entry of the catalogue.
type Mutant struct {
	Name, File, What string
	// Equivalent is the argument that no check can kill it ("" if none).
	Equivalent string
	Old, New   []string
	// Line is where the mutant starts in the catalogue.
	Line int
}

// Parse reads a mutant catalogue (the format is documented at the top of
// impl/paxos/testdata/mutants.txt).
func Parse(r io.Reader, name string) ([]Mutant, error) {
	var out []Mutant
	var cur *Mutant
	sc := bufio.NewScanner(r)
	ln := 0
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, ln, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		ln++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if v, ok := strings.CutPrefix(line, "mutant "); ok {
			out = append(out, Mutant{Name: strings.TrimSpace(v), Line: ln})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			return nil, bad("%q before the first mutant line", line)
		}
		switch {
		case strings.HasPrefix(line, "-"):
			if len(cur.New) > 0 {
				return nil, bad("mutant %s: a - line after a + line", cur.Name)
			}
			cur.Old = append(cur.Old, line[1:])
		case strings.HasPrefix(line, "+"):
			cur.New = append(cur.New, line[1:])
		default:
			key, val, _ := strings.Cut(line, " ")
			switch key {
			case "file":
				cur.File = val
			case "what":
				cur.What = val
			case "equivalent":
				cur.Equivalent = strings.TrimSpace(cur.Equivalent + " " + val)
			default:
				return nil, bad("mutant %s: unknown key %q (want file, what, equivalent, -LINE or +LINE)", cur.Name, key)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	seen := map[string]bool{}
	for _, m := range out {
		switch {
		case m.Name == "" || strings.ContainsAny(m.Name, " \t/"):
			return nil, fmt.Errorf("%s:%d: bad mutant name %q", name, m.Line, m.Name)
		case seen[m.Name]:
			return nil, fmt.Errorf("%s:%d: mutant %s twice", name, m.Line, m.Name)
		case m.File == "" || m.What == "" || len(m.Old) == 0:
			return nil, fmt.Errorf("%s:%d: mutant %s needs file, what and at least one - line", name, m.Line, m.Name)
		}
		seen[m.Name] = true
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no mutants", name)
	}
	return out, nil
}

// Apply returns src with the mutant's lines replaced; they must occur
// exactly once, as whole lines.
func (m *Mutant) Apply(src []byte) ([]byte, error) {
	old := "\n" + strings.Join(m.Old, "\n") + "\n"
	s := "\n" + string(src)
	switch n := countLines(s, old); n {
	case 1:
	case 0:
		return nil, fmt.Errorf("mutant %s: its - lines are not in %s (the code moved on: update the mutant)", m.Name, m.File)
	default:
		return nil, fmt.Errorf("mutant %s: its - lines occur %d times in %s: add context lines", m.Name, n, m.File)
	}
	repl := "\n"
	if len(m.New) > 0 {
		repl = "\n" + strings.Join(m.New, "\n") + "\n"
	}
	return []byte(strings.Replace(s, old, repl, 1)[1:]), nil
}

// countLines counts the occurrences of old in s, which may share their
// bounding newlines.
func countLines(s, old string) int {
	n := 0
	for i := 0; ; {
		j := strings.Index(s[i:], old)
		if j < 0 {
			return n
		}
		n++
		i += j + 1
	}
}

// Runs are the command lines of scripts/check-runs.txt by kind.
type Runs struct {
	Explore, Simulate, Reductions [][]string
}

// ParseRuns reads scripts/check-runs.txt.
func ParseRuns(r io.Reader, name string) (Runs, error) {
	var out Runs
	sc := bufio.NewScanner(r)
	ln := 0
	for sc.Scan() {
		ln++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || otherProtocol(f) {
			continue
		}
		switch f[0] {
		case "explore":
			out.Explore = append(out.Explore, f)
		case "simulate":
			out.Simulate = append(out.Simulate, f)
		case "reductions":
			if len(f) < 2 || f[1] != "explore" {
				return out, fmt.Errorf("%s:%d: a reductions line names an explore command", name, ln)
			}
			out.Reductions = append(out.Reductions, f[1:])
		default:
			return out, fmt.Errorf("%s:%d: unknown command %q (want explore, simulate or reductions)", name, ln, f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	if len(out.Explore) == 0 || len(out.Simulate) == 0 || len(out.Reductions) == 0 {
		return out, fmt.Errorf("%s: need explore, simulate and reductions lines", name)
	}
	return out, nil
}

// otherProtocol reports whether a command line runs a protocol other
// than single-decree Paxos (--protocol NAME), whose code the mutants do
// not touch.
func otherProtocol(f []string) bool {
	for i, w := range f {
		switch {
		case (w == "--protocol" || w == "-protocol") && i+1 < len(f):
			return f[i+1] != "paxos"
		case strings.HasPrefix(w, "--protocol="):
			return strings.TrimPrefix(w, "--protocol=") != "paxos"
		}
	}
	return false
}

// verdict is what one checker said of a mutant.
type verdict struct {
	Killed    bool
	Invariant string // explorer: the invariant broken, "vacuous", "deadlock"
	Steps     int    // explorer: counterexample length
	By        string // which run, test package or note
	Refuted   []string
	Err       string // the checker could not run
}

// result is one mutant's row.
type result struct {
	M                    *Mutant
	Explorer, Sim, Tests verdict
	OnOff                string // "agree", or how they differ
	Time                 time.Duration
}

var (
	reInvariant = regexp.MustCompile(`(\w+) violated after step (\d+)`)
	reSteps     = regexp.MustCompile(`counterexample \((\d+) steps\)`)
	reRefuted   = regexp.MustCompile(`reduction not proved for this code, searched again without it: ([a-z0-9,-]+):`)
	reFailTest  = regexp.MustCompile(`--- FAIL: (\S+)`)
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catalogue := fs.String("mutants", "impl/paxos/testdata/mutants.txt", "the mutant catalogue")
	runsFile := fs.String("runs", "scripts/check-runs.txt", "make check's command lines")
	only := fs.String("only", "", "comma list of mutant names to run (default: all)")
	out := fs.String("out", "", "also write the table (markdown) to this file")
	noTests := fs.Bool("no-tests", false, "do not run the test suite on each mutant")
	timeout := fs.Duration("timeout", 20*time.Minute, "time limit of one checker run on one mutant")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "mutants: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	root, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fail(errors.New("run it from the repository root (no go.mod here)"))
	}
	ms, err := readMutants(*catalogue)
	if err != nil {
		return fail(err)
	}
	f, err := os.Open(*runsFile)
	if err != nil {
		return fail(err)
	}
	runs, err := ParseRuns(f, *runsFile)
	f.Close()
	if err != nil {
		return fail(err)
	}
	if *only != "" {
		want := map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			want[strings.TrimSpace(n)] = true
		}
		var keep []Mutant
		for _, m := range ms {
			if want[m.Name] {
				keep = append(keep, m)
				delete(want, m.Name)
			}
		}
		for n := range want {
			return fail(fmt.Errorf("-only: no mutant %q", n))
		}
		ms = keep
	}
	work, err := os.MkdirTemp("", "paxoscheck-mutants-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work)
	h := &harness{root: root, work: work, runs: runs, tests: !*noTests, timeout: *timeout, log: stderr}
	var rows []result
	for i := range ms {
		m := &ms[i]
		fmt.Fprintf(stderr, "mutants: [%d/%d] %s\n", i+1, len(ms), m.Name)
		r, err := h.mutant(m)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "mutants: %s: explorer %s, simulator %s, tests %s, reductions on/off %s (%s)\n",
			m.Name, short(r.Explorer), short(r.Sim), short(r.Tests), r.OnOff, r.Time.Round(time.Second))
		rows = append(rows, r)
	}
	table, bad := report(rows, h.tests)
	fmt.Fprint(stdout, table)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(table), 0o644); err != nil {
			return fail(err)
		}
	}
	if bad {
		return 1
	}
	return 0
}

func readMutants(path string) ([]Mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

type harness struct {
	root, work string
	runs       Runs
	tests      bool
	timeout    time.Duration
	log        io.Writer
}

// mutant runs every checker on m.
func (h *harness) mutant(m *Mutant) (result, error) {
	start := time.Now()
	r := result{M: m}
	dir := filepath.Join(h.work, m.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	orig := filepath.Join(h.root, m.File)
	src, err := os.ReadFile(orig)
	if err != nil {
		return r, fmt.Errorf("mutant %s: %w", m.Name, err)
	}
	mutated, err := m.Apply(src)
	if err != nil {
		return r, err
	}
	mfile := filepath.Join(dir, filepath.Base(m.File))
	if err := os.WriteFile(mfile, mutated, 0o644); err != nil {
		return r, err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {orig: mfile}})
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		return r, err
	}
	bin := filepath.Join(dir, "paxoscheck")
	if out, err := h.cmd("go", "build", "-overlay", overlay, "-o", bin, "./cmd/paxoscheck"); err != nil {
		return r, fmt.Errorf("mutant %s does not build: %v\n%s", m.Name, err, out)
	}
	r.Explorer = h.explore(bin, dir, h.runs.Explore, nil)
	r.OnOff = h.onOff(bin, dir)
	r.Sim = h.simulate(bin, dir)
	if h.tests {
		r.Tests = h.test(overlay)
	}
	r.Time = time.Since(start)
	return r, nil
}

// cmd runs a command in the repository root and returns its output.
func (h *harness) cmd(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	c := exec.CommandContext(ctx, name, args...)
	c.Dir = h.root
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s", h.timeout)
	}
	return b.String(), err
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// explore runs the explore lines in order until one fails; extra flags are
// added to each.
func (h *harness) explore(bin, dir string, lines [][]string, extra []string) verdict {
	var refuted []string
	for i, l := range lines {
		args := append(append(append([]string(nil), l...), extra...), "--out", filepath.Join(dir, "cex"))
		out, err := h.cmd(bin, args...)
		for _, m := range reRefuted.FindAllStringSubmatch(out, -1) {
			refuted = append(refuted, m[1])
		}
		switch exitCode(err) {
		case 0:
			continue
		case 1:
			v := verdict{Killed: true, By: fmt.Sprintf("run %d", i+1), Refuted: refuted}
			switch {
			case reInvariant.MatchString(out):
				v.Invariant = reInvariant.FindStringSubmatch(out)[1]
			case strings.Contains(out, "VACUOUS: "):
				v.Invariant = "vacuous"
			case strings.Contains(out, "DEADLOCK: "):
				v.Invariant = "deadlock"
			}
			if s := reSteps.FindStringSubmatch(out); s != nil {
				v.Steps, _ = strconv.Atoi(s[1])
			}
			return v
		default:
			return verdict{Err: fmt.Sprintf("run %d: %v: %s", i+1, err, lastLine(out)), Refuted: refuted}
		}
	}
	return verdict{Refuted: refuted}
}

// onOff runs the reductions lines with the reductions on and off.
func (h *harness) onOff(bin, dir string) string {
	for _, l := range h.runs.Reductions {
		on := h.explore(bin, dir, [][]string{l}, nil)
		off := h.explore(bin, dir, [][]string{l}, []string{"--no-dead", "--no-symmetry"})
		if on.Err != "" || off.Err != "" {
			return "error: " + on.Err + off.Err
		}
		// Which invariant is reported first may differ when several break
		// at the same depth; the verdict and the shortest length may not.
		if on.Killed != off.Killed || on.Steps != off.Steps {
			return fmt.Sprintf("DIFFER at %s: on %s, off %s", strings.Join(l[1:], " "), short(on), short(off))
		}
	}
	return "agree"
}

// simulate runs the simulate lines.
func (h *harness) simulate(bin, dir string) verdict {
	for i, l := range h.runs.Simulate {
		args := append(append([]string(nil), l[1:]...), "--out", filepath.Join(dir, "sim"))
		out, err := h.cmd(bin, append([]string{"simulate"}, args...)...)
		switch exitCode(err) {
		case 0:
			continue
		case 1:
			v := verdict{Killed: true, By: fmt.Sprintf("run %d", i+1)}
			if s := reInvariant.FindStringSubmatch(out); s != nil {
				v.Invariant = s[1]
			} else if strings.Contains(strings.ToLower(out), "linearizab") {
				v.Invariant = "linearizability"
			}
			return v
		default:
			return verdict{Err: fmt.Sprintf("run %d: %v: %s", i+1, err, lastLine(out))}
		}
	}
	return verdict{}
}

// test runs the test suite, package group by package group, until one
// fails.
func (h *harness) test(overlay string) verdict {
	for _, pkgs := range []string{"./impl/...", "./checker/...", "./traces/...", "./cmd/...", "./docs/..."} {
		out, err := h.cmd("go", "test", "-overlay", overlay, "-short", "-count=1", "-timeout", "5m", pkgs)
		if err == nil {
			continue
		}
		v := verdict{Killed: true, By: pkgs}
		switch s := reFailTest.FindStringSubmatch(out); {
		case strings.Contains(out, "panic: test timed out"):
			v.By = "a test of " + pkgs + " timed out"
		case s != nil:
			v.By = s[1]
		case exitCode(err) != 1:
			v = verdict{Err: fmt.Sprintf("%s: %v: %s", pkgs, err, lastLine(out))}
		}
		return v
	}
	return verdict{}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func short(v verdict) string {
	switch {
	case v.Err != "":
		return "ERROR (" + v.Err + ")"
	case !v.Killed:
		return "survived"
	case v.Invariant != "":
		return "killed (" + v.Invariant + ")"
	}
	return "killed"
}

// report renders the table and says whether the harness must fail.
func report(rows []result, tests bool) (string, bool) {
	var b strings.Builder
	bad := false
	b.WriteString("| mutant | explorer (make check's bounds) | invariant | steps | hints refuted | reductions on/off | simulator | tests | time |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	nonEq, byExplorer, byOther, eq := 0, 0, 0, 0
	var problems []string
	for _, r := range rows {
		cell := func(v verdict) string {
			switch {
			case v.Err != "":
				return "error"
			case v.Killed && v.By != "":
				return "killed (" + v.By + ")"
			case v.Killed:
				return "killed"
			}
			return "survived"
		}
		testCell := "not run"
		if tests {
			testCell = cell(r.Tests)
		}
		steps := ""
		if r.Explorer.Steps > 0 {
			steps = strconv.Itoa(r.Explorer.Steps)
		}
		name := r.M.Name
		if r.M.Equivalent != "" {
			name += " (equivalent)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, cell(r.Explorer), r.Explorer.Invariant, steps,
			strings.Join(r.Explorer.Refuted, ", "), r.OnOff, cell(r.Sim), testCell, r.Time.Round(time.Second))
		other := r.Sim.Killed || tests && r.Tests.Killed
		if r.M.Equivalent != "" {
			// Unit tests pin the code's exact steps and may tell an
			// equivalent mutant apart; the checkers of the protocol's
			// properties must not.
			eq++
			if r.Explorer.Killed || r.Sim.Killed {
				problems = append(problems, r.M.Name+" is marked equivalent but a checker killed it: the argument for it is wrong")
			}
		} else {
			nonEq++
			if r.Explorer.Killed {
				byExplorer++
			} else {
				problems = append(problems, r.M.Name+" survived the explorer at make check's bounds")
			}
			if other {
				byOther++
			} else if tests {
				problems = append(problems, r.M.Name+" survived the simulator and the tests")
			}
		}
		for _, v := range []verdict{r.Explorer, r.Sim, r.Tests} {
			if v.Err != "" {
				problems = append(problems, r.M.Name+": "+v.Err)
			}
		}
		if r.OnOff != "agree" {
			problems = append(problems, r.M.Name+": reductions on and off: "+r.OnOff)
		}
	}
	fmt.Fprintf(&b, "\nmutation score: the explorer killed %d of %d non-equivalent mutants", byExplorer, nonEq)
	if tests {
		fmt.Fprintf(&b, "; %d of them were also killed by the simulator or the tests", byOther)
	}
	fmt.Fprintf(&b, "; %d equivalent mutants (argued in the catalogue) survived the explorer and the simulator\n", eq)
	for _, p := range problems {
		bad = true
		fmt.Fprintf(&b, "PROBLEM: %s\n", p)
	}
	return b.String(), bad
}
