package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpcluster"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

func init() {
	register(command{name: "cluster", summary: "run a real Multi-Paxos cluster (paxosd processes) under a nemesis, and check what it did", run: runCluster})
}

// runCluster is `paxoscheck cluster [flags]`: mpcluster.Run, with its
// report. Exit code: 0 every check passed, 1 one failed (or Porcupine
// gave up: unknown is not a pass), 2 bad input or a cluster that could
// not be set up, 130 interrupted (every process killed first).
func runCluster(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cluster", "cluster [flags]", stderr)
	o := mpcluster.Options{}
	fs.IntVar(&o.Acceptors, "acceptors", 3, "acceptor processes")
	fs.IntVar(&o.Proposers, "proposers", 2, "proposer processes (each a leader, a replica and a client API)")
	fs.IntVar(&o.Pipeline, "pipeline", 2, "slots a leader may have in flight")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "how long the workload and the nemesis run")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the nemesis's schedule, the proxies' faults, the workload and the timers")
	fs.IntVar(&o.Workload.Clients, "clients", 4, "clients at once (client i sends to proposer i mod --proposers)")
	fs.IntVar(&o.Workload.Keys, "keys", 3, "keys the commands touch")
	fs.IntVar(&o.Workload.Ops, "ops", 150, "operations of the run, spread over --duration (with --keys, at most 256: what a merged trace holds, final reads included)")
	fs.Float64Var(&o.Workload.Reads, "reads", 0.3, "share of Gets")
	fs.Float64Var(&o.Workload.CAS, "cas", 0.2, "share of CASes (the rest are Puts)")
	fs.DurationVar(&o.Workload.Timeout, "op-timeout", 2*time.Second, "how long a client waits for an answer before its command is unknown")
	nem := fs.String("nemesis", "kill,partition", "the nemesis's faults, a comma list of: kill (kill -9 of one node, then its restart), partition (a minority of the nodes cut off), bridge (the nodes split in two halves that both still reach one acceptor, the bridge, which is killed with -9 just after it sends a promise, then restarted); \"none\" for none. make check uses kill,partition,bridge")
	fs.Float64Var(&o.Faults.Loss, "loss", 0.02, "probability that a link's proxy drops a frame")
	fs.Float64Var(&o.Faults.Dup, "dup", 0.02, "probability that a link's proxy sends a frame twice")
	fs.Float64Var(&o.Faults.Corrupt, "corrupt", 0.005, "probability that a link's proxy flips a byte of a frame (the receiver's checksum must drop it)")
	fs.DurationVar(&o.Faults.MaxDelay, "delay", 5*time.Millisecond, "a link's proxy holds each frame a random delay up to this (so frames reorder)")
	bugs := fs.String("bug", "", "switch on Multi-Paxos catalogue bugs in every node (comma list): "+bugList())
	fs.DurationVar(&o.Backoff, "backoff", 20*time.Millisecond, "least delay of a proposer's retry timer, which starts a new ballot while a client waits (its upper end doubles per timeout in a row, up to 20 times this)")
	fs.BoolVar(&o.NoFsync, "no-fsync", false, "run the nodes without fsync (benchmarks; with --lossy-disk, a node that sends before its writes are durable)")
	fs.BoolVar(&o.LossyDisk, "lossy-disk", false, "the nodes' writes reach their state files only when synced, so that a kill -9 loses what a power loss would")
	fs.BoolVar(&o.Bench, "bench", false, "measure throughput and latency instead of checking: no nemesis, no proxies, each client sends its next command as soon as the last is answered")
	dir := fs.String("dir", "", "the run's directory (default: a new temporary one, kept and printed)")
	paxosd := fs.String("paxosd", "", "the paxosd binary (default: paxosd beside this program, else on PATH)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "paxoscheck cluster: "+format+"\n", a...)
		return exitBadInput
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	for _, n := range strings.Split(*nem, ",") {
		switch strings.TrimSpace(n) {
		case "kill":
			o.Nemesis.Kill = true
		case "partition":
			o.Nemesis.Partition = true
		case "bridge":
			o.Nemesis.Bridge = true
		case "none", "":
		default:
			return bad("--nemesis: unknown fault %q: want kill, partition, bridge or none", n)
		}
	}
	b, err := mp.ParseBugs(*bugs)
	if err != nil {
		return bad("--bug: %s", strings.TrimPrefix(err.Error(), mp.ErrConfig.Error()+": "))
	}
	o.Bugs = b
	if o.Paxosd, err = findPaxosd(*paxosd); err != nil {
		return bad("%v", err)
	}
	if o.Dir = *dir; o.Dir == "" {
		if o.Dir, err = os.MkdirTemp("", "paxoscheck-cluster-"); err != nil {
			return bad("%v", err)
		}
	}
	o.Log = stdout
	if !o.Bench && o.Workload.Ops+o.Workload.Keys > mptrace.MaxOps {
		return bad("--ops %d with --keys %d: the run's trace would hold more than %d operations (its final reads included), too many to replay", o.Workload.Ops, o.Workload.Keys, mptrace.MaxOps)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C stops the workload; once it is done the run
	// finishes its checks, and a second Ctrl-C quits at once (the nodes
	// die with this process).
	go func() {
		<-ctx.Done()
		stop()
	}()
	if o.Bench {
		fmt.Fprintf(stdout, "cluster bench: %d acceptors, %d proposers, pipeline %d, %d clients, %v, fsync %v%s\n",
			o.Acceptors, o.Proposers, o.Pipeline, o.Workload.Clients, o.Duration, !o.NoFsync, bugNote(o.Bugs))
	} else {
		disk := ""
		if o.LossyDisk {
			disk = ", lossy disk"
		}
		if o.NoFsync {
			disk += ", no fsync"
		}
		fmt.Fprintf(stdout, "cluster: %d acceptors, %d proposers, pipeline %d, %v, seed %d, nemesis %s, loss %v dup %v corrupt %v delay %v%s%s\n",
			o.Acceptors, o.Proposers, o.Pipeline, o.Duration, o.Seed, *nem, o.Faults.Loss, o.Faults.Dup, o.Faults.Corrupt, o.Faults.MaxDelay, disk, bugNote(o.Bugs))
	}
	res, err := mpcluster.Run(ctx, o)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(stdout, "INTERRUPTED: every process of the run is stopped; what it left is in %s\n", o.Dir)
		return exitInterrupted
	}
	if err != nil {
		return bad("%v", err)
	}
	if o.Bench {
		res.ReportBench(stdout)
		return exitOK
	}
	res.Report(stdout)
	if res.Failed() {
		fmt.Fprintf(stdout, "again: %s\n", commandLine("cluster", args, map[string]bool{"dir": true}, nil))
		return exitViolation
	}
	return exitOK
}

func bugNote(b mp.Bugs) string {
	if b == 0 {
		return ""
	}
	return ", bugs " + b.String()
}

// findPaxosd returns the paxosd to run: the flag's, or the one beside
// this program (make builds both into bin/), or the one on PATH.
func findPaxosd(flagged string) (string, error) {
	if flagged != "" {
		if _, err := os.Stat(flagged); err != nil {
			return "", fmt.Errorf("--paxosd: %v", err)
		}
		return flagged, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "paxosd")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("paxosd")
	if err != nil {
		return "", errors.New("no paxosd beside this program nor on PATH: build it (make build, or go build -o bin/paxosd ./cmd/paxosd) or give --paxosd")
	}
	return p, nil
}
