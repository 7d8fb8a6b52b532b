package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero values of Config.
const (
	defaultMinBackoff   = 10 * time.Millisecond
	defaultMaxBackoff   = time.Second
	defaultQueueLen     = 1024
	defaultWriteTimeout = 2 * time.Second
)

// bufSize is the size of each connection's read and write buffer, and
// the most bytes of frames a sender writes before it flushes: a burst
// goes out in few segments, and a frame waits behind at most this much.
const bufSize = 64 << 10

// ErrConfig is wrapped by every error Listen returns for a Config that
// cannot work, so that a caller can tell a mistake in its flags from a
// network failure.
var ErrConfig = errors.New("transport: bad config")

// Config describes one node's transport. Only Listen and Deliver are
// required; the zero value of every other field is a working default.
type Config struct {
	// Listen is the address to accept peers' connections on, e.g.
	// "127.0.0.1:0" (port 0: the system picks one; see Transport.Addr).
	Listen string

	// Peers maps each peer's id to the address to dial to send it frames.
	// A node sends only to the ids listed here; the map is copied.
	Peers map[int]string

	// Deliver is called with the payload of every good frame received.
	// Each incoming connection has its own reader goroutine, so Deliver
	// may be called from several goroutines at once and must be safe for
	// that. Frames of one connection are delivered one at a time, in
	// order. The payload is a fresh slice that Deliver may keep. A slow
	// Deliver holds back only its own connection (TCP pushes back on that
	// sender); Deliver must not call Close, which waits for it.
	Deliver func(payload []byte)

	// MinBackoff and MaxBackoff bound the wait before a redial after a
	// dial or write failure: it doubles with each failure in a row from
	// MinBackoff up to MaxBackoff, with jitter (defaults 10ms and 1s, or
	// MinBackoff if that is larger).
	MinBackoff, MaxBackoff time.Duration

	// WriteTimeout bounds each dial and each flush of a batch of frames,
	// so that a peer that stops reading cannot hold its sender forever
	// (default 2s). A flush that times out closes the connection.
	WriteTimeout time.Duration

	// Seed seeds the backoff jitter (one PCG stream per peer), so that a
	// run can be repeated.
	Seed uint64

	// QueueLen is the number of frames queued per peer before Send drops
	// them (default 1024). The queue absorbs bursts and redials; beyond it
	// a frame is lost, as a network may lose it.
	QueueLen int

	// Logf, if not nil, is told of connection events: dials, their
	// failures, bad frames, connections closed. It may be called from
	// several goroutines at once, and never after Close returns.
	Logf func(format string, args ...any)
}

// withDefaults checks c and fills in its zero values. Every error is one
// line and wraps ErrConfig.
func (c Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Deliver == nil:
		return bad("Deliver is nil")
	case c.Listen == "":
		return bad("no Listen address")
	case c.MinBackoff < 0 || c.MaxBackoff < 0:
		return bad("negative backoff (MinBackoff %v, MaxBackoff %v)", c.MinBackoff, c.MaxBackoff)
	case c.WriteTimeout < 0:
		return bad("negative WriteTimeout %v", c.WriteTimeout)
	case c.QueueLen < 0:
		return bad("negative QueueLen %d", c.QueueLen)
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return bad("Listen address %q: %v", c.Listen, err)
	}
	peers := make(map[int]string, len(c.Peers))
	for id, addr := range c.Peers {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return bad("peer %d address %q: %v", id, addr, err)
		}
		if port == "" {
			return bad("peer %d address %q: no port", id, addr)
		}
		peers[id] = addr
	}
	c.Peers = peers
	if c.MinBackoff == 0 {
		c.MinBackoff = defaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = max(defaultMaxBackoff, c.MinBackoff)
	}
	if c.MinBackoff > c.MaxBackoff {
		return bad("MinBackoff %v above MaxBackoff %v", c.MinBackoff, c.MaxBackoff)
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = defaultWriteTimeout
	}
	if c.QueueLen == 0 {
		c.QueueLen = defaultQueueLen
	}
	return c, nil
}

