package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpvalidate"
	"github.com/paxoscheck/paxoscheck/checker/paxos/tlcvalidate"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/internal/english"
	"github.com/paxoscheck/paxoscheck/traces"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func init() {
	register(command{name: "validate", summary: "check with TLC that traces are behaviours of the TLA+ spec", run: runValidate})
}

// runValidate is `paxoscheck validate [flags] TRACE...` (issue 15): each
// trace becomes a log of spec actions (single-decree Paxos:
// tlcvalidate.Entries, spec/PaxosTrace.tla; Multi-Paxos:
// mpvalidate.Entries, spec/MultiPaxosTrace.tla), TLC follows the logs in
// one run per protocol, cluster and spec, and each trace is reported a
// behaviour of the spec or rejected at its first step no spec action
// explains, with the spec state before it. By default a trace is followed
// by the spec of the bugs its header names (the correct spec when none);
// --correct follows every trace by the correct spec, which rejects a
// counterexample where its bug acts.
//
// Exit code: 0 when every trace is a behaviour of its spec, 1 when one is
// rejected, 2 for bad input, no TLC (one line), or a TLC that fails; 130
// on Ctrl-C (TLC is stopped).
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", "validate [--correct] [--workers N] [--keep DIR] TRACE...", stderr)
	correct := fs.Bool("correct", false, "follow every trace by the correct spec (Paxos or Multi-Paxos), whatever bugs its header names (a counterexample is then rejected where its bug acts)")
	workers := fs.Int("workers", 1, "TLC processes to run at once, each on a part of a batch of traces")
	keep := fs.String("keep", "", "keep TLC's inputs and outputs (the generated module, cfg, TLC's output) in `DIR`, one folder per TLC run")
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxoscheck validate: "+format+"\n", a...)
		return exitBadInput
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() == 0:
		return bad("no trace given (see paxoscheck validate --help)")
	case *workers < 1 || *workers > maxWorkers:
		return bad("--workers %d: want 1..%d", *workers, maxWorkers)
	}
	if err := checkOutDir(*keep); err != nil {
		return bad("--keep: %v", err)
	}
	// Each trace is read by its protocol's reader and validated by its
	// protocol's spec; the verdicts are printed in the order given.
	var ps []*paxostrace.Trace
	var ms []*mptrace.Trace
	var which []int // which[i]: trace i's index in ps (>= 0) or in ms (^index)
	for _, path := range fs.Args() {
		if traces.ProtocolOfFile(path) == mptrace.ProtocolName {
			t, err := mptrace.ReadFile(path)
			if err != nil {
				return bad("%v", err)
			}
			which = append(which, ^len(ms))
			ms = append(ms, &t)
			continue
		}
		t, err := paxostrace.ReadFile(path)
		if err != nil {
			return bad("%v", err)
		}
		which = append(which, len(ps))
		ps = append(ps, &t)
	}
	jar, err := tlc.Find()
	if errors.Is(err, tlc.ErrNoTLC) {
		return bad("TLC SKIPPED: %v", err)
	}
	if err != nil {
		return bad("%v", err)
	}
	fmt.Fprintf(stdout, "validate: TLC %s from %s\n", orUnknown(tlc.Version(jar)), jar)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var pv, mv []verdict
	if len(ps) > 0 {
		keepDir := *keep
		if keepDir != "" && len(ms) > 0 {
			keepDir = filepath.Join(keepDir, "paxos")
		}
		rs, err := tlcvalidate.Validate(ctx, jar, ps, tlcvalidate.Options{Correct: *correct, Workers: *workers, Keep: keepDir})
		if code, done := validateFailed(ctx, err, stderr); done {
			return code
		}
		pv = verdicts(rs, func(i int) int { return len(ps[i].Steps) }, func(i int, e *tlcvalidate.Entry) (int, string, string) {
			return e.Step, e.Event, e.Describe(len(ps[i].Header.Proposers))
		})
	}
	if len(ms) > 0 {
		keepDir := *keep
		if keepDir != "" && len(ps) > 0 {
			keepDir = filepath.Join(keepDir, "multipaxos")
		}
		rs, err := mpvalidate.Validate(ctx, jar, ms, mpvalidate.Options{Correct: *correct, Workers: *workers, Keep: keepDir})
		if code, done := validateFailed(ctx, err, stderr); done {
			return code
		}
		mv = verdicts(rs, func(i int) int { return len(ms[i].Steps) }, func(i int, e *mpvalidate.Entry) (int, string, string) {
			return e.Step, e.Event, e.Describe(len(ms[i].Header.Proposers))
		})
	}
	code, accepted := exitOK, 0
	for i, w := range which {
		path := fs.Arg(i)
		var v verdict
		if w >= 0 {
			v = pv[w]
		} else {
			v = mv[^w]
		}
		if v.accepted {
			accepted++
			fmt.Fprintf(stdout, "%s: ok: a behaviour of %s (%s, %s)\n", path, v.spec,
				english.Count(v.steps, "step"), english.Count(v.entries, "spec step"))
			continue
		}
		code = exitViolation
		fmt.Fprintf(stdout, "%s: REJECTED by %s at step %d (%s): no spec action explains it; it needs %s\n",
			path, v.spec, v.step, v.event, v.needs)
		fmt.Fprintf(stdout, "  spec state before it: %s\n", v.state)
	}
	if len(which) > 1 {
		fmt.Fprintf(stdout, "validated %s: %d behaviours of the spec, %d rejected\n", english.Count(len(which), "trace"), accepted, len(which)-accepted)
	}
	return code
}

// verdict is one trace's validation, whichever its protocol.
type verdict struct {
	accepted       bool
	spec           string // the spec that followed it
	steps, entries int
	// For a rejected trace: the step, its event, the spec action it
	// needed, and the spec state before it.
	step                int
	event, needs, state string
}

// verdicts are a protocol's results as verdicts: steps gives trace i's
// steps, at a rejected entry's step, event and the spec action it needed.
func verdicts[V fmt.Stringer, E any](rs []tlc.TraceVerdict[V, E], steps func(i int) int, at func(i int, e *E) (int, string, string)) []verdict {
	out := make([]verdict, len(rs))
	for i, r := range rs {
		out[i] = verdict{accepted: r.Accepted, spec: r.Variant.String(), steps: steps(i), entries: r.Entries, state: r.State}
		if r.Entry != nil {
			out[i].step, out[i].event, out[i].needs = at(i, r.Entry)
		}
	}
	return out
}

// validateFailed reports a validation that could not finish: interrupted
// (TLC stopped; exit 130) or an error (exit 2).
func validateFailed(ctx context.Context, err error, stderr io.Writer) (int, bool) {
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "paxoscheck validate: interrupted; TLC stopped")
		return exitInterrupted, true
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck validate: %v\n", err)
		return exitBadInput, true
	}
	return 0, false
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}
