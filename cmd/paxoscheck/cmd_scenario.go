package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/internal/english"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func init() {
	register(command{name: "scenario", summary: "run a named textbook scenario and show its trace", run: runScenario})
}

// scenarioFormats are the --format values of scenario.
var scenarioFormats = []string{"text", "mermaid", "html", "jsonl"}

// runScenario is `paxoscheck scenario --list` and `paxoscheck scenario
// NAME [--format text|mermaid|html|jsonl] [--out FILE]` (issue 6): it runs
// one of the deterministic scenarios of checker/paxos/scenario and renders its
// trace. Exit 0 when every invariant holds after every step, 1 when the
// scenario breaks one (only promise-not-persisted is built to), 2 on bad
// input.
func runScenario(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("scenario", "scenario [--protocol paxos|multipaxos] --list | scenario NAME [--format text|mermaid|html|jsonl] [--out FILE]", stderr)
	protocol := fs.String("protocol", "paxos", "whose scenarios: paxos or multipaxos")
	list := fs.Bool("list", false, "list the scenarios and what each shows")
	format := fs.String("format", "text", "output `format`: text, mermaid, html or jsonl (the trace itself)")
	out := fs.String("out", "", "write to `FILE` instead of standard output")
	ascii := fs.Bool("ascii", false, "text format: draw with ASCII characters only")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	// Flags may also follow the name: scenario NAME --format html.
	var name string
	if fs.NArg() > 0 {
		name = fs.Arg(0)
		if code, ok := parseFlags(fs, fs.Args()[1:]); !ok {
			return code
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "paxoscheck scenario: unexpected arguments %q after the scenario name\n", fs.Args())
			return exitBadInput
		}
	}
	if *list && name != "" {
		fmt.Fprintf(stderr, "paxoscheck scenario: --list takes no scenario name (got %q): give one or the other\n", name)
		return exitBadInput
	}
	switch *protocol {
	case "paxos":
	case mptrace.ProtocolName:
		return runMultiPaxosScenario(name, *list, *format, *out, *ascii, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "paxoscheck scenario: --protocol %q: unknown (known: paxos, multipaxos)\n", *protocol)
		return exitBadInput
	}
	if *list {
		for _, sc := range scenario.All {
			fmt.Fprintf(stdout, "%-30s %s\n", sc.Name, sc.Summary)
		}
		return exitOK
	}
	if name == "" {
		fmt.Fprintln(stderr, "paxoscheck scenario: no scenario named (see paxoscheck scenario --list)")
		return exitBadInput
	}
	sc, err := scenario.Get(name)
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %v\n", err)
		return exitBadInput
	}
	t, err := sc.Run()
	if err != nil {
		// A scripted scenario that cannot run is a bug of this program.
		fmt.Fprintf(stderr, "paxoscheck scenario: %v\n", err)
		return exitBadInput
	}
	var buf bytes.Buffer
	switch *format {
	case "text":
		err = paxostrace.RenderText(&buf, &t, paxostrace.TextOptions{ASCII: *ascii})
	case "mermaid":
		err = paxostrace.RenderMermaid(&buf, &t)
	case "html":
		err = paxosmodel.WriteHTML(&buf, &t, viewer.Options{Title: "scenario " + sc.Name})
	case "jsonl":
		err = paxostrace.Write(&buf, t)
	default:
		fmt.Fprintf(stderr, "paxoscheck scenario: unknown --format %q (want one of %s)\n", *format, strings.Join(scenarioFormats, ", "))
		return exitBadInput
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %s: %v\n", sc.Name, err)
		return exitBadInput
	}
	if *out != "" {
		err = os.WriteFile(*out, buf.Bytes(), 0o644)
	} else {
		_, err = stdout.Write(buf.Bytes())
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %v\n", err)
		return exitBadInput
	}
	if v := t.Header.Violation; v != nil {
		fmt.Fprintf(stderr, "paxoscheck scenario: %s: VIOLATION: %s\n", sc.Name, english.Violation(v.Invariant, v.Step, v.Detail))
		return exitViolation
	}
	return exitOK
}