// Stats counts what a Transport did since Listen. Every frame given to
// Send ends in exactly one of Sent or a Dropped counter (or is still
// queued, or was discarded by Close); every frame read from a peer is in
// Received or BadFrames, or cut a connection (ClosedOnBadFrame).
type Stats struct {
	// Sent counts frames written and flushed to the kernel without error.
	// It does not mean the peer read them: TCP may still lose them when a
	// connection breaks.
	Sent uint64
	// Received counts good frames passed to Deliver.
	Received uint64
	// BadFrames counts frames dropped for a bad checksum or version.
	// After a version the connection reads on; after a checksum it is
	// closed (its length may be what was corrupted).
	BadFrames uint64
	// ClosedOnBadFrame counts incoming connections closed because a frame
	// could not be placed: a bad checksum, a length over MaxPayload, or
	// the stream cut inside a frame.
	ClosedOnBadFrame uint64
	// Accepted counts incoming connections.
	Accepted uint64
	// DroppedUnknownPeer counts Sends to an id not in Config.Peers.
	DroppedUnknownPeer uint64
	// DroppedTooLarge counts Sends of a payload over MaxPayload.
	DroppedTooLarge uint64
	// DroppedQueueFull counts Sends that found the peer's queue full.
	DroppedQueueFull uint64
	// DroppedClosed counts Sends after Close.
	DroppedClosed uint64
	// DroppedDialError counts frames dropped because the dial they waited
	// for failed (one per failed dial: the others stay queued).
	DroppedDialError uint64
	// DroppedWriteError counts frames of a batch whose write or flush
	// failed. Some of them may have reached the peer before the failure.
	DroppedWriteError uint64
	// Dials counts dial attempts, DialFailures those that failed.
	Dials, DialFailures uint64
}

// counters is Stats as atomics, bumped from every goroutine.
type counters struct {
	sent, received, badFrames, closedOnBadFrame, accepted atomic.Uint64
	droppedUnknownPeer, droppedTooLarge, droppedQueueFull atomic.Uint64
	droppedClosed, droppedDialError, droppedWriteError    atomic.Uint64
	dials, dialFailures                                   atomic.Uint64
}

// Transport is one node's end of the network: it accepts the connections
// peers dial to it and delivers their frames, and it keeps one outgoing
// connection per peer for the frames it sends. Its methods are safe for
// concurrent use.
type Transport struct {
	cfg   Config
	ln    net.Listener
	peers map[int]*peer // fixed at Listen: read without a lock

	closing chan struct{}      // closed by Close: every goroutine's signal to stop
	ctx     context.Context    // cancelled by Close: ends dials in flight
	cancel  context.CancelFunc // cancels ctx
	wg      sync.WaitGroup     // every goroutine Listen started, directly or not
	stats   counters

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // every open connection, both directions, so Close can cut them
	closed bool                  // set by Close: no new connection is tracked

	closeOnce sync.Once
	closeErr  error
}

// peer is the sending side of one peer: its queue and its sender
// goroutine, which alone reads the queue, owns the connection and draws
// from rng.
type peer struct {
	t     *Transport
	id    int
	addr  string
	queue chan []byte // framed bytes, ready to write
	rng   *rand.Rand
}

// outConn is a connection a sender dialed. dead is closed when a read on
// it returns: a peer never writes on a connection it accepted, so that
// means the peer closed it (or it broke), and the sender redials before
// it writes, rather than losing its next frame to a dead socket.
type outConn struct {
	c    net.Conn
	w    *bufio.Writer
	dead chan struct{}
}

// Listen checks cfg, listens on cfg.Listen and starts the accept loop and
// one sender goroutine per peer. Senders dial lazily, on a peer's first
// frame (see the package doc).
func Listen(cfg Config) (*Transport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		cfg:     cfg,
		ln:      ln,
		peers:   make(map[int]*peer, len(cfg.Peers)),
		closing: make(chan struct{}),
		ctx:     ctx,
		cancel:  cancel,
		conns:   make(map[net.Conn]struct{}),
	}
	for id, addr := range cfg.Peers {
		t.peers[id] = &peer{
			t:     t,
			id:    id,
			addr:  addr,
			queue: make(chan []byte, cfg.QueueLen),
			rng:   rand.New(rand.NewPCG(cfg.Seed, uint64(id))),
		}
	}
	t.wg.Add(1)
	go t.acceptLoop()
	for _, p := range t.peers {
		t.wg.Add(1)
		go p.run()
	}
	return t, nil
}

// Addr is the address the transport listens on, with the port the system
// chose when Config.Listen asked for port 0.
func (t *Transport) Addr() string { return t.ln.Addr().String() }

// Send frames payload and queues it for peer. It never blocks: a frame
// for an unknown peer, a payload over MaxPayload, a full queue or a
// closed transport drops the frame and counts it (Stats), as a lossy
// network would; the protocol retries. The payload is copied, so the
// caller may reuse it at once. Frames to one peer are written in the
// order Send queued them.
func (t *Transport) Send(peer int, payload []byte) {
	p, ok := t.peers[peer]
	if !ok {
		t.stats.droppedUnknownPeer.Add(1)
		return
	}
	select {
	case <-t.closing:
		t.stats.droppedClosed.Add(1)
		return
	default:
	}
	if len(payload) > MaxPayload {
		t.stats.droppedTooLarge.Add(1)
		return
	}
	f, _ := AppendFrame(make([]byte, 0, headerLen+len(payload)+trailerLen), payload)
	select {
	case p.queue <- f:
	default:
		t.stats.droppedQueueFull.Add(1)
	}
}

