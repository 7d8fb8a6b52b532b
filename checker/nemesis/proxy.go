package nemesis

import (
	"bufio"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/impl/transport"
)

// Timeouts and bounds of the proxy's own I/O.
const (
	// dialTimeout bounds a dial of the target: a target that does not
	// answer is treated as down.
	dialTimeout = 2 * time.Second
	// writeTimeout bounds each write to the target: a target that stops
	// reading gets its connection closed, as a stuck peer would by TCP's
	// own timeouts, only sooner.
	writeTimeout = 5 * time.Second
	// maxHeld bounds the frames held per connection (queued for the writer,
	// delayed or not); when it is reached the proxy stops reading from the
	// source until a frame goes out.
	maxHeld = 4096
	// acceptBackoff is the pause after an Accept error other than a closed
	// listener (out of file descriptors, say).
	acceptBackoff = 10 * time.Millisecond
	// readBuffer is the size of the buffered reader on the source.
	readBuffer = 64 << 10
)

// Stats counts what a Proxy did since New. A frame read from the source is
// counted in exactly one of Dropped, Cut (when cut as it was read) or
// BadFrames, or else is kept; each copy of a kept frame is then written
// (Forwarded), dropped by a partition at its due time (Cut), or lost when
// its connection ends first (not counted).
type Stats struct {
	// Forwarded counts frame copies written to the target, duplicates and
	// corrupted copies included.
	Forwarded uint64
	// Dropped counts frames dropped by Faults.Loss.
	Dropped uint64
	// Cut counts frames and copies dropped because the proxy was cut.
	Cut uint64
	// Duplicated counts frames sent twice (each counts once).
	Duplicated uint64
	// Corrupted counts copies with a flipped byte.
	Corrupted uint64
	// Delayed counts copies held a non-zero delay.
	Delayed uint64
	// BadFrames counts frames from the source that did not parse.
	BadFrames uint64
	// Dials counts dials of the target, one per accepted connection.
	Dials uint64
	// DialFailures counts the dials that failed; each one's accepted
	// connection was closed.
	DialFailures uint64
}

// counters is the atomic form of Stats.
type counters struct {
	forwarded, dropped, cut, duplicated, corrupted, delayed, badFrames, dials, dialFailures atomic.Uint64
}

// Proxy forwards the frames of every connection accepted on Addr to
// target, injecting the faults last Set and dropping every frame while
// Cut. Its methods may be called from any goroutine.
type Proxy struct {
	target string
	seed   uint64
	logf   func(string, ...any)
	ln     net.Listener
	ctx    context.Context // cancelled by Close, to abort dials
	cancel context.CancelFunc

	faults atomic.Pointer[Faults]
	cut    atomic.Bool
	watch  atomic.Pointer[func([]byte)]
	st     counters

	mu     sync.Mutex
	closed bool
	links  map[*link]struct{}
	next   uint64 // index of the next connection forwarded on

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New starts a Proxy that listens on 127.0.0.1 (a free port) and forwards
// to target, a host:port, with no faults until Set. seed seeds the fate of
// every frame (see the package doc); logf, which may be nil, receives a
// line for each connection-level event (a failed dial, a bad frame, a
// connection closed on an error), never one per frame.
func New(target string, seed uint64, logf func(string, ...any)) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("nemesis: target %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("nemesis: listen: %w", err)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{target: target, seed: seed, logf: logf, ln: ln, ctx: ctx, cancel: cancel,
		links: map[*link]struct{}{}}
	p.faults.Store(&Faults{})
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address the proxy listens on, to be given to the source node
// as its peer's address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target is the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Set replaces the faults injected into frames read from now on (frames
// already held keep their fate). An invalid setting is refused with an
// error wrapping ErrBadFaults, and the previous one stays.
func (p *Proxy) Set(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	p.faults.Store(&f)
	return nil
}

// Faults returns the faults in force.
func (p *Proxy) Faults() Faults { return *p.faults.Load() }

// Cut partitions (cut true) or heals (false) the link: while cut, every
// frame read is dropped, and so is every held frame whose time comes.
// Connections stay up, as they do across a real partition until TCP gives
// up, so that healing resumes forwarding at once.
func (p *Proxy) Cut(cut bool) { p.cut.Store(cut) }

// Watch calls f (nil: nothing) with the payload of every frame the proxy
// keeps from now on, after its copies are held for the target and before
// the next frame is read, so that f sees the frames of a connection in
// the order they came. The harness uses it to act at a point of the
// protocol: to kill a node just after it sent a given message (the frame
// still reaches its target, as a message sent before a crash does). f runs
// on the connection's reading goroutine, must not block, and must not
// modify the payload.
func (p *Proxy) Watch(f func(payload []byte)) {
	if f == nil {
		p.watch.Store(nil)
		return
	}
	p.watch.Store(&f)
}

// Stats returns the counts so far. Each count is read atomically, not the
// set of them: under traffic they may be a few frames apart.
func (p *Proxy) Stats() Stats {
	s := &p.st
	return Stats{
		Forwarded:    s.forwarded.Load(),
		Dropped:      s.dropped.Load(),
		Cut:          s.cut.Load(),
		Duplicated:   s.duplicated.Load(),
		Corrupted:    s.corrupted.Load(),
		Delayed:      s.delayed.Load(),
		BadFrames:    s.badFrames.Load(),
		Dials:        s.dials.Load(),
		DialFailures: s.dialFailures.Load(),
	}
}

// Close stops the proxy: it closes the listener and every connection, both
// sides, drops the frames held, and returns once every goroutine of the
// proxy has ended. It is idempotent; later calls return the first's error.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		links := make([]*link, 0, len(p.links))
		for l := range p.links {
			links = append(links, l)
		}
		p.mu.Unlock()
		p.cancel()
		if err := p.ln.Close(); err != nil {
			p.closeErr = fmt.Errorf("nemesis: close listener: %w", err)
		}
		for _, l := range links {
			l.close()
		}
		p.wg.Wait()
	})
	return p.closeErr
}

