package main

import (
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/traces"
)

// traceProtocol is one protocol as the trace commands (check, replay,
// show) see it: they read a trace's header for its protocol (traces.
// ProtocolOf) and hand the file to that protocol's entry. A protocol adds
// its entry from its own file (paxos.go is single-decree Paxos's); the
// commands' flags, verdicts and exit codes are the same for all.
type traceProtocol struct {
	name string
	// fallback: it reads every trace no entry claims (one whose header
	// names no protocol, or an unknown one), and its reader refuses it
	// saying which protocol and version it reads.
	fallback bool
	// check reads the trace at path and checks it against the code; an
	// error is bad input (a *traces.ParseError keeps its line).
	check func(path string, opt replay.Options) (replay.Verdict, error)
	// replay prints the step-by-step view of the trace at path and
	// returns the exit code.
	replay func(path string, stdout, stderr io.Writer) int
	// read reads the trace at path for show, and draw draws it in a
	// format of showFormats; an error of read is bad input.
	read func(path string) (drawer, error)
}

// drawer draws one trace.
type drawer interface {
	draw(w io.Writer, format string, ascii bool, title string) error
	// claiming is the trace with its header's violation replaced by v
	// (nil: none), so that show draws what the replay found, not what
	// the header says.
	claiming(v *traces.Violation) drawer
}

var protocolTable = map[string]*traceProtocol{}

func registerProtocol(p *traceProtocol) { protocolTable[p.name] = p }

// protocolOf returns the entry that reads the trace at path: the one its
// header names, else the fallback.
func protocolOf(path string) *traceProtocol {
	if p, ok := protocolTable[traces.ProtocolOfFile(path)]; ok {
		return p
	}
	for _, p := range protocolTable {
		if p.fallback {
			return p
		}
	}
	panic("paxoscheck: no fallback protocol for the trace commands")
}

// protocolNames lists the protocols the trace commands read.
func protocolNames() string { return keyList(protocolTable) }

// keyList is m's keys, sorted, comma separated.
func keyList[V any](m map[string]V) string {
	ns := slices.Sorted(maps.Keys(m))
	return strings.Join(ns, ", ")
}