// Stats returns a snapshot of the counters. Each counter is read
// atomically; the snapshot as a whole is not, which is enough for
// monitoring and for tests that wait for a count.
func (t *Transport) Stats() Stats {
	s := &t.stats
	return Stats{
		Sent:               s.sent.Load(),
		Received:           s.received.Load(),
		BadFrames:          s.badFrames.Load(),
		ClosedOnBadFrame:   s.closedOnBadFrame.Load(),
		Accepted:           s.accepted.Load(),
		DroppedUnknownPeer: s.droppedUnknownPeer.Load(),
		DroppedTooLarge:    s.droppedTooLarge.Load(),
		DroppedQueueFull:   s.droppedQueueFull.Load(),
		DroppedClosed:      s.droppedClosed.Load(),
		DroppedDialError:   s.droppedDialError.Load(),
		DroppedWriteError:  s.droppedWriteError.Load(),
		Dials:              s.dials.Load(),
		DialFailures:       s.dialFailures.Load(),
	}
}

// Close stops accepting, closes every connection, discards the frames
// still queued and waits for every goroutine the transport started, so
// that after it returns Deliver and Logf are not called again and no
// socket is left open. It is idempotent: later calls wait for the first
// to finish and return its result.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		close(t.closing)
		t.cancel()
		if err := t.ln.Close(); err != nil {
			t.closeErr = fmt.Errorf("transport: close: %w", err)
		}
		t.mu.Lock()
		t.closed = true
		for c := range t.conns {
			_ = c.Close()
		}
		t.mu.Unlock()
		t.wg.Wait()
	})
	return t.closeErr
}

// logf passes a connection event to Config.Logf, if any.
func (t *Transport) logf(format string, args ...any) {
	if t.cfg.Logf != nil {
		t.cfg.Logf(format, args...)
	}
}

// track records c so that Close can cut it. After Close it refuses, and
// the caller closes c itself.
func (t *Transport) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

// drop closes c and forgets it.
func (t *Transport) drop(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	_ = c.Close()
}

// wait waits d, or until Close; it reports whether the transport is still
// open.
func (t *Transport) wait(d time.Duration) bool {
	if d <= 0 {
		select {
		case <-t.closing:
			return false
		default:
			return true
		}
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-t.closing:
		return false
	}
}

// acceptLoop accepts peers' connections and starts a reader for each.
func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	var delay time.Duration
	for {
		c, err := t.ln.Accept()
		if err != nil {
			select {
			case <-t.closing:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does, rather than spin or stop serving for good.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t.logf("transport: accept on %s: %v (retrying in %v)", t.Addr(), err, delay)
			if !t.wait(delay) {
				return
			}
			continue
		}
		delay = 0
		if !t.track(c) {
			_ = c.Close()
			return
		}
		t.stats.accepted.Add(1)
		t.wg.Add(1)
		go t.readLoop(c)
	}
}

// readLoop reads frames from one incoming connection until it ends.
func (t *Transport) readLoop(c net.Conn) {
	defer t.wg.Done()
	defer t.drop(c)
	r := bufio.NewReaderSize(c, bufSize)
	for {
		p, err := ReadFrame(r)
		switch {
		case err == nil:
			t.stats.received.Add(1)
			t.cfg.Deliver(p)
		case errors.Is(err, ErrVersion):
			// The checksum held, so the length was good and the next
			// frame is in place: drop this one and read on (package
			// doc, "Frames").
			t.stats.badFrames.Add(1)
			t.logf("transport: from %s: %v (frame dropped)", c.RemoteAddr(), err)
		case errors.Is(err, ErrChecksum):
			// The length may be what was corrupted: nothing after it can
			// be trusted to start a frame. Drop it and the connection.
			t.stats.badFrames.Add(1)
			t.stats.closedOnBadFrame.Add(1)
			t.logf("transport: from %s: %v (frame dropped, connection closed)", c.RemoteAddr(), err)
			return
		case errors.Is(err, io.EOF):
			return // the peer closed between frames
		case errors.Is(err, ErrTooLarge), errors.Is(err, io.ErrUnexpectedEOF):
			// Nothing after this can be placed: cut the connection; the
			// peer redials.
			t.stats.closedOnBadFrame.Add(1)
			t.logf("transport: from %s: %v (connection closed)", c.RemoteAddr(), err)
			return
		default:
			select {
			case <-t.closing:
			default:
				t.logf("transport: from %s: %v", c.RemoteAddr(), err)
			}
			return
		}
	}
}

