// Command gen writes docs/walkthrough.md from docs/gen/walkthrough.md.tmpl,
// filling every diagram and verdict with the output of paxoscheck's own
// renderers (the functions behind `paxoscheck scenario` and `paxoscheck
// show`), so that the walkthrough cannot drift from the tool. Run it from
// the repository root:
//
//	go run ./docs/gen            # rewrite docs/walkthrough.md
//	go test ./docs/gen           # fail if docs/walkthrough.md is stale
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpscenario"
	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

//go:embed walkthrough.md.tmpl
var tmplText string

// counterexample is the explorer's checked-in, shortest skip-prepare trace:
// it shows where the run first goes wrong (an unsafe 2a). The skip-prepare
// scenario carries the same bug on to a second chosen value.
const counterexample = "traces/counterexamples/skip-prepare.jsonl"

// agreement is the explorer's shortest skip-prepare run on to two chosen
// values (explore --bug skip-prepare --invariants Agreement).
const agreement = "traces/counterexamples/agreement/skip-prepare.jsonl"

// staleRead is the explorer's checked-in, shortest stale-read trace of
// Multi-Paxos (explore --workload "put,get;put" --bug stale-read).
const staleRead = "traces/counterexamples/multipaxos/stale-read.jsonl"

func main() {
	out := flag.String("out", "docs/walkthrough.md", "file to write")
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	b, err := generate(*root)
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "docs/gen: %v\n", err)
		os.Exit(1)
	}
}

// generate renders the walkthrough; root is the repository root (where a
// counterexample file is looked up).
func generate(root string) ([]byte, error) {
	run := func(name string) (paxostrace.Trace, error) {
		sc, err := scenario.Get(name)
		if err != nil {
			return paxostrace.Trace{}, err
		}
		return sc.Run()
	}
	skip, err := run("skip-prepare")
	if err != nil {
		return nil, err
	}
	skipCmd := "paxoscheck scenario skip-prepare"
	shortest, err := paxostrace.ReadFile(root + "/" + counterexample)
	if err != nil {
		return nil, err
	}
	stale, err := mptrace.ReadFile(root + "/" + staleRead)
	if err != nil {
		return nil, err
	}
	toAgreement, err := paxostrace.ReadFile(root + "/" + agreement)
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"text": func(name string) (string, error) {
			t, err := run(name)
			if err != nil {
				return "", err
			}
			var b strings.Builder
			err = paxostrace.RenderText(&b, &t, paxostrace.TextOptions{})
			return "$ paxoscheck scenario " + name + "\n" + b.String(), err
		},
		"doc": func(name string) (string, error) {
			sc, err := scenario.Get(name)
			return sc.Doc, err
		},
		"list": func() string {
			var b strings.Builder
			b.WriteString("$ paxoscheck scenario --list\n")
			for _, sc := range scenario.All {
				fmt.Fprintf(&b, "%-28s %s\n", sc.Name, sc.Summary)
			}
			return b.String()
		},
		"skipText": func() (string, error) {
			var b strings.Builder
			err := paxostrace.RenderText(&b, &skip, paxostrace.TextOptions{})
			return "$ " + skipCmd + "\n" + b.String(), err
		},
		"skipMermaid": func() (string, error) {
			var b strings.Builder
			err := paxostrace.RenderMermaid(&b, &skip)
			return b.String(), err
		},
		"skipSource": func() string { return skipCmd },
		"mpText": func(name string) (string, error) {
			sc, err := mpscenario.Get(name)
			if err != nil {
				return "", err
			}
			t, err := sc.Run()
			if err != nil {
				return "", err
			}
			var b strings.Builder
			err = mptrace.RenderText(&b, &t, mptrace.TextOptions{})
			return "$ paxoscheck scenario --protocol multipaxos " + name + "\n" + b.String(), err
		},
		"mpSummary": func(name string) (string, error) {
			sc, err := mpscenario.Get(name)
			return sc.Summary, err
		},
		"staleText": func() (string, error) {
			var b strings.Builder
			err := mptrace.RenderText(&b, &stale, mptrace.TextOptions{})
			return "$ paxoscheck show " + staleRead + "\n" + b.String(), err
		},
		"agreementFile": func() string { return agreement },
		"agreementText": func() (string, error) {
			var b strings.Builder
			err := paxostrace.RenderText(&b, &toAgreement, paxostrace.TextOptions{})
			return "$ paxoscheck show " + agreement + "\n" + b.String(), err
		},
		"shortestText": func() (string, error) {
			var b strings.Builder
			err := paxostrace.RenderText(&b, &shortest, paxostrace.TextOptions{})
			return "$ paxoscheck show " + counterexample + "\n" + b.String(), err
		},
	}
	t, err := template.New("walkthrough").Funcs(funcs).Parse(tmplText)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
