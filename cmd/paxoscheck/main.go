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
	"sort"
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
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\ncheck, replay and show read the traces of: %s (the protocol the trace's header names).\n", protocolNames())
	fmt.Fprintln(w, "Run 'paxoscheck COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 violation found, 2 bad input or usage, 3 incomplete (a search cut short).")
}

// newFlags returns a FlagSet for a subcommand that prints its usage on
// --help and reports errors to stderr (parse returns the exit code to use).
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: paxoscheck %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; ok=false means return code now (0 after --help, 2
// after a bad flag).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitBadInput, false
	}
	return 0, true
}
