package daemon

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/impl/runner"
	"github.com/paxoscheck/paxoscheck/impl/storage"
	"github.com/paxoscheck/paxoscheck/impl/transport"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// Options say which node of which cluster to run, and where.
type Options struct {
	Config *Config
	Node   mp.NodeID
	// Dir is the node's data directory: its durable state (file
	// "state") and, unless Trace says otherwise, its part of the
	// cluster's trace (file "trace.jsonl"). It must exist.
	Dir   string
	Trace string
	// Seed seeds the retry timer's jitter and the transport's.
	Seed uint64
	// Logf logs what an operator wants to know (nil: nothing).
	Logf func(format string, args ...any)
}

// Stats are a node's counters.
type Stats struct {
	Steps        uint64          `json:"steps"`
	Refused      uint64          `json:"refused"`       // messages the core does not take in its state (stale, or not for it)
	BadEnvelopes uint64          `json:"bad_envelopes"` // frames that parsed but held no message
	InboxFull    uint64          `json:"inbox_full"`    // messages dropped because the node was behind
	Timeouts     uint64          `json:"timeouts"`
	Transport    transport.Stats `json:"transport"`
}

// Daemon is one running node.
type Daemon struct {
	opt   Options
	cfg   mp.Config
	store storage.Store[mp.Durable]
	part  *partFile
	net   *transport.Transport
	http  *httpServer

	inbox    chan envelope
	requests chan request
	stop     chan struct{}
	kill     bool // set before stop closes: end without a trace line, as kill -9 does (tests)
	done     chan struct{}
	err      error // why the loop ended, set before done closes
	stopOnce sync.Once
	stopErr  error // what Stop returned

	// owned by the loop
	node    mp.Node
	lamport uint64     // the last prepared step's clock
	durable mp.Durable // the last prepared step's durable state, for the next one's delta
	timer   *time.Timer
	armed   bool
	backoff int // timeouts in a row
	rng     *rand.Rand
	pending map[[2]uint32][]chan mp.Reply

	steps, refused, badEnv, inboxFull, timeouts atomic.Uint64
	status                                      atomic.Pointer[Status]
}

// durableCodec is how a node's durable state is kept: a log
// (storage.LogStore) to which each write appends what changed (for an
// acceptor, its new votes; multipaxos.Delta), not the whole state.
var durableCodec = storage.LogCodec[mp.Durable]{
	Codec: storage.Codec[mp.Durable]{Append: mp.EncodeDurable, Decode: mp.DecodeDurable},
	Diff:  mp.Delta, Patch: mp.ApplyDelta,
}

