package mpcluster

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/internal/english"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// LinearizeTimeout bounds each Porcupine check of a run.
var LinearizeTimeout = time.Minute

// Result is what a run's checks found.
type Result struct {
	Dir     string
	Elapsed time.Duration
	Events  []Event
	// The client history; Keys is how many keys the final reads must read.
	Ops, Answered, Final, FinalAnswered, Keys int
	// History is Porcupine's verdict on the clients' history, in real time.
	History linearize.Result
	// Merge is what merging the parts did, or why they did not merge
	// (MergeErr); Trace is the merged trace's file.
	Merge    mptrace.MergeReport
	MergeErr error
	Trace    string
	Steps    int
	// Replay is the merged trace replayed against the code, with every
	// invariant checked after every step (nil: no merged trace).
	Replay *replay.Verdict
	// Processes lists every life of a node that ended badly (a panic, a
	// failure, a SIGTERM it did not obey); Kills and Lives count.
	Processes    []string
	Kills, Lives int
	// Restarts counts the Restart steps of the merged trace: each a node
	// back from its own files (Merge checks the state it loaded is the
	// one its part last persisted).
	Restarts int
	// Bench is a benchmark's figures (Options.Bench; nil otherwise).
	Bench *Bench
	// Pages are the run's HTML pages, in Dir (report.html, trace.html,
	// history.html).
	Pages []string
}

// Failed reports whether a check failed. A check that could not be made
// is a failure too: an unknown Porcupine verdict (it is not a pass), parts
// that do not merge (more operations than a trace holds included: lower
// --ops), a key the final reads could not read (the run cannot say its
// acknowledged writes survived).
func (r *Result) Failed() bool {
	return r.History.Verdict != linearize.Ok || r.Replay != nil && r.Replay.Kind != replay.OK || len(r.Processes) > 0 ||
		r.MergeErr != nil || r.FinalAnswered < r.Keys
}

// check runs every checker on what the run left.
func (r *run) check() *Result {
	res := &Result{Dir: r.opt.Dir, Events: r.events, Elapsed: time.Since(r.started), Keys: r.opt.Workload.Keys}
	r.hist.mu.Lock()
	ops := slices.Clone(r.hist.ops)
	r.hist.mu.Unlock()
	slices.SortStableFunc(ops, func(a, b Op) int { return cmp.Compare(a.Call, b.Call) })
	if err := writeHistory(filepath.Join(r.opt.Dir, "history.jsonl"), ops); err != nil {
		res.Processes = append(res.Processes, "history: "+err.Error())
	}
	for _, op := range ops {
		switch {
		case op.Final:
			res.Final++
			if op.Reply != nil {
				res.FinalAnswered++
			}
		default:
			res.Ops++
			if op.Reply != nil {
				res.Answered++
			}
		}
	}
	res.History = linearize.Check(&mpmodel.KV, porcupineOps(ops), LinearizeTimeout)
	for _, id := range r.cfg.Nodes() {
		p := r.procs[id]
		p.mu.Lock()
		res.Processes = append(res.Processes, p.fails...)
		res.Kills += p.kills
		res.Lives += p.lives
		p.mu.Unlock()
		if b, err := os.ReadFile(p.log); err == nil && strings.Contains(string(b), "panic:") {
			res.Processes = append(res.Processes, fmt.Sprintf("%s panicked (see %s)", p.name, p.log))
		}
	}
	var paths []string
	for _, id := range r.cfg.Nodes() {
		paths = append(paths, filepath.Join(r.opt.Dir, "nodes", strconv.Itoa(int(id)), "trace.jsonl"))
	}
	tr, rep, err := mergeFiles(paths)
	res.Merge, res.MergeErr = rep, err
	if err != nil {
		res.Processes = append(res.Processes, r.writeHTML(res, nil, ops)...)
		return res
	}
	res.Trace, res.Steps = filepath.Join(r.opt.Dir, "trace.jsonl"), len(tr.Steps)
	if err := mptrace.WriteFile(res.Trace, tr); err != nil {
		res.MergeErr = err
		return res
	}
	for _, s := range tr.Steps {
		if s.Action == mptrace.EvRestart {
			res.Restarts++
		}
	}
	v, err := mpmodel.Check(&tr, replay.Options{Timeout: LinearizeTimeout})
	if err != nil && v.Kind == "" {
		v.Kind = replay.BadInput
	}
	res.Replay = &v
	res.Processes = append(res.Processes, r.writeHTML(res, &tr, ops)...)
	return res
}

