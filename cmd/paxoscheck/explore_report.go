package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// An explore report (--report FILE) is one search's outcome as JSON: what
// merge-reports reads to combine the shards of one search (--shard i/N),
// run by any batch scheduler, into one verdict.

// reportFormat and reportVersion name the report's format.
const (
	reportFormat  = "paxoscheck-explore-report"
	reportVersion = 1
)

// exploreReport is the report's JSON.
type exploreReport struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Search names the search: explore's flags that shape the graph and
	// its checks, sorted, with their values (searchIdentity). Shards of
	// one search have the same.
	Search string `json:"search"`
	// Shard and Shards: --shard i/N (0 and 0 when not a shard); Split is
	// where the shard split its search (nil: it did not, and searched the
	// whole graph).
	Shard  int          `json:"shard"`
	Shards int          `json:"shards"`
	Split  *reportSplit `json:"split,omitempty"`

	Distinct    int64 `json:"distinct"`
	Transitions int64 `json:"transitions"`
	MaxDepth    int   `json:"max_depth"`
	// Complete: the search (a shard: its share) was not cut short.
	Complete   bool   `json:"complete"`
	Stopped    string `json:"stopped,omitempty"`
	Chosen     bool   `json:"chosen"`
	AllLearned bool   `json:"all_learned"`
	// Verdict is ok, violation, deadlock, vacuous or incomplete; Line is
	// the verdict line explore printed.
	Verdict string `json:"verdict"`
	Line    string `json:"line"`
	// Counterexample is the trace file explore wrote (with Steps steps).
	Counterexample string  `json:"counterexample,omitempty"`
	Steps          int     `json:"steps,omitempty"`
	Seconds        float64 `json:"seconds"`
}

// reportSplit is explore.ShardSplit in the report.
type reportSplit struct {
	Depth int   `json:"depth"`
	Level int64 `json:"level"`
	Owned int64 `json:"owned"`
	Above int64 `json:"above"`
}

// notIdentity are explore's flags that change how a search runs, or where
// it writes, but not the graph it searches or what it checks.
var notIdentity = map[string]bool{"shard": true, "report": true, "out": true, "progress": true, "workers": true,
	"max-memory": true, "frontier-memory": true, "checkpoint": true, "checkpoint-every": true, "resume": true}

// searchIdentity is every flag of fs that shapes the search, given or
// not, sorted by name, as name=value words: the same search however its
// command line spells it.
func searchIdentity(fs *flag.FlagSet) string {
	var words []string
	fs.VisitAll(func(f *flag.Flag) {
		if !notIdentity[f.Name] {
			words = append(words, "--"+f.Name+"="+f.Value.String())
		}
	})
	return strings.Join(words, " ")
}

// parseShard reads --shard i/N.
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, erri := strconv.Atoi(strings.TrimSpace(a))
	n, errn := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case !ok || erri != nil || errn != nil:
		return 0, 0, fmt.Errorf("%q: want i/N, shard i of N (i from 0 to N-1)", s)
	case n < 1 || n > 1<<16:
		return 0, 0, fmt.Errorf("%q: N must be 1 to %d", s, 1<<16)
	case i < 0 || i >= n:
		return 0, 0, fmt.Errorf("%q: i must be 0 to %d", s, n-1)
	}
	return i, n, nil
}

// checkReportFile checks, before any work, that a report can be written
// to path ("": none): its directory exists, and path is not a directory.
func checkReportFile(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: no directory %s", path, filepath.Dir(path))
	}
	return nil
}

// violationLine is the VIOLATION line of r, numbered as the
// counterexample trace numbers it: on the set network, a path made a
// multiset one is longer.
func violationLine[I, K ~uint8, M graph.Message[M]](r *explore.Result[I, K, M]) string {
	v := *r.Violation
	if r.SetNetwork && v.Step == len(r.Path) {
		v.Step = len(graph.ToMultiset(r.Path))
	}
	return "VIOLATION: " + v.Error()
}