// Start opens the node's store and part, restarts its core from them if
// it ran before, listens for peers (and, on a proposer, clients), and
// runs the node until Stop. Every problem (a corrupt state file, a part
// of another cluster, a port in use) is an error, and nothing is left
// open.
func Start(opt Options) (d *Daemon, err error) {
	c := opt.Config
	cfg, err := c.Core()
	if err != nil {
		return nil, err
	}
	me, ok := c.Member(opt.Node)
	if !ok {
		return nil, fmt.Errorf("node %d is not in the config", opt.Node)
	}
	if st, err := os.Stat(opt.Dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("data directory %q: not a directory (create it first)", opt.Dir)
	}
	if opt.Trace == "" {
		opt.Trace = filepath.Join(opt.Dir, "trace.jsonl")
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	d = &Daemon{opt: opt, cfg: cfg, inbox: make(chan envelope, 4096), requests: make(chan request),
		stop: make(chan struct{}), done: make(chan struct{}), pending: map[[2]uint32][]chan mp.Reply{},
		rng: rand.New(rand.NewPCG(opt.Seed, uint64(opt.Node)))}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()
	fs, err := storage.OpenLog(filepath.Join(opt.Dir, "state"), durableCodec)
	if err != nil {
		return nil, err
	}
	fs.NoSync, fs.Lossy = c.NoFsync, c.LossyDisk
	d.store = fs
	closers = append(closers, fs.Close)
	durable, err := fs.Load()
	if err != nil {
		return nil, fmt.Errorf("node %d refuses to start: %w", opt.Node, err)
	}
	part, restarted, dropped, cut, err := openPart(opt.Trace, opt.Node, cfg, durable)
	if err != nil {
		return nil, err
	}
	if cut {
		opt.Logf("node %d: the last line of its trace was cut short: cut off", opt.Node)
	}
	if dropped > 0 {
		opt.Logf("node %d: the last %d steps of its trace, its last group, never reached its store (killed before their write, so none of their messages left): cut from the trace", opt.Node, dropped)
	}
	d.part = part
	d.lamport = part.lamport
	closers = append(closers, part.close)
	if d.node, err = mp.NewNode(&cfg, opt.Node); err != nil {
		return nil, err
	}
	d.timer = time.NewTimer(time.Hour)
	d.timer.Stop()
	peers := map[int]string{}
	for _, id := range cfg.Nodes() {
		if id != opt.Node {
			peers[int(id)] = c.Dial(opt.Node, id)
		}
	}
	d.net, err = transport.Listen(transport.Config{Listen: me.Peer, Peers: peers, Deliver: d.deliver, Seed: opt.Seed ^ uint64(opt.Node)<<32,
		Logf: opt.Logf})
	if err != nil {
		return nil, err
	}
	closers = append(closers, d.net.Close)
	// The client API listens before anything is recorded: a port in use
	// must stop the start before its Restart line.
	if me.Client != "" {
		if d.http, err = startHTTP(me.Client, d); err != nil {
			return nil, err
		}
		closers = append(closers, func() error { d.http.close(); return nil })
	}
	if restarted {
		// The core starts as a fresh node; crash it (unrecorded: the
		// killed process recorded nothing, and Merge adds the Crash) and
		// restart it with what the store kept.
		if d.node, _, err = d.node.Step(&cfg, mp.Input{Kind: mp.InCrash}); err != nil {
			return nil, err
		}
		if err := d.step(mp.Input{Kind: mp.InRestart, Durable: durable}, nil, &durable); err != nil {
			return nil, err
		}
	} else if !isZero(durable) {
		return nil, fmt.Errorf("node %d refuses to start: its store holds a state but it has no trace %s (a data directory from elsewhere?)", opt.Node, opt.Trace)
	}
	d.publish()
	opt.Logf("node %d (%s) up: peers on %s, client %s, trace %s", opt.Node, d.node.Role, d.net.Addr(), me.Client, opt.Trace)
	go d.loop()
	return d, nil
}

func isZero(x mp.Durable) bool { return x.MaxBal.IsZero() && x.Round == 0 && len(x.Votes) == 0 }

// deliver is the transport's callback (any goroutine).
func (d *Daemon) deliver(payload []byte) {
	e, err := decodeEnvelope(payload)
	if err != nil || e.Msg.To != d.opt.Node {
		d.badEnv.Add(1)
		return
	}
	select {
	case d.inbox <- e:
	default:
		d.inboxFull.Add(1) // the node is behind: a lost message, which the protocol copes with
	}
}

// Stop stops the node as SIGTERM does: the loop records a Crash (its
// volatile state is gone), waiting clients are told, and everything is
// closed. It returns why the node stopped if that was not Stop.
func (d *Daemon) Stop() error {
	d.stopOnce.Do(func() {
		close(d.stop)
		<-d.done
		if d.http != nil {
			d.http.close()
		}
		d.stopErr = errors.Join(d.err, d.net.Close(), d.part.close(), d.store.Close())
	})
	return d.stopErr
}

// Done is closed when the node's loop has ended (Stop, or a failure:
// then Stop returns it).
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Stats returns the node's counters.
func (d *Daemon) Stats() Stats {
	return Stats{Steps: d.steps.Load(), Refused: d.refused.Load(), BadEnvelopes: d.badEnv.Load(),
		InboxFull: d.inboxFull.Load(), Timeouts: d.timeouts.Load(), Transport: d.net.Stats()}
}

func (d *Daemon) loop() {
	defer close(d.done)
	fail := func(err error) {
		d.err = fmt.Errorf("node %d stopped: %w", d.opt.Node, err)
		d.opt.Logf("%v", d.err)
		d.answerAll()
	}
	for {
		var batch []*prepared
		take := func(p *prepared, err error) error {
			if p != nil {
				batch = append(batch, p)
			}
			return err
		}
		var err error
		select {
		case <-d.stop:
			if d.kill {
				d.answerAll()
				return
			}
			if err := d.step(mp.Input{Kind: mp.InCrash}, nil, nil); err != nil {
				fail(err)
				return
			}
			d.answerAll()
			return
		case e := <-d.inbox:
			err = take(d.deliverInput(e))
		case <-d.timer.C:
			err = take(d.timeoutInput())
		case r := <-d.requests:
			err = take(d.requestInput(r))
		}
		// Group commit: what else is waiting joins this step's write to
		// stable storage (runner.ApplyGroup), up to maxGroup steps.
	more:
		for err == nil && len(batch) > 0 && len(batch) < maxGroup {
			select {
			case e := <-d.inbox:
				err = take(d.deliverInput(e))
			case r := <-d.requests:
				err = take(d.requestInput(r))
			default:
				break more
			}
		}
		if err == nil {
			err = d.commit(batch)
		}
		if err != nil {
			fail(err)
			return
		}
		d.publish()
	}
}

// maxGroup bounds the steps of one group commit.
const maxGroup = 64

func (d *Daemon) deliverInput(e envelope) (*prepared, error) {
	in := mp.Input{Kind: mp.InDeliver, Msg: e.Msg}
	if !d.node.Enabled(&d.cfg, in) {
		d.refused.Add(1)
		return nil, nil
	}
	return d.prepare(in, &e, nil)
}

func (d *Daemon) timeoutInput() (*prepared, error) {
	in := mp.Input{Kind: mp.InTimeout}
	if !d.armed {
		return nil, nil
	}
	if !d.node.Enabled(&d.cfg, in) {
		d.armed = false
		return nil, nil
	}
	d.timeouts.Add(1)
	d.backoff++
	d.schedule() // still armed unless the step cancels it
	return d.prepare(in, nil, nil)
}

func (d *Daemon) requestInput(r request) (*prepared, error) {
	in := mp.Input{Kind: mp.InRequest, Cmd: r.cmd}
	if !d.node.Enabled(&d.cfg, in) {
		r.refused <- d.whyRefused(r.cmd)
		return nil, nil
	}
	k := [2]uint32{uint32(r.cmd.Client), r.cmd.Seq}
	d.pending[k] = append(d.pending[k], r.reply)
	r.refused <- ""
	return d.prepare(in, nil, nil)
}

// prepared is a step the core has taken whose effects are not carried
// out yet: its trace line and its framed messages.
type prepared struct {
	effects runner.Effects[mp.Durable, mp.Message, mp.Reply]
	line    mptrace.Step
	frames  [][]byte
	crash   bool
}

// prepare runs in through the core (the node moves on at once, so that
// the next input of a group sees this step's state) and makes the step's
// trace line and frames. consumed is the message delivered (nil: none);
// loaded is what a Restart read from the store.
func (d *Daemon) prepare(in mp.Input, consumed *envelope, loaded *mp.Durable) (*prepared, error) {
	lamport := d.lamport + 1
	if consumed != nil && consumed.Lamport >= lamport {
		lamport = consumed.Lamport + 1
	}
	// The daemon owns its node alone and never steps an earlier state
	// again, so the node's logs grow in place (Advance), not by a copy
	// of the whole log per step as a checker's states must.
	next := d.node
	e, err := next.Advance(&d.cfg, in)
	if err != nil {
		return nil, err
	}
	p := &prepared{crash: in.Kind == mp.InCrash,
		effects: runner.Effects[mp.Durable, mp.Message, mp.Reply]{Persist: e.Persist, Send: e.Send, Replies: e.Replies, Timer: e.Timer},
		line: mptrace.Step{Action: event(in), Node: d.opt.Node, Persist: e.Persist, Learned: e.Learned, Applied: e.Applied,
			Replies: e.Replies, Timer: e.Timer, Lamport: lamport, Loaded: loaded, Time: Monotonic()}}
	if consumed != nil {
		p.line.Msg = &mptrace.Msg{ID: int(consumed.ID), Message: consumed.Msg}
	}
	if in.Kind == mp.InRequest {
		c := in.Cmd
		p.line.Cmd = &c
	}
	for i, m := range e.Send {
		id, err := msgID(d.opt.Node, lamport, i)
		if err != nil {
			return nil, err
		}
		p.line.Sent = append(p.line.Sent, mptrace.Msg{ID: int(id), Message: m})
		p.frames = append(p.frames, (&envelope{Lamport: lamport, ID: id, Msg: m}).append(nil))
	}
	if loaded != nil {
		d.durable = *loaded // what the part's last persist was (Merge checks)
	}
	if e.Persist != nil {
		// The part records an acceptor's log by its changes
		// (mptrace.Step.PersistDelta): whole, it would grow with the
		// square of the log.
		if delta, ok := mp.Delta(d.durable, *e.Persist); ok {
			p.line.Persist, p.line.PersistDelta = &delta, true
		}
		d.durable = *e.Persist
	}
	d.node, d.lamport = next, lamport
	return p, nil
}

// commit carries out a group of prepared steps: every step's trace line,
// then one durable write and, step by step, the sends, replies and timer
// (runner.ApplyGroup).
func (d *Daemon) commit(batch []*prepared) error {
	if len(batch) == 0 {
		return nil
	}
	es := make([]runner.Effects[mp.Durable, mp.Message, mp.Reply], len(batch))
	for i, p := range batch {
		es[i] = p.effects
	}
	// The lines go first: a node killed before the write below left
	// lines of steps nothing outside it saw (their messages go after the
	// write), and its restart cuts them (openPart). Lines written after
	// the write would leave a state on disk that no line records.
	lines := make([]*mptrace.Step, len(batch))
	for i, p := range batch {
		p.line.GroupEnd = i == len(batch)-1
		lines[i] = &p.line
	}
	if err := d.part.write(lines...); err != nil {
		return err
	}
	net := &wireSender{d: d}
	frames := func(i int) error {
		net.frames, net.i = batch[i].frames, 0
		return nil
	}
	if err := runner.ApplyGroup(es, d.store, net, clients{d}, timerOf{d}, frames); err != nil {
		return err
	}
	progress := false
	for _, p := range batch {
		if p.crash {
			d.armed = false
			d.timer.Stop()
		}
		progress = progress || len(p.line.Applied) > 0
	}
	if progress && d.armed {
		// The retry timer measures a time without progress: a leader
		// applying slots while clients keep arriving must not time out
		// and start a new ballot (the core keeps it armed while any
		// client waits); a stuck one still does.
		d.backoff = 0
		d.schedule()
	}
	d.steps.Add(uint64(len(batch)))
	return nil
}

// step prepares and commits one step alone.
func (d *Daemon) step(in mp.Input, consumed *envelope, loaded *mp.Durable) error {
	p, err := d.prepare(in, consumed, loaded)
	if err != nil {
		return err
	}
	return d.commit([]*prepared{p})
}

// event is the trace action of input in.
func event(in mp.Input) string {
	switch in.Kind {
	case mp.InDeliver:
		return mptrace.DeliverEvent(in.Msg.Type)
	case mp.InTimeout:
		return mptrace.EvPhase1a
	case mp.InRequest:
		return mptrace.EvInvoke
	case mp.InCrash:
		return mptrace.EvCrash
	}
	return mptrace.EvRestart
}

// wireSender sends the step's messages, framed with their envelopes
// (made before the line was written, so the ids match).
type wireSender struct {
	d      *Daemon
	frames [][]byte
	i      int
}

func (w *wireSender) Send(m mp.Message) {
	w.d.net.Send(int(m.To), w.frames[w.i])
	w.i++
}

type clients struct{ d *Daemon }

func (c clients) Reply(r mp.Reply) {
	k := [2]uint32{uint32(r.Client), r.Seq}
	for _, ch := range c.d.pending[k] {
		ch <- r // buffered, one each
	}
	delete(c.d.pending, k)
}

// answerAll closes every waiting client's channel: the node is gone.
func (d *Daemon) answerAll() {
	for k, chs := range d.pending {
		for _, ch := range chs {
			close(ch)
		}
		delete(d.pending, k)
	}
}

type timerOf struct{ d *Daemon }

// Arm arms the timer; an armed timer stays as it is (the core arms it
// at every request: rescheduling it there would undo the backoff of
// dueling proposers, and a steady stream of requests would keep a stuck
// proposer from ever timing out).
func (t timerOf) Arm() {
	if t.d.armed {
		return
	}
	t.d.armed = true
	t.d.schedule()
}

// Cancel disarms the timer; the next one starts from the least backoff.
func (t timerOf) Cancel() {
	t.d.armed = false
	t.d.backoff = 0
	t.d.timer.Stop()
}

// schedule sets the timer to a uniform random delay from Backoff.Min to
// an upper end that doubles with each timeout in a row (Backoff.Max at
// most): dueling proposers drift apart, and one of them wins.
func (d *Daemon) schedule() {
	lo, hi := time.Duration(d.opt.Config.Backoff.Min), time.Duration(d.opt.Config.Backoff.Max)
	up := lo << min(d.backoff+1, 20)
	if up > hi || up <= 0 {
		up = hi
	}
	delay := lo
	if up > lo {
		delay += time.Duration(d.rng.Int64N(int64(up - lo)))
	}
	d.timer.Reset(delay)
}
