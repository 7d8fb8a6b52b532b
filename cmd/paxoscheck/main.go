// Command paxoscheck runs the paxoscheck checkers: the simulator, the
// exhaustive explorer, trace checking, replay and rendering.
//
// Exit codes, for every subcommand: 0 all checks passed, 1 a check found a
// violation (or, for check, an unknown verdict), 2 bad input or usage, 3
// a search cut short (explore's --max-states, --max-depth, --max-memory)
// before it could pass.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Exit codes shared by every subcommand.
const (
	exitOK        = 0
	exitViolation = 1
	exitBadInput  = 2
	// exitIncomplete: a search stopped at a bound or a resource limit
	// before it could pass (explore --max-states, --max-depth,
	// --max-memory).
	exitIncomplete = 3
	// exitInterrupted: Ctrl-C (or SIGTERM) stopped the work; what was
	// done is reported first. 128 + SIGINT, as shells expect.
	exitInterrupted = 130
)

// command is one subcommand. run parses args with its own FlagSet and
// returns an exit code; it writes results to stdout and errors to stderr.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each lives in its own cmd_*.go file.
func register(c command) { commands[c.name] = c }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// "help COMMAND" is "COMMAND --help".
	if len(args) == 2 && args[0] == "help" {
		if _, ok := commands[args[1]]; ok {
			args = []string{args[1], "--help"}
		}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitBadInput
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "paxoscheck: unknown command %q (see paxoscheck --help)\n", args[0])
		return exitBadInput
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: paxoscheck COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintf(w, "\ncheck, replay and show read the traces of: %s (the protocol the trace's header names).\n", protocolNames())
	fmt.Fprintln(w, "Run 'paxoscheck COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 violation found, 2 bad input or usage, 3 incomplete (a search cut short), 130 interrupted (Ctrl-C; what was done is reported first).")
}

// maxWorkers bounds --workers: more goroutines than this only cost memory
// (each holds buffers) on any machine this runs on.
const maxWorkers = 1024

// newFlags returns a FlagSet for a subcommand whose usage goes to stderr
// on --help (and on fs.Usage()); a bad flag is one line there, written by
// parseFlags, not the flag package's message and the whole usage.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(quiet{stderr})
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: paxoscheck %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			fmt.Fprintln(stderr, "\n(no flags)")
			return
		}
		fmt.Fprintln(stderr, "\nflags:")
		// The flag package writes "-name"; README and the errors say
		// "--name", which it accepts too.
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(quiet{stderr})
		for _, l := range strings.SplitAfter(b.String(), "\n") {
			if strings.HasPrefix(l, "  -") {
				l = "  --" + l[3:]
			}
			fmt.Fprint(stderr, l)
		}
	}
	return fs
}

// quiet is a subcommand's stderr as its FlagSet's output: the flag
// package's own messages are dropped (parseFlags writes its one line to
// w instead).
type quiet struct{ w io.Writer }

func (quiet) Write(p []byte) (int, error) { return len(p), nil }

// parseFlags parses args; ok=false means return code now (0 after --help,
// 2 after a bad flag, reported in one line naming the subcommand and the
// flag).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	// The flag package calls Usage on every error; the whole usage is for
	// --help only.
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return exitOK, false
		}
		w := io.Discard
		if q, ok := fs.Output().(quiet); ok {
			w = q.w
		}
		fmt.Fprintf(w, "paxoscheck %s: %s (see paxoscheck %s --help)\n", fs.Name(), flagError(fs, err), fs.Name())
		return exitBadInput, false
	}
	return 0, true
}

// invalidValue is the flag package's message for a value it cannot set.
var invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-([^:]+): (.*)$`)

// flagError words a parse error of the flag package for a user: the flag
// with two dashes, as --help shows them, and what it wants.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag --" + strings.TrimLeft(name, "-")
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "--" + strings.TrimLeft(name, "-") + " needs a value"
	}
	m := invalidValue.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	val, name, why := m[1], m[2], m[3]
	if why != "parse error" && why != "value out of range" {
		return fmt.Sprintf("--%s %s: %s", name, val, why)
	}
	want := "a valid value"
	if f := fs.Lookup(name); f != nil {
		switch fmt.Sprintf("%T", f.Value) {
		case "*flag.intValue", "*flag.int64Value":
			want = "a whole number"
		case "*flag.uintValue", "*flag.uint64Value":
			want = "a whole number, 0 or more"
		case "*flag.durationValue":
			want = "a duration such as 30s or 2m"
		case "*flag.boolValue":
			want = "true or false"
		case "*flag.float64Value":
			want = "a number"
		}
	}
	if why == "value out of range" {
		return fmt.Sprintf("--%s %s: out of range (want %s)", name, val, want)
	}
	return fmt.Sprintf("--%s %s: want %s", name, val, want)
}
