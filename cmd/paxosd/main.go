// Command paxosd runs one node of a Multi-Paxos cluster for real: the
// core that paxoscheck checks, over TCP, with its state in a file and
// its part of the cluster's trace beside it (package daemon).
//
//	paxosd --config cluster.json --node 3 --data /var/lib/paxos/3
//
// It stops on SIGTERM or Ctrl-C, recording a crash (its volatile state
// is gone), and starts again from its files. paxoscheck cluster runs a
// whole cluster of them under a nemesis; paxoscheck merge makes one trace
// of their parts.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/paxoscheck/paxoscheck/daemon"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("paxosd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the cluster's config file (JSON; see README, \"A real cluster\")")
	node := fs.Int("node", -1, "this node's id in the config")
	dir := fs.String("data", "", "this node's data directory (its state, and its trace unless --trace); created if missing")
	trace := fs.String("trace", "", "where to write this node's part of the cluster's trace (default DATA/trace.jsonl)")
	seed := fs.Uint64("seed", 1, "seed of the retry timer's jitter")
	quiet := fs.Bool("quiet", false, "log nothing but errors")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `FILE` until the node stops (go tool pprof reads it)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: paxosd --config FILE --node ID --data DIR [flags]\n\nRuns one Multi-Paxos node: peers over TCP, clients over HTTP/JSON on proposers\n(POST /v1/kv, GET /v1/status). Stops on SIGTERM or Ctrl-C.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxosd: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *config == "":
		return bad("--config is required")
	case *node < 0 || *node > 255:
		return bad("--node %d: want the node's id in the config, 0..255", *node)
	case *dir == "":
		return bad("--data is required")
	}
	c, err := daemon.LoadConfig(*config)
	if err != nil {
		return bad("%v", err)
	}
	if _, ok := c.Member(mp.NodeID(*node)); !ok {
		return bad("--node %d: not a node of %s", *node, *config)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return bad("--data: %v", err)
	}
	logger := log.New(stderr, fmt.Sprintf("paxosd %d: ", *node), log.LstdFlags|log.Lmicroseconds)
	logf := logger.Printf
	if *quiet {
		logf = nil
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return bad("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return bad("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	if os.Getenv("GOGC") == "" {
		// A node's live heap is small (its state and its buffers), and
		// what it allocates is mostly garbage of one message or one
		// trace line: letting the heap grow by 4 times the live heap
		// between collections (GOGC 400) rather than by once saves about
		// a fifth of the CPU for a few megabytes (README, "A real
		// cluster"). GOGC, if set, decides.
		debug.SetGCPercent(400)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	d, err := daemon.Start(daemon.Options{Config: c, Node: mp.NodeID(*node), Dir: *dir, Trace: *trace, Seed: *seed, Logf: logf})
	if err != nil {
		fmt.Fprintf(stderr, "paxosd %d: %v\n", *node, err)
		return 1
	}
	select {
	case s := <-sig:
		if logf != nil {
			logf("%v: stopping", s)
		}
	case <-d.Done():
	}
	if err := d.Stop(); err != nil {
		fmt.Fprintf(stderr, "paxosd %d: %v\n", *node, err)
		return 1
	}
	return 0
}