// accept runs until the listener is closed.
func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || p.ctx.Err() != nil {
				return
			}
			p.logf("nemesis %s -> %s: accept: %v", p.Addr(), p.target, err)
			t := time.NewTimer(acceptBackoff)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve dials the target for the accepted connection src and forwards on
// the pair until either side ends.
func (p *Proxy) serve(src net.Conn) {
	defer p.wg.Done()
	p.st.dials.Add(1)
	d := net.Dialer{Timeout: dialTimeout}
	dst, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		p.st.dialFailures.Add(1)
		if p.ctx.Err() == nil {
			p.logf("nemesis %s -> %s: dial: %v; closing the accepted connection", p.Addr(), p.target, err)
		}
		src.Close()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		src.Close()
		dst.Close()
		return
	}
	l := &link{p: p, id: p.next, src: src, dst: dst, rng: connRand(p.seed, p.next),
		wake: make(chan struct{}, 1), slots: make(chan struct{}, maxHeld), done: make(chan struct{})}
	p.next++
	p.links[l] = struct{}{}
	p.mu.Unlock()

	p.wg.Add(2)
	go l.write()
	go l.watch()
	l.read()
}

// link is one forwarded connection: frames read from src, held, written to
// dst.
type link struct {
	p        *Proxy
	id       uint64
	src, dst net.Conn
	rng      *rand.PCG // only read's

	mu   sync.Mutex
	held heldQueue
	seq  uint64 // order of reading, to break ties in held
	eof  bool   // the source side has ended: write drains held, then closes

	wake  chan struct{} // a frame was held or eof set; capacity 1
	slots chan struct{} // one token per held frame, capacity maxHeld
	done  chan struct{} // closed by close
	once  sync.Once
}

// close closes both sides, stops the link's goroutines and forgets the
// link; idempotent. The link stays known to Close until then, including
// while it drains after the source has ended, so that Close never waits
// out a delay. It must not be called with p.mu held.
func (l *link) close() {
	l.once.Do(func() {
		close(l.done)
		l.src.Close()
		l.dst.Close()
		l.p.mu.Lock()
		delete(l.p.links, l)
		l.p.mu.Unlock()
	})
}

func (l *link) logf(format string, args ...any) {
	l.p.logf("nemesis %s -> %s conn %d: "+format, append([]any{l.p.Addr(), l.p.target, l.id}, args...)...)
}

