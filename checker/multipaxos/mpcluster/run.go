package mpcluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/nemesis"
	"github.com/paxoscheck/paxoscheck/daemon"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// Options configure a run.
type Options struct {
	// Paxosd is the paxosd binary to run.
	Paxosd string
	// Dir is the run's directory (created; must not hold a run yet):
	// config.json, each node's data directory nodes/N, logs/N.log,
	// history.jsonl, trace.jsonl (merged) and schedule.txt.
	Dir string
	// Acceptors, Proposers and Pipeline shape the cluster.
	Acceptors, Proposers, Pipeline int
	// Bugs switches on catalogue entries in every node.
	Bugs mp.Bugs
	// Duration is how long the workload and the nemesis run.
	Duration time.Duration
	// Seed draws the nemesis's schedule, the proxies' faults, the
	// workload and the nodes' timers.
	Seed     uint64
	Workload Workload
	// Nemesis is the faults the nemesis's schedule draws from; Faults
	// are what every link's proxy does to frames while the workload runs
	// (off when the run ends).
	Nemesis Nemesis
	Faults  nemesis.Faults
	// NoFsync runs the nodes without fsync (benchmarks only).
	NoFsync bool
	// LossyDisk runs the nodes with writes that reach their files only
	// when synced (daemon.Config.LossyDisk), so that a kill -9 is a power
	// loss to the disk.
	LossyDisk bool
	// Backoff is the least delay of a proposer's retry timer (its upper
	// end doubles with each timeout in a row, up to 20 times this): a
	// proposer with a waiting client starts a new ballot when it fires,
	// so it must exceed a command's usual latency.
	Backoff time.Duration
	// Bench measures instead of checking: no nemesis and no proxies,
	// clients that send their next command as soon as the last is
	// answered, for Duration; the result gives throughput and latency,
	// and no checker runs (the history is written all the same).
	Bench bool
	// Log receives progress lines (nil: none).
	Log io.Writer
}

// network reports whether the run needs proxies on its links.
func (o *Options) network() bool {
	return !o.Bench && (o.Nemesis.Network() || o.Faults != (nemesis.Faults{}))
}

func (o *Options) check() error {
	c := mp.NewConfig(o.Acceptors, o.Proposers, max(o.Pipeline, 1))
	c.Bugs = o.Bugs
	switch {
	case o.Paxosd == "":
		return errors.New("no paxosd binary")
	case o.Dir == "":
		return errors.New("no run directory")
	case o.Pipeline < 1:
		return fmt.Errorf("--pipeline %d: want at least 1", o.Pipeline)
	case o.Duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.Duration)
	case o.Backoff <= 0:
		return fmt.Errorf("--backoff %v: want a positive duration", o.Backoff)
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := o.Faults.Validate(); err != nil {
		return err
	}
	return o.Workload.check()
}

// run is one run's state.
type run struct {
	opt        Options
	cfg        mp.Config
	procs      map[mp.NodeID]*proc
	clientAddr map[mp.NodeID]string
	peer       map[mp.NodeID]string // where each node listens for peers
	proxies    map[[2]mp.NodeID]*nemesis.Proxy
	hist       history
	events     []Event // the schedule, and once the workload is over the faults it triggered too
	start      int64   // CLOCK_MONOTONIC when the workload started
	started    time.Time
	log        func(format string, args ...any)
}