// run is a peer's sender: it dials when a frame waits and no connection
// is up, writes frames in batches, and after a failure waits out a
// backoff before it takes the next frame, so that the frames sent
// meanwhile stay queued (and Send drops once the queue is full).
func (p *peer) run() {
	t := p.t
	defer t.wg.Done()
	var (
		oc       *outConn
		failures int       // dial or write failures in a row
		retryAt  time.Time // no dial before this
	)
	defer func() {
		if oc != nil {
			t.drop(oc.c)
		}
	}()
	fail := func() {
		retryAt = time.Now().Add(p.backoff(failures))
		failures++
	}
	for {
		if oc == nil && failures > 0 && !t.wait(time.Until(retryAt)) {
			return
		}
		var dead <-chan struct{}
		if oc != nil {
			dead = oc.dead
		}
		var f []byte
		select {
		case <-t.closing:
			return
		case <-dead:
			select {
			case <-t.closing:
				return // Close cut it
			default:
			}
			t.logf("transport: peer %d at %s closed the connection", p.id, p.addr)
			t.drop(oc.c)
			oc = nil
			fail()
			continue
		case f = <-p.queue:
		}
		if oc == nil {
			var err error
			if oc, err = p.dial(); err != nil {
				t.stats.droppedDialError.Add(1)
				fail()
				continue
			}
		}
		if err := p.writeBatch(oc, f); err != nil {
			t.drop(oc.c)
			oc = nil
			fail()
			continue
		}
		failures = 0
	}
}

// backoff is the wait after the given number of failures in a row:
// MinBackoff doubled that many times, at most MaxBackoff, of which the
// upper half is random ("equal jitter"), so that nodes that lost the same
// peer at once do not redial in step, while the wait still grows.
func (p *peer) backoff(failures int) time.Duration {
	lo, hi := p.t.cfg.MinBackoff, p.t.cfg.MaxBackoff
	d := lo
	for i := 0; i < failures && d < hi; i++ {
		if d > hi/2 {
			d = hi
			break
		}
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return half + time.Duration(p.rng.Int64N(int64(d-half)+1))
}

// dial opens the connection to the peer and starts the goroutine that
// notices when the peer closes it.
func (p *peer) dial() (*outConn, error) {
	t := p.t
	t.stats.dials.Add(1)
	d := net.Dialer{Timeout: t.cfg.WriteTimeout}
	c, err := d.DialContext(t.ctx, "tcp", p.addr)
	if err != nil {
		t.stats.dialFailures.Add(1)
		if t.ctx.Err() == nil { // not a dial that Close cancelled
			t.logf("transport: dial peer %d at %s: %v", p.id, p.addr, err)
		}
		return nil, err
	}
	if !t.track(c) {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	t.logf("transport: connected to peer %d at %s", p.id, p.addr)
	// Go's TCP connections have TCP_NODELAY set: a flushed batch goes out
	// at once. Batching is the bufio.Writer's job, not Nagle's.
	oc := &outConn{c: c, w: bufio.NewWriterSize(c, bufSize), dead: make(chan struct{})}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(oc.dead)
		var b [1]byte
		_, _ = c.Read(b[:])
	}()
	return oc, nil
}

// writeBatch writes f and then whatever else is already queued, up to
// bufSize bytes, and flushes: a burst of Sends goes out in a few
// segments, and a lone frame is flushed at once. The whole batch is
// bounded by one WriteTimeout.
func (p *peer) writeBatch(oc *outConn, f []byte) error {
	t := p.t
	frames, size := 1, len(f)
	err := oc.c.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout))
	if err == nil {
		_, err = oc.w.Write(f)
	}
	// Only this goroutine takes from the queue, so a queue that is not
	// empty has a frame for it now.
	for err == nil && size < bufSize && len(p.queue) > 0 {
		f = <-p.queue
		frames++
		size += len(f)
		_, err = oc.w.Write(f)
	}
	if err == nil {
		err = oc.w.Flush()
	}
	if err != nil {
		t.stats.droppedWriteError.Add(uint64(frames))
		select {
		case <-t.closing:
		default:
			t.logf("transport: write to peer %d at %s: %v (%d frames dropped)", p.id, p.addr, err, frames)
		}
		return err
	}
	t.stats.sent.Add(uint64(frames))
	return nil
}