// finishExplore reports r (report), writes its counterexample, when it
// has one, with save (the protocol's trace written to path: its steps,
// and the printer of its diagram), and writes --report. It returns the
// exit code.
func finishExplore[I, K ~uint8, M graph.Message[M]](c *exploreFlags, r *explore.Result[I, K, M], notes []string, name string,
	save func(path string) (steps int, draw func(io.Writer) error, err error)) int {
	var out strings.Builder
	stdout := c.stdout
	c.stdout = io.MultiWriter(stdout, &out)
	code, write := report(c, r, notes)
	c.stdout = stdout
	rep := newReport(c, r, code, lastLine(out.String()))
	if write {
		code = exitViolation
		path, steps, err := c.writeCounterexample(name, save)
		if err != nil {
			fmt.Fprintf(c.stderr, "paxoscheck explore: %v\n", err)
		} else {
			rep.Counterexample, rep.Steps = path, steps
		}
	}
	if *c.report != "" {
		if err := writeReport(*c.report, rep); err != nil {
			fmt.Fprintf(c.stderr, "paxoscheck explore: --report: %v\n", err)
			if code != exitViolation {
				return exitBadInput // never a pass without its report
			}
		}
	}
	return code
}

// writeCounterexample writes the counterexample as name.jsonl in --out
// (or a new temporary directory) and draws it.
func (c *exploreFlags) writeCounterexample(name string, save func(path string) (int, func(io.Writer) error, error)) (string, int, error) {
	dir, err := c.counterexampleDir()
	if err != nil {
		return "", 0, err
	}
	if c.shards > 0 {
		name = fmt.Sprintf("%s.shard-%d", name, c.shard) // shards may share --out
	}
	path := filepath.Join(dir, name+".jsonl")
	steps, draw, err := save(path)
	if err != nil {
		return "", 0, err
	}
	fmt.Fprintf(c.stdout, "counterexample (%d steps): %s\n", steps, path)
	if err := draw(c.stdout); err != nil {
		fmt.Fprintf(c.stderr, "paxoscheck explore: %v\n", err)
	}
	return path, steps, nil
}

// lastLine is the last line of s.
func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// newReport is the report of r, which report judged with code and the
// verdict line line.
func newReport[I, K ~uint8, M graph.Message[M]](c *exploreFlags, r *explore.Result[I, K, M], code int, line string) exploreReport {
	rep := exploreReport{Format: reportFormat, Version: reportVersion, Search: searchIdentity(c.fs), Shard: c.shard, Shards: c.shards,
		Distinct: r.Distinct, Transitions: r.Transitions, MaxDepth: r.MaxDepth, Complete: r.Complete, Stopped: r.Stopped,
		Chosen: r.Chosen, AllLearned: r.AllLearned, Line: line, Seconds: r.Elapsed.Seconds()}
	if sp := r.Split; sp.Level > 0 {
		rep.Split = &reportSplit{Depth: sp.Depth, Level: sp.Level, Owned: sp.Owned, Above: sp.Above}
	}
	err := r.Err()
	switch {
	case r.Violation != nil:
		rep.Verdict = "violation"
	case errors.Is(err, explore.ErrDeadlock):
		rep.Verdict = "deadlock"
	case errors.Is(err, explore.ErrVacuous):
		rep.Verdict = "vacuous"
	case code == exitOK:
		rep.Verdict = "ok"
	default:
		rep.Verdict = "incomplete"
	}
	return rep
}

// writeReport writes rep to path whole or not at all: a temporary file
// renamed into place.
func writeReport(path string, rep exploreReport) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // once renamed, this removes nothing
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// readReport reads and checks one report.
func readReport(path string) (exploreReport, error) {
	var rep exploreReport
	b, err := os.ReadFile(path)
	if err != nil {
		return rep, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return rep, fmt.Errorf("%s: not an explore report: %v", path, err)
	}
	switch {
	case rep.Format != reportFormat:
		return rep, fmt.Errorf("%s: format %q, want %q", path, rep.Format, reportFormat)
	case rep.Version != reportVersion:
		return rep, fmt.Errorf("%s: report version %d, this paxoscheck reads %d", path, rep.Version, reportVersion)
	case rep.Shards < 0 || rep.Shards > 1<<16 || rep.Shard < 0 || rep.Shard >= max(rep.Shards, 1):
		return rep, fmt.Errorf("%s: shard %d of %d", path, rep.Shard, rep.Shards)
	}
	switch rep.Verdict {
	case "ok", "violation", "deadlock", "vacuous", "incomplete":
	default:
		return rep, fmt.Errorf("%s: unknown verdict %q", path, rep.Verdict)
	}
	return rep, nil
}