// Run runs the experiment and checks it. The error is for a run that
// could not be set up or was interrupted (ctx); a run whose checks fail
// returns a Result that says so.
func Run(ctx context.Context, opt Options) (res *Result, err error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(opt.Dir, "config.json")); err == nil {
		return nil, fmt.Errorf("%s holds a run already: give another --dir", opt.Dir)
	}
	for _, d := range []string{"nodes", "logs"} {
		if err := os.MkdirAll(filepath.Join(opt.Dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	r := &run{opt: opt, cfg: mp.NewConfig(opt.Acceptors, opt.Proposers, opt.Pipeline), procs: map[mp.NodeID]*proc{},
		clientAddr: map[mp.NodeID]string{}, peer: map[mp.NodeID]string{}, proxies: map[[2]mp.NodeID]*nemesis.Proxy{}}
	r.cfg.Bugs = opt.Bugs
	var logMu sync.Mutex // the nemesis's strikes log from their own goroutines
	r.log = func(format string, args ...any) {
		if opt.Log != nil {
			logMu.Lock()
			fmt.Fprintf(opt.Log, format+"\n", args...)
			logMu.Unlock()
		}
	}
	defer r.teardown()
	if err := r.setup(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		return nil, err
	}
	if !opt.Bench {
		r.events = Schedule(opt.Seed, opt.Duration, &r.cfg, opt.Nemesis)
	}
	if err := r.writeSchedule(); err != nil {
		return nil, err
	}
	r.log("nemesis schedule (seed %d):", opt.Seed)
	for _, e := range r.events {
		r.log("  %s", e)
	}
	if len(r.events) == 0 {
		r.log("  (none)")
	}
	r.started = time.Now()
	if err := r.workload(ctx); err != nil {
		return nil, err
	}
	// From here on the run finishes what it has: an interrupt now
	// would throw the verdict away (a second Ctrl-C still quits: the
	// command gives the signal back).
	r.log("stopping the nodes")
	for _, p := range r.procs {
		p.stop(10 * time.Second)
	}
	if opt.Bench {
		return r.bench(), nil
	}
	return r.check(), nil
}

// setup makes the config, the proxies and the processes, and waits for
// every node to listen.
func (r *run) setup(ctx context.Context) error {
	nodes := r.cfg.Nodes()
	addrs, release, err := freeAddrs(len(nodes) + len(r.cfg.Proposers))
	if err != nil {
		return err
	}
	defer release()
	c := &daemon.Config{Protocol: "multipaxos", Pipeline: r.opt.Pipeline, NoFsync: r.opt.NoFsync, LossyDisk: r.opt.LossyDisk,
		Backoff: daemon.Backoff{Min: daemon.Duration(r.opt.Backoff), Max: daemon.Duration(20 * r.opt.Backoff)}}
	for _, b := range mp.Catalogue() {
		if r.cfg.Bugs.Has(b) {
			c.Bugs = append(c.Bugs, b.String())
		}
	}
	peer := r.peer
	for i, id := range nodes {
		peer[id] = addrs[i]
		m := daemon.Member{ID: id, Peer: addrs[i]}
		if i >= len(r.cfg.Acceptors) {
			m.Client = addrs[len(nodes)+i-len(r.cfg.Acceptors)]
			r.clientAddr[id] = m.Client
			c.Proposers = append(c.Proposers, m)
		} else {
			c.Acceptors = append(c.Acceptors, m)
		}
	}
	if r.opt.network() {
		c.Routes = map[string]map[string]string{}
		for _, from := range nodes {
			tos := map[string]string{}
			for _, to := range nodes {
				if from == to {
					continue
				}
				seed := r.opt.Seed*1_000_003 + uint64(from)*256 + uint64(to)
				p, err := nemesis.New(peer[to], seed, nil)
				if err != nil {
					return err
				}
				if err := p.Set(r.opt.Faults); err != nil {
					p.Close()
					return err
				}
				r.proxies[[2]mp.NodeID{from, to}] = p
				tos[strconv.Itoa(int(to))] = p.Addr()
			}
			c.Routes[strconv.Itoa(int(from))] = tos
		}
	}
	cfgPath := filepath.Join(r.opt.Dir, "config.json")
	if err := c.Write(cfgPath); err != nil {
		return err
	}
	if _, err := daemon.LoadConfig(cfgPath); err != nil {
		return err // the config this run wrote must be one paxosd takes
	}
	release()
	for _, id := range nodes {
		dir := filepath.Join(r.opt.Dir, "nodes", strconv.Itoa(int(id)))
		p := &proc{name: fmt.Sprintf("node %d", id), log: filepath.Join(r.opt.Dir, "logs", fmt.Sprintf("%d.log", id)),
			args: []string{r.opt.Paxosd, "--config", cfgPath, "--node", strconv.Itoa(int(id)), "--data", dir,
				"--seed", strconv.FormatUint(r.opt.Seed, 10)}}
		r.procs[id] = p
		if err := p.start(); err != nil {
			return err
		}
	}
	for _, id := range nodes {
		if err := r.waitUp(ctx, id, 10*time.Second); err != nil {
			return err
		}
	}
	r.log("cluster up: %d acceptors, %d proposers, in %s", len(r.cfg.Acceptors), len(r.cfg.Proposers), r.opt.Dir)
	return nil
}

// bringUp restarts node id and waits for it to listen. A node that
// exits instead (one that refuses to start from its files, say) is a
// failure of the run, which its proc records, not of the harness: the
// run goes on without it. An error is the harness's own (the binary
// would not start) or the run's end.
func (r *run) bringUp(ctx context.Context, id mp.NodeID) error {
	p := r.procs[id]
	if err := p.start(); err != nil {
		return err
	}
	err := r.waitUp(ctx, id, 10*time.Second)
	switch {
	case err == nil || ctx.Err() != nil:
		return nil
	case !p.running():
		r.log("node %d did not come up: it exited (see %s)", id, p.log)
		return nil
	}
	return err
}

// waitUp waits until node id listens (a proposer answers its status),
// for at most limit, and not past ctx.
func (r *run) waitUp(ctx context.Context, id mp.NodeID, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var err error
		if a, ok := r.clientAddr[id]; ok {
			var resp *http.Response
			if resp, err = httpClient.Get("http://" + a + "/v1/status"); err == nil {
				resp.Body.Close()
			}
		} else {
			var c net.Conn
			if c, err = net.DialTimeout("tcp", r.peer[id], time.Second); err == nil {
				c.Close()
			}
		}
		if err == nil {
			return nil
		}
		if !r.procs[id].running() || time.Now().After(deadline) {
			return fmt.Errorf("node %d did not come up (see %s): %v", id, r.procs[id].log, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (r *run) writeSchedule() error {
	f, err := os.Create(filepath.Join(r.opt.Dir, "schedule.txt"))
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# nemesis schedule, seed %d, duration %v\n", r.opt.Seed, r.opt.Duration)
	for _, e := range r.events {
		fmt.Fprintln(f, e)
	}
	return f.Close()
}

// workload runs the clients and the nemesis for the run's duration,
// then heals everything, restarts every node that is down, and reads
// every key.
func (r *run) workload(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, r.opt.Duration)
	defer cancel()
	r.start = daemon.Monotonic()
	var budget atomic.Int64
	budget.Store(int64(r.opt.Workload.Ops))
	if r.opt.Bench {
		budget.Store(math.MaxInt64)
	}
	var wg sync.WaitGroup
	for i := range r.opt.Workload.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.client(wctx, i, &budget, r.opt.Duration)
		}()
	}
	nemErr := make(chan error, 1)
	go func() { nemErr <- r.nemesis(wctx) }()
	wg.Wait()
	<-wctx.Done()
	err := <-nemErr
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if err != nil {
		return err
	}
	if r.opt.Bench {
		r.log("workload done: %d operations", len(r.hist.ops))
		return nil
	}
	r.log("workload done: %d operations; healing, restarting, reading every key", len(r.hist.ops))
	r.heal()
	for id, p := range r.procs {
		if !p.running() {
			if err := r.bringUp(ctx, id); err != nil {
				return err
			}
		}
	}
	read := r.finalReads(ctx)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	r.log("final reads: %d of %d keys answered", read, r.opt.Workload.Keys)
	return nil
}

// nemesis carries out the schedule until ctx ends. The faults a bridge
// triggers (its kill and restart) are added to r.events, at the times
// they happened, once the schedule is done.
func (r *run) nemesis(ctx context.Context) (err error) {
	start := time.Now()
	var fired []Event
	var strike *striker
	defer func() {
		ev, serr := strike.end()
		fired = append(fired, ev...)
		if err == nil {
			err = serr
		}
		r.events = append(r.events, fired...)
		slices.SortStableFunc(r.events, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	}()
	for _, e := range r.events {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(start.Add(e.At))):
		}
		r.log("nemesis: %s", e)
		switch e.Kind {
		case EvKill:
			r.procs[e.Node].kill9()
		case EvRestart:
			if err := r.bringUp(ctx, e.Node); err != nil {
				return err
			}
		case EvPartition:
			r.cut(e.Side, nil)
		case EvBridge:
			r.cut(e.Side, &e.Node)
			strike = r.strikeAfterPromise(ctx, e.Node, start)
		case EvHeal:
			ev, err := strike.end()
			if err != nil {
				return err
			}
			if strike != nil && strike.none {
				r.log("nemesis: no promise from node %d while the bridge stood: no kill", strike.id)
			}
			fired, strike = append(fired, ev...), nil
			r.heal()
		}
	}
	return nil
}

// striker kills one node just after it sends its next promise, and
// restarts it at once.
type striker struct {
	id      mp.NodeID
	none    bool // no promise came while it watched
	watched []*nemesis.Proxy
	once    sync.Once
	done    chan struct{} // closed when the kill and restart are over
	mu      sync.Mutex
	fired   []Event
	err     error
}

// strikeAfterPromise watches node id's links to the proposers: the first
// 1b it sends that leaves a proxy gets id killed (kill -9) and restarted
// at once. Times are from start, the schedule's.
func (r *run) strikeAfterPromise(ctx context.Context, id mp.NodeID, start time.Time) *striker {
	s := &striker{id: id, done: make(chan struct{})}
	for _, to := range r.cfg.Proposers {
		p := r.proxies[[2]mp.NodeID{id, to}]
		if p == nil {
			continue
		}
		s.watched = append(s.watched, p)
		p.Watch(func(payload []byte) {
			m, err := daemon.PeerMessage(payload)
			if err != nil || m.Type != mp.Msg1b {
				return
			}
			s.once.Do(func() {
				go func() {
					defer close(s.done)
					if ctx.Err() != nil {
						return // the workload is over: no strike
					}
					r.log("nemesis: node %d sent a promise (1b for ballot %s to node %d): kill -9 and restart", id, m.Bal, m.To)
					r.procs[id].kill9()
					s.record(Event{At: time.Since(start), Kind: EvKill, Node: id}, nil)
					err := r.bringUp(ctx, id)
					s.record(Event{At: time.Since(start), Kind: EvRestart, Node: id}, err)
				}()
			})
		})
	}
	return s
}

func (s *striker) record(e Event, err error) {
	s.mu.Lock()
	s.fired = append(s.fired, e)
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// end stops watching and waits for a strike under way; it returns the
// events the strike made (none if no promise came) and the harness's
// error, if the restart failed for one. A nil striker has none.
func (s *striker) end() ([]Event, error) {
	if s == nil {
		return nil, nil
	}
	for _, p := range s.watched {
		p.Watch(nil)
	}
	s.once.Do(func() {
		close(s.done) // no promise came: nothing to wait for
		s.none = true
	})
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fired, s.err
}

// cut cuts every link between side and the rest, except the links of the
// bridge, if there is one.
func (r *run) cut(side []mp.NodeID, bridge *mp.NodeID) {
	for k, p := range r.proxies {
		bridged := bridge != nil && (k[0] == *bridge || k[1] == *bridge)
		p.Cut(!bridged && slices.Contains(side, k[0]) != slices.Contains(side, k[1]))
	}
}

// heal uncuts every link and turns the frame faults off.
func (r *run) heal() {
	for _, p := range r.proxies {
		p.Cut(false)
		p.Set(nemesis.Faults{})
	}
}

// teardown kills whatever still runs and closes every proxy.
func (r *run) teardown() {
	for _, p := range r.procs {
		p.kill9()
	}
	for _, p := range r.proxies {
		p.Close()
	}
}
