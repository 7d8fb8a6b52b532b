package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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
// single-decree trace becomes a log of spec actions (tlcvalidate.Entries),
// TLC follows the logs in one run per cluster and spec (spec/
// PaxosTrace.tla), and each trace is reported a behaviour of the spec or
// rejected at its first step no spec action explains, with the spec state
// before it. By default a trace is followed by the spec of the bugs its
// header names (correct Paxos when none); --correct follows every trace by
// correct Paxos, which rejects a counterexample where its bug acts.
//
// Exit code: 0 when every trace is a behaviour of its spec, 1 when one is
// rejected, 2 for bad input, no TLC (one line), or a TLC that fails; 130
// on Ctrl-C (TLC is stopped).
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", "validate [--correct] [--workers N] [--keep DIR] TRACE...", stderr)
	correct := fs.Bool("correct", false, "follow every trace by correct Paxos, whatever bugs its header names (a counterexample is then rejected where its bug acts)")
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
	var ts []*paxostrace.Trace
	for _, path := range fs.Args() {
		if traces.ProtocolOfFile(path) == mptrace.ProtocolName {
			return bad("%s: Multi-Paxos traces are not validated yet: validate follows single-decree Paxos (spec/PaxosTrace.tla)", path)
		}
		t, err := paxostrace.ReadFile(path)
		if err != nil {
			return bad("%v", err)
		}
		ts = append(ts, &t)
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
	rs, err := tlcvalidate.Validate(ctx, jar, ts, tlcvalidate.Options{Correct: *correct, Workers: *workers, Keep: *keep})
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "paxoscheck validate: interrupted; TLC stopped")
		return exitInterrupted
	}
	if err != nil {
		return bad("%v", err)
	}
	code, accepted := exitOK, 0
	for i, r := range rs {
		path := fs.Arg(i)
		if r.Accepted {
			accepted++
			fmt.Fprintf(stdout, "%s: ok: a behaviour of %s (%s, %s)\n", path, r.Variant,
				english.Count(len(ts[i].Steps), "step"), english.Count(r.Entries, "spec step"))
			continue
		}
		code = exitViolation
		e := r.Entry
		fmt.Fprintf(stdout, "%s: REJECTED by %s at step %d (%s): no spec action explains it; it needs %s\n",
			path, r.Variant, e.Step, e.Event, e.Describe(len(ts[i].Header.Proposers)))
		fmt.Fprintf(stdout, "  spec state before it: %s\n", r.State)
	}
	if len(rs) > 1 {
		fmt.Fprintf(stdout, "validated %s: %d behaviours of the spec, %d rejected\n", english.Count(len(rs), "trace"), accepted, len(rs)-accepted)
	}
	return code
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}
