package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/traces"
)

func init() {
	register(command{name: "show", summary: "draw a trace as a sequence diagram (text, Mermaid) or a stepping HTML viewer", run: runShow})
}

// showFormats are the formats `show` knows.
const showFormats = "text, mermaid or html"

// runShow is `paxoscheck show [--format text|mermaid|html] [--ascii] TRACE`
// (issues 2 and 6): it reads and validates the trace by its protocol's
// layer (traceProtocol.read) and prints its message-flow diagram. Flags may come before or after TRACE.
//
// The trace is also replayed against the code (as check does), so that
// what the diagram shows is not taken on the header's word: a trace the
// code would not produce, or whose header claims a violation the replay
// does not find, is said so on stderr in one line.
//
// Exit code: 0 when the diagram was printed (also for a trace that records
// a violation: showing it is the point); 1 when it was printed but the
// trace diverges from the code or its claimed violation is not confirmed;
// 2 for a bad or unreadable trace, an unknown format or bad usage, with a
// one-line error on stderr.
func runShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("show", "show [--format text|mermaid|html] [--ascii] [--out FILE] TRACE", stderr)
	format := fs.String("format", "text", "diagram `format`: "+showFormats)
	out := fs.String("out", "", "write the diagram to `FILE` instead of standard output (as scenario --out)")
	ascii := fs.Bool("ascii", false, "text format: draw with ASCII characters only")
	// The standard flag package stops at the first argument; parse again
	// after each one so that `show TRACE --format mermaid` works too.
	var paths []string
	for {
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(paths) != 1 {
		fmt.Fprintf(stderr, "paxoscheck show: want exactly one TRACE, got %d (see paxoscheck show --help)\n", len(paths))
		return exitBadInput
	}
	switch *format {
	case "text", "mermaid", "html":
	default:
		fmt.Fprintf(stderr, "paxoscheck show: unknown format %q (want %s)\n", *format, showFormats)
		return exitBadInput
	}
	if *ascii && *format != "text" {
		fmt.Fprintf(stderr, "paxoscheck show: --ascii draws the text format only, not %s\n", *format)
		return exitBadInput
	}
	t, err := protocolOf(paths[0]).read(paths[0])
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck show: %v\n", err)
		return exitBadInput
	}
	// The replay comes first: the diagram shows the violation the replay
	// confirms, in today's words, and no claim the replay disproves.
	v, err := protocolOf(paths[0]).check(paths[0], replay.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck show: %v\n", err)
		return exitBadInput
	}
	code, warning := exitOK, ""
	switch {
	case v.Kind == replay.Divergent:
		code = exitViolation
		warning = fmt.Sprintf("the code does not produce this trace: %s; drawn without its header's claim (paxoscheck check %s)", v.Summary(), paths[0])
		t = t.claiming(nil)
	case v.Claimed != nil && (v.ClaimConfirmed == nil || !*v.ClaimConfirmed):
		code = exitViolation
		warning = fmt.Sprintf("the header claims %s after step %d, which the replay does not find: %s; drawn without that claim (paxoscheck check %s)",
			v.Claimed.Invariant, v.Claimed.Step, v.Summary(), paths[0])
		t = t.claiming(nil)
	case v.Claimed != nil:
		t = t.claiming(confirmed(&v))
	}
	var buf bytes.Buffer
	err = t.draw(&buf, *format, *ascii, paths[0])
	if err == nil && *out != "" {
		if err = os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			err = fmt.Errorf("--out: %w", err)
		}
	} else if err == nil {
		_, err = stdout.Write(buf.Bytes())
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck show: %v\n", err)
		return exitBadInput
	}
	if warning != "" {
		fmt.Fprintf(stderr, "paxoscheck show: %s\n", warning)
	}
	return code
}

// confirmed is the violation the header of v's trace claims, as the replay
// found it (its step and today's wording); the claim itself if the replay
// found it under a name it does not list (the linearizability check).
func confirmed(v *replay.Verdict) *traces.Violation {
	for i := range v.Broken {
		if b := &v.Broken[i]; b.Invariant == v.Claimed.Invariant {
			return b
		}
	}
	if v.Claimed.Invariant == replay.LinearizabilityCheck && v.Linearizability != nil && v.Linearizability.Detail != "" {
		return &traces.Violation{Invariant: v.Claimed.Invariant, Step: v.Claimed.Step, Detail: v.Linearizability.Detail}
	}
	return v.Claimed
}
