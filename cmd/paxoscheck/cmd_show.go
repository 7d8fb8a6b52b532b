package main

import (
	"bufio"
	"fmt"
	"io"
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
// Exit code: 0 when the diagram was printed (also for a trace that records
// a violation: showing it is the point), 2 for a bad or unreadable trace,
// an unknown format or bad usage, with a one-line error on stderr.
func runShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("show", "show [--format text|mermaid|html] [--ascii] TRACE", stderr)
	format := fs.String("format", "text", "diagram `format`: "+showFormats)
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
	t, err := protocolOf(paths[0]).read(paths[0])
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck show: %v\n", err)
		return exitBadInput
	}
	bw := bufio.NewWriter(stdout)
	err = t.draw(bw, *format, *ascii, paths[0])
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck show: %v\n", err)
		return exitBadInput
	}
	return exitOK
}
