package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/internal/english"
	"github.com/paxoscheck/paxoscheck/traces"
)

func init() {
	register(command{name: "check", summary: "check traces: format, replay against the code, invariants, linearizability", run: runCheck})
}

// runCheck is `paxoscheck check [flags] TRACE...` (issue 5). Each trace is
// read and validated by its protocol's layer (traceProtocol.check),
// replayed step by step against the code (checker/replay), every invariant is evaluated after every
// step, and the client history is checked with Porcupine.
//
// Exit code: 2 if any trace is bad input (unreadable, malformed: the
// reason names the line); else 1 if any trace diverges from the code,
// breaks an invariant, is not linearizable, or its linearizability is
// unknown (Porcupine timed out: not a pass); else 0.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "check [flags] TRACE...", stderr)
	asJSON := fs.Bool("json", false, "print the verdicts as a JSON array instead of text")
	htmlDir := fs.String("html", "", "write Porcupine's view of each trace's client history to `DIR`/<trace>.html")
	noHTML := fs.Bool("no-html", false, "do not write Porcupine's view next to a trace whose history is not linearizable")
	timeout := fs.Duration("linearize-timeout", linearize.DefaultTimeout, linearizeTimeoutUsage)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "paxoscheck check: no trace given (see paxoscheck check --help)")
		return exitBadInput
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "paxoscheck check: --linearize-timeout %s: must be positive\n", *timeout)
		return exitBadInput
	}
	if *htmlDir != "" {
		if err := os.MkdirAll(*htmlDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "paxoscheck check: --html: %v\n", err)
			return exitBadInput
		}
	}
	code := exitOK
	var all []replay.Verdict
	for _, path := range fs.Args() {
		v := checkOne(path, replay.Options{Timeout: *timeout})
		switch {
		case v.Kind == replay.BadInput:
			code = exitBadInput
		case v.Kind != replay.OK && code == exitOK:
			code = exitViolation
		}
		var htmlPath string
		if v.Kind != replay.BadInput {
			switch {
			case *htmlDir != "":
				htmlPath = filepath.Join(*htmlDir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".html")
			case !*noHTML && v.Linearizability.Verdict == linearize.Illegal:
				htmlPath = strings.TrimSuffix(path, filepath.Ext(path)) + ".html"
			}
		}
		if htmlPath != "" {
			if err := v.WriteHTML(htmlPath); err != nil {
				fmt.Fprintf(stderr, "paxoscheck check: %v\n", err)
				code = exitBadInput
				htmlPath = ""
			}
		}
		all = append(all, v)
		if *asJSON {
			continue
		}
		if v.Kind == replay.BadInput {
			fmt.Fprintf(stderr, "paxoscheck check: %s\n", v.Error)
			continue
		}
		printVerdict(stdout, &v, htmlPath)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			fmt.Fprintf(stderr, "paxoscheck check: %v\n", err)
			return exitBadInput
		}
	} else if len(all) > 1 {
		fmt.Fprintln(stdout, checkSummary(all))
	}
	return code
}

// checkSummary is the last line of a check of several traces: how many
// had each verdict.
func checkSummary(all []replay.Verdict) string {
	n := map[replay.Kind]int{}
	for _, v := range all {
		n[v.Kind]++
	}
	var parts []string
	for _, k := range []struct {
		kind replay.Kind
		noun string
	}{{replay.OK, "ok"}, {replay.Violation, "violation"}, {replay.Divergent, "divergence"}, {replay.Unknown, "unknown"}, {replay.BadInput, "bad input"}} {
		switch {
		case n[k.kind] == 0:
		case k.kind == replay.Violation || k.kind == replay.Divergent:
			parts = append(parts, english.Count(n[k.kind], k.noun))
		default:
			parts = append(parts, fmt.Sprintf("%d %s", n[k.kind], k.noun))
		}
	}
	return fmt.Sprintf("checked %s: %s", english.Count(len(all), "trace"), strings.Join(parts, ", "))
}

// checkOne reads and checks one trace, by its protocol; a trace that
// cannot be read or set up comes back as a BadInput verdict.
func checkOne(path string, opt replay.Options) replay.Verdict {
	bad := func(err error) replay.Verdict {
		v := replay.Verdict{File: path, Kind: replay.BadInput, Error: err.Error()}
		var pe *traces.ParseError
		if errors.As(err, &pe) {
			v.Line = pe.Line
		}
		return v
	}
	v, err := protocolOf(path).check(path, opt)
	if err != nil {
		return bad(err)
	}
	v.File = path
	return v
}

func printVerdict(w io.Writer, v *replay.Verdict, htmlPath string) {
	fmt.Fprintf(w, "%s: %s\n", v.File, v.Summary())
	if v.Kind == replay.Divergent {
		fmt.Fprintf(w, "  replayed %d of %d steps; the trace was not produced by this code and configuration\n", v.Replayed, v.Steps)
		if v.Violation != nil {
			fmt.Fprintf(w, "  before that: %s\n", english.Violation(v.Violation.Invariant, v.Violation.Step, v.Violation.Detail))
		}
	}
	if len(v.Broken) > 1 {
		var also []string
		for _, b := range v.Broken[1:] {
			also = append(also, fmt.Sprintf("%s (step %d)", b.Invariant, b.Step))
		}
		fmt.Fprintf(w, "  later also violated: %s\n", strings.Join(also, ", "))
	}
	if l := v.Linearizability; l != nil && v.Kind != replay.OK {
		fmt.Fprintf(w, "  linearizability: %s", l)
		if l.Detail != "" {
			fmt.Fprintf(w, ": %s", l.Detail)
		}
		fmt.Fprintln(w)
	}
	if c := v.Claimed; c != nil {
		word := "confirmed"
		if !*v.ClaimConfirmed {
			word = "NOT confirmed"
		}
		fmt.Fprintf(w, "  the trace claims %s after step %d: %s\n", c.Invariant, c.Step, word)
	}
	if htmlPath != "" {
		fmt.Fprintf(w, "  history view: %s\n", htmlPath)
	}
}