func mergeFiles(paths []string) (mptrace.Trace, mptrace.MergeReport, error) {
	var parts []mptrace.Part
	for _, p := range paths {
		part, _, err := mptrace.ReadPartFile(p)
		if err != nil {
			return mptrace.Trace{}, mptrace.MergeReport{}, err
		}
		parts = append(parts, part)
	}
	return mptrace.Merge(parts, "cluster")
}

// porcupineOps is the history as Porcupine reads it: each session a
// client, a pending operation's return at infinity.
func porcupineOps(ops []Op) []porcupine.Operation {
	var out []porcupine.Operation
	for _, op := range ops {
		o := porcupine.Operation{ClientId: int(op.Cmd.Client), Input: op.Cmd, Call: op.Call,
			Output: mpmodel.Output{Pending: true}, Return: linearize.Return, Metadata: op.Outcome}
		if op.Reply != nil {
			o.Output, o.Return = mpmodel.Output{Reply: *op.Reply}, op.Return
		}
		out = append(out, o)
	}
	return out
}

func writeHistory(path string, ops []Op) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// Report writes what the run found, one fact a line, ending with the
// verdict.
func (r *Result) Report(w io.Writer) {
	fmt.Fprintf(w, "run: %s in %.1fs; %s; %d kill -9s, %d node processes started in all\n", r.Dir, r.Elapsed.Seconds(),
		english.Count(len(r.Events), "nemesis event"), r.Kills, r.Lives)
	fmt.Fprintf(w, "clients: %s, %d answered (the rest unknown: pending); %s at the end, %d answered\n",
		english.Count(r.Ops, "operation"), r.Answered, english.Count(r.Final, "final read"), r.FinalAnswered)
	if r.FinalAnswered < r.Keys {
		fmt.Fprintf(w, "final reads: FAILED: %d of %d keys read, so the run cannot say every acknowledged write survived\n", r.FinalAnswered, r.Keys)
	}
	switch r.History.Verdict {
	case linearize.Ok:
		fmt.Fprintf(w, "history: linearizable (Porcupine, real time, %s)\n", english.Count(r.Ops+r.Final, "operation"))
	case linearize.Illegal:
		fmt.Fprintf(w, "history: NOT LINEARIZABLE: %s (see %s)\n", r.History.Detail, filepath.Join(r.Dir, "history.html"))
	default:
		fmt.Fprintf(w, "history: UNKNOWN: Porcupine gave up after %v (not a pass)\n", LinearizeTimeout)
	}
	if r.MergeErr != nil {
		fmt.Fprintf(w, "trace: FAILED: not merged, so not replayed: %v\n", r.MergeErr)
	} else {
		fmt.Fprintf(w, "trace: %s, %s merged in %s order (%s and %s added; %s never consumed)\n", r.Trace, english.Count(r.Steps, "step"),
			r.Merge.Order, english.Count(r.Merge.Duplicates, "copy"), english.Count(r.Merge.Crashes, "crash"), english.Count(r.Merge.InFlight, "message"))
		fmt.Fprintf(w, "restarts: %s, each from the node's own files\n", english.Count(r.Restarts, "restart"))
	}
	if v := r.Replay; v != nil {
		switch v.Kind {
		case replay.OK:
			fmt.Fprintf(w, "replay: ok: %d steps replayed on the code, every invariant holds after every step\n", v.Replayed)
		case replay.Violation:
			if v.Violation != nil {
				fmt.Fprintf(w, "replay: %s\n", v.Violation.Line())
			} else {
				fmt.Fprintf(w, "replay: every invariant holds, but the trace's client history is not linearizable: %s\n", v.Linearizability)
			}
		default:
			why := "?"
			if v.Divergence != nil {
				why = v.Divergence.Error()
			}
			fmt.Fprintf(w, "replay: %s after %d steps: %s\n", strings.ToUpper(string(v.Kind)), v.Replayed, why)
		}
	}
	for _, p := range r.Processes {
		fmt.Fprintf(w, "process: %s\n", p)
	}
	if len(r.Pages) > 0 {
		fmt.Fprintf(w, "pages: %s\n", strings.Join(r.Pages, ", "))
	}
	if r.Failed() {
		fmt.Fprintln(w, "FAILED")
	} else {
		fmt.Fprintln(w, "ok: every check passed")
	}
}
