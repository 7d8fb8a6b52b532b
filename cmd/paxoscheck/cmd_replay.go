package main

import (
	"fmt"
	"io"
)

func init() {
	register(command{name: "replay", summary: "re-execute a trace step by step, showing each node's state change", run: runReplay})
}

// runReplay is `paxoscheck replay TRACE` (issue 5): the inspector's view of
// a counterexample, by the trace's protocol (its traceProtocol.replay).
// Each step is re-executed on the code; for each it prints the action, the
// state change of the node it touched, its durable write, and the messages
// that left and joined the network. It ends with the invariant verdict. Exit 0 when every invariant holds after every step, 1
// on a violation or a divergence from the code, 2 on bad input.
func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("replay", "replay TRACE", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "paxoscheck replay: want exactly one trace, got %d (see paxoscheck replay --help)\n", fs.NArg())
		return exitBadInput
	}
	return protocolOf(fs.Arg(0)).replay(fs.Arg(0), stdout, stderr)
}