// read reads the source's frames and holds the copies to be written, until
// the source ends or the link is closed.
func (l *link) read() {
	p := l.p
	br := bufio.NewReaderSize(l.src, readBuffer)
	for {
		payload, err := transport.ReadFrame(br)
		if err != nil {
			switch {
			case transport.Resumable(err):
				p.st.badFrames.Add(1)
				l.logf("dropped a bad frame: %v", err)
				continue
			case errors.Is(err, io.EOF):
				// The source closed.
			case errors.Is(err, io.ErrUnexpectedEOF):
				// The source closed inside a frame: a crash, not a bad frame.
				l.logf("source closed inside a frame")
			case errors.Is(err, transport.ErrTooLarge):
				p.st.badFrames.Add(1)
				l.logf("closing both sides: %v", err)
			default:
				select {
				case <-l.done: // closed by the writer, the watcher or Close
					return
				default:
					l.logf("closing both sides: read: %v", err)
				}
			}
			// The source side is done with now, so that a source whose
			// stream went bad sees it at once and redials; the target side
			// is closed by the writer once the frames already held have
			// gone out, as they would have on a real network.
			l.src.Close()
			l.mu.Lock()
			l.eof = true
			l.mu.Unlock()
			l.poke()
			return
		}
		// The frame parsed, so its encoding is exactly the bytes read.
		frame, err := transport.AppendFrame(make([]byte, 0, len(payload)+16), payload)
		if err != nil { // cannot happen: ReadFrame bounds the payload
			p.st.badFrames.Add(1)
			l.logf("dropped a frame that cannot be encoded again: %v", err)
			continue
		}
		ft := decide(l.rng, p.Faults(), len(frame))
		if p.cut.Load() {
			p.st.cut.Add(1)
			continue
		}
		if ft.drop {
			p.st.dropped.Add(1)
			continue
		}
		if ft.copies > 1 {
			p.st.duplicated.Add(1)
		}
		now := time.Now()
		for i := range ft.copies {
			b := frame
			if i < ft.copies-1 {
				b = append([]byte(nil), frame...)
			}
			c := ft.copy[i]
			if c.corrupt {
				b[c.at] ^= c.mask
				p.st.corrupted.Add(1)
			}
			if c.delay > 0 {
				p.st.delayed.Add(1)
			}
			if !l.hold(b, now.Add(c.delay)) {
				return
			}
		}
		if w := p.watch.Load(); w != nil {
			(*w)(payload)
		}
	}
}

// hold queues frame for writing at due. It waits for a free slot, and
// returns false if the link was closed first.
func (l *link) hold(frame []byte, due time.Time) bool {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return false
	}
	l.mu.Lock()
	heap.Push(&l.held, heldFrame{frame: frame, due: due, seq: l.seq})
	l.seq++
	l.mu.Unlock()
	l.poke()
	return true
}

// poke wakes the writer without blocking.
func (l *link) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// write is the link's only writer to dst: it writes each held frame when
// its time comes, earliest first.
func (l *link) write() {
	defer l.p.wg.Done()
	p := l.p
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		l.mu.Lock()
		if l.held.Len() == 0 {
			eof := l.eof
			l.mu.Unlock()
			if eof {
				l.close()
				return
			}
			select {
			case <-l.wake:
			case <-l.done:
				return
			}
			continue
		}
		if wait := time.Until(l.held[0].due); wait > 0 {
			l.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-l.wake: // an earlier frame may have been held
			case <-l.done:
				return
			}
			continue
		}
		h := heap.Pop(&l.held).(heldFrame)
		l.mu.Unlock()
		<-l.slots
		if p.cut.Load() {
			p.st.cut.Add(1)
			continue
		}
		err := l.dst.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err == nil {
			_, err = l.dst.Write(h.frame)
		}
		if err != nil {
			select {
			case <-l.done:
			default:
				l.logf("closing both sides: write: %v", err)
			}
			l.close()
			return
		}
		p.st.forwarded.Add(1)
	}
}

// watch reads the target side, which carries nothing, only to learn that
// the target closed, and then closes the source side too.
func (l *link) watch() {
	defer l.p.wg.Done()
	_, err := io.Copy(io.Discard, l.dst)
	select {
	case <-l.done: // closed from this side
	default:
		if err == nil {
			err = io.EOF
		}
		l.logf("target closed (%v); closing both sides", err)
	}
	l.close()
}

// heldFrame is a frame copy waiting in a link's queue.
type heldFrame struct {
	frame []byte
	due   time.Time
	seq   uint64
}

// heldQueue is a min-heap of held frames by due time, then reading order
// (container/heap).
type heldQueue []heldFrame

func (q heldQueue) Len() int { return len(q) }
func (q heldQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q heldQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *heldQueue) Push(x any)   { *q = append(*q, x.(heldFrame)) }
func (q *heldQueue) Pop() any {
	old := *q
	h := old[len(old)-1]
	old[len(old)-1] = heldFrame{}
	*q = old[:len(old)-1]
	return h
}
