package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// guard bounds every wait of these tests: far above what loopback needs,
// so that it only turns a hang into a failure.
const guard = 10 * time.Second

// tcpSeed seeds every transport's backoff jitter in these tests.
const tcpSeed = 7

// waitFor polls cond on a short ticker until it holds, and fails the test
// if it does not within guard.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	if cond() {
		return
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(guard)
	for {
		select {
		case <-tick.C:
			if cond() {
				return
			}
		case <-timeout:
			tb.Fatalf("timed out after %v waiting for %s", guard, what)
		}
	}
}

// noLeaks records the goroutine count and, when the test ends, after
// every cleanup registered later (transports and sockets are closed
// first), waits until the count is back to it. Tests of this package do
// not run in parallel, so the count is theirs.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		waitFor(t, fmt.Sprintf("goroutines back to %d", before), func() bool {
			return runtime.NumGoroutine() <= before
		})
	})
}

// inbox collects delivered payloads. Deliver never blocks (a blocked
// Deliver would hold Close), so a full inbox counts an overflow, which
// the test then reports.
type inbox struct {
	ch       chan []byte
	overflow atomic.Int64
}

func newInbox(n int) *inbox { return &inbox{ch: make(chan []byte, n)} }

func (in *inbox) deliver(p []byte) {
	select {
	case in.ch <- p:
	default:
		in.overflow.Add(1)
	}
}

// next is the next delivered payload, or a failure after guard.
func (in *inbox) next(tb testing.TB) []byte {
	tb.Helper()
	select {
	case p := <-in.ch:
		return p
	case <-time.After(guard):
		tb.Fatalf("no frame delivered within %v (overflowed %d)", guard, in.overflow.Load())
		return nil
	}
}

// start listens with cfg, filling in what every test wants, and closes
// the transport when the test ends.
func start(t *testing.T, cfg Config) *Transport {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Seed == 0 {
		cfg.Seed = tcpSeed
	}
	if cfg.MinBackoff == 0 && cfg.MaxBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = time.Millisecond, 20*time.Millisecond
	}
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	tr, err := Listen(cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tr
}

// reserveAddr is a loopback address with a port free now: nothing
// listens there until a test starts something on it.
func reserveAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("reserve an address: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("reserve an address: %v", err)
	}
	return addr
}

// rawDial is a plain connection to addr, closed when the test ends, for
// writing bytes no Transport would.
func rawDial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.TCPConn)
}

// write writes b to c, failing the test on error.
func write(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if err := c.SetWriteDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// waitClosed fails unless the other end closes c within guard.
func waitClosed(t *testing.T, c net.Conn) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	var b [64]byte
	for {
		_, err := c.Read(b[:])
		if err == nil {
			continue // a Transport never writes here; keep reading to the end
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("connection still open after %v", guard)
		}
		return // EOF, or a reset: closed either way
	}
}

// pair is two transports, 1 and 2, each with the other as a peer.
func pair(t *testing.T, queueLen int) (a, b *Transport, inA, inB *inbox) {
	t.Helper()
	addrB := reserveAddr(t)
	inA, inB = newInbox(queueLen+16), newInbox(queueLen+16)
	a = start(t, Config{Peers: map[int]string{2: addrB}, Deliver: inA.deliver, QueueLen: queueLen})
	b = start(t, Config{Listen: addrB, Peers: map[int]string{1: a.Addr()}, Deliver: inB.deliver, QueueLen: queueLen})
	return a, b, inA, inB
}

func TestExchangeBothWays(t *testing.T) {
	noLeaks(t)
	const n = 200
	a, b, inA, inB := pair(t, 1024)
	for i := range n {
		a.Send(2, fmt.Appendf(nil, "a->b %d", i))
		b.Send(1, fmt.Appendf(nil, "b->a %d", i))
	}
	tests := []struct {
		name   string
		in     *inbox
		prefix string
	}{
		{"1 to 2", inB, "a->b"},
		{"2 to 1", inA, "b->a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range n {
				if got, want := string(tc.in.next(t)), fmt.Sprintf("%s %d", tc.prefix, i); got != want {
					t.Fatalf("frame %d = %q, want %q", i, got, want)
				}
			}
		})
	}
	for _, s := range []struct {
		name string
		tr   *Transport
	}{{"1", a}, {"2", b}} {
		waitFor(t, "transport "+s.name+" to count its frames sent", func() bool { return s.tr.Stats().Sent == n })
		st := s.tr.Stats()
		want := Stats{Sent: n, Received: n, Accepted: 1, Dials: 1}
		if st != want {
			t.Errorf("transport %s: Stats = %+v, want %+v", s.name, st, want)
		}
	}
}

func TestSendOrder(t *testing.T) {
	// One connection, many frames, sent as fast as Send returns: they
	// arrive all and in order. The payload buffer is reused at once, which
	// Send allows.
	noLeaks(t)
	const n = 5000
	a, _, _, inB := pair(t, n)
	buf := make([]byte, 8)
	for i := range n {
		binary.LittleEndian.PutUint64(buf, uint64(i))
		a.Send(2, buf)
	}
	for i := range n {
		p := inB.next(t)
		if len(p) != 8 || binary.LittleEndian.Uint64(p) != uint64(i) {
			t.Fatalf("frame %d: got % x", i, p)
		}
	}
	if st := a.Stats(); st.DroppedQueueFull != 0 {
		t.Fatalf("dropped %d frames with a queue of %d", st.DroppedQueueFull, n)
	}
}

func TestPeerComesUpLater(t *testing.T) {
	noLeaks(t)
	addrB := reserveAddr(t)
	a := start(t, Config{Peers: map[int]string{2: addrB}, Deliver: func([]byte) {}})

	// Nobody listens yet: the dial fails and its frame is dropped.
	a.Send(2, []byte("too early"))
	waitFor(t, "the failed dial's frame to be dropped", func() bool { return a.Stats().DroppedDialError == 1 })

	inB := newInbox(16)
	start(t, Config{Listen: addrB, Deliver: inB.deliver})
	late := []string{"late 0", "late 1", "late 2"}
	for _, s := range late {
		a.Send(2, []byte(s))
	}
	for _, want := range late {
		if got := string(inB.next(t)); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	st := a.Stats()
	if st.DialFailures != 1 || st.Dials != 2 || st.DroppedDialError != 1 {
		t.Fatalf("Stats = %+v, want 1 failed dial of 2 and 1 frame dropped", st)
	}
}

func TestReconnectAfterPeerRestart(t *testing.T) {
	// Peer 2 stops and another takes its address: the sender notices the
	// old connection closed and dials the new one.
	noLeaks(t)
	addrB := reserveAddr(t)
	a := start(t, Config{Peers: map[int]string{2: addrB}, Deliver: func([]byte) {}})
	inB1 := newInbox(16)
	b1 := start(t, Config{Listen: addrB, Deliver: inB1.deliver})
	a.Send(2, []byte("to the first"))
	if got := string(inB1.next(t)); got != "to the first" {
		t.Fatalf("got %q", got)
	}
	if err := b1.Close(); err != nil {
		t.Fatal(err)
	}

	inB2 := newInbox(1024)
	start(t, Config{Listen: addrB, Deliver: inB2.deliver})
	// A frame written just as the old connection dies may be lost, as on
	// any network: probe until one gets through.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(guard)
	for i := 0; ; i++ {
		a.Send(2, fmt.Appendf(nil, "probe %d", i))
		select {
		case p := <-inB2.ch:
			if !strings.HasPrefix(string(p), "probe ") {
				t.Fatalf("got %q", p)
			}
			if st := a.Stats(); st.Dials < 2 {
				t.Fatalf("delivered after %d dials, want a redial: %+v", st.Dials, st)
			}
			return
		case <-tick.C:
		case <-timeout:
			t.Fatalf("no frame reached the restarted peer within %v: %+v", guard, a.Stats())
		}
	}
}

func TestStuckPeerWriteTimeout(t *testing.T) {
	// A peer that accepts and never reads: once the kernel's buffers are
	// full, the flush times out, its batch is dropped and counted, and the
	// sender redials rather than hang.
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 64)
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never read
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-acceptDone
		close(accepted)
		for c := range accepted {
			_ = c.Close()
		}
	})
	tr := start(t, Config{
		Peers:        map[int]string{2: ln.Addr().String()},
		Deliver:      func([]byte) {},
		WriteTimeout: 50 * time.Millisecond,
		QueueLen:     8,
	})
	big := make([]byte, 1<<20)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(guard)
	for tr.Stats().DroppedWriteError == 0 || tr.Stats().Dials < 2 {
		tr.Send(2, big) // keep the queue full; Send drops the rest
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("no write timed out within %v: %+v", guard, tr.Stats())
		}
	}
}

// TestBadFrameDropped: a frame of another version is dropped and the
// connection reads on; one whose checksum fails is dropped with its
// connection (its length may be what was corrupted), and the sender's
// next connection is served.
func TestBadFrameDropped(t *testing.T) {
	tests := []struct {
		name   string
		bad    []byte
		closes bool
	}{
		{"bad checksum", rawFrame(Version, []byte("corrupt 2a"), 0xdead), true},
		{"corrupt length", func() []byte { b := mustFrame(t, []byte("corrupt length")); b[0] ^= 0x04; return b }(), true},
		{"bad version", rawFrame(Version+1, []byte("from the future"), 0), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			in := newInbox(16)
			tr := start(t, Config{Deliver: in.deliver})
			c := rawDial(t, tr.Addr())
			want := Stats{Received: 1, BadFrames: 1, Accepted: 1}
			if tc.closes {
				write(t, c, tc.bad)
				// The transport closes the connection: the sender sees EOF.
				c.SetReadDeadline(time.Now().Add(guard))
				if n, err := c.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("after a bad checksum: read %d bytes, %v; want the connection closed (EOF)", n, err)
				}
				c = rawDial(t, tr.Addr()) // the sender reconnects
				want.Accepted, want.ClosedOnBadFrame = 2, 1
			} else {
				write(t, c, tc.bad)
			}
			write(t, c, mustFrame(t, []byte("good 2a")))
			if got := string(in.next(t)); got != "good 2a" {
				t.Fatalf("delivered %q, want %q", got, "good 2a")
			}
			if st := tr.Stats(); st != want {
				t.Fatalf("Stats = %+v, want %+v", st, want)
			}
		})
	}
}

func TestUnplaceableFrameClosesConn(t *testing.T) {
	half := mustFrame(t, []byte("cut in the middle"))
	half = half[:len(half)/2]
	tests := []struct {
		name      string
		bytes     []byte
		closeSend bool // end the stream after bytes
	}{
		{"length over MaxPayload", header(MaxPayload + 1), false},
		{"length all ones", header(^uint32(0)), false},
		{"stream cut inside a frame", half, true},
		{"stream cut inside a header", []byte{1, 0}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			in := newInbox(16)
			tr := start(t, Config{Deliver: in.deliver})
			other := rawDial(t, tr.Addr()) // a connection that must outlive the bad one
			write(t, other, mustFrame(t, []byte("before")))
			if got := string(in.next(t)); got != "before" {
				t.Fatalf("got %q", got)
			}

			bad := rawDial(t, tr.Addr())
			write(t, bad, tc.bytes)
			if tc.closeSend {
				if err := bad.CloseWrite(); err != nil {
					t.Fatal(err)
				}
			}
			waitClosed(t, bad)
			waitFor(t, "the bad connection to be counted", func() bool { return tr.Stats().ClosedOnBadFrame == 1 })

			write(t, other, mustFrame(t, []byte("after, same conn")))
			write(t, rawDial(t, tr.Addr()), mustFrame(t, []byte("after, new conn")))
			got := map[string]bool{string(in.next(t)): true, string(in.next(t)): true}
			if !got["after, same conn"] || !got["after, new conn"] {
				t.Fatalf("after the bad connection, delivered %v", got)
			}
			st := tr.Stats()
			if want := (Stats{Received: 3, ClosedOnBadFrame: 1, Accepted: 3}); st != want {
				t.Fatalf("Stats = %+v, want %+v", st, want)
			}
		})
	}
}

func TestSendDrops(t *testing.T) {
	// Every way Send drops a frame is counted, exactly, and none blocks.
	// Peer 2's address has no listener, and a failed dial waits an hour,
	// so after the first frame the sender takes nothing from its queue.
	const queueLen = 2
	tests := []struct {
		name    string
		prepare func(t *testing.T, tr *Transport) // on the test goroutine
		send    func(tr *Transport)               // must return within guard
		want    Stats
	}{
		{
			name: "unknown peer",
			send: func(tr *Transport) { tr.Send(9, []byte("to nobody")) },
			want: Stats{DroppedUnknownPeer: 1},
		},
		{
			name: "payload over MaxPayload",
			send: func(tr *Transport) { tr.Send(2, make([]byte, MaxPayload+1)) },
			want: Stats{DroppedTooLarge: 1},
		},
		{
			name: "after Close",
			prepare: func(t *testing.T, tr *Transport) {
				if err := tr.Close(); err != nil {
					t.Fatal(err)
				}
			},
			send: func(tr *Transport) { tr.Send(2, []byte("too late")) },
			want: Stats{DroppedClosed: 1},
		},
		{
			name: "full queue",
			prepare: func(t *testing.T, tr *Transport) {
				tr.Send(2, []byte("dial fails"))
				waitFor(t, "the dial to fail", func() bool { return tr.Stats().DroppedDialError == 1 })
			},
			send: func(tr *Transport) {
				for i := range queueLen + 3 {
					tr.Send(2, fmt.Appendf(nil, "queued or dropped %d", i))
				}
			},
			want: Stats{Dials: 1, DialFailures: 1, DroppedDialError: 1, DroppedQueueFull: 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			tr := start(t, Config{
				Peers:      map[int]string{2: reserveAddr(t)},
				Deliver:    func([]byte) {},
				QueueLen:   queueLen,
				MinBackoff: time.Hour,
				MaxBackoff: time.Hour,
			})
			if tc.prepare != nil {
				tc.prepare(t, tr)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				tc.send(tr)
			}()
			select {
			case <-done:
			case <-time.After(guard):
				t.Fatalf("Send blocked for %v", guard)
			}
			if got := tr.Stats(); got != tc.want {
				t.Fatalf("Stats = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCloseIdempotentNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	addrB := reserveAddr(t)
	in := newInbox(64)
	a, err := Listen(Config{Listen: "127.0.0.1:0", Peers: map[int]string{2: addrB, 3: reserveAddr(t)}, Deliver: in.deliver, Seed: tcpSeed})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Listen(Config{Listen: addrB, Peers: map[int]string{1: a.Addr()}, Deliver: in.deliver, Seed: tcpSeed})
	if err != nil {
		t.Fatal(err)
	}
	// Leave every kind of goroutine running: senders with and without a
	// connection, a sender in backoff (peer 3), readers, a raw
	// connection's reader, and the watchers of outgoing connections.
	a.Send(2, []byte("x"))
	a.Send(3, []byte("x"))
	b.Send(1, []byte("y"))
	in.next(t)
	in.next(t)
	waitFor(t, "the dial to peer 3 to fail", func() bool { return a.Stats().DialFailures == 1 })
	raw := rawDial(t, a.Addr())
	write(t, raw, header(10)) // a reader left waiting inside a frame
	waitFor(t, "the raw connection to be accepted", func() bool { return a.Stats().Accepted == 2 })

	tests := []struct {
		name string
		tr   *Transport
	}{{"a", a}, {"b", b}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := make(chan error, 2)
			go func() { errs <- tc.tr.Close() }() // concurrent with the next one
			errs <- tc.tr.Close()
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatalf("Close: %v", err)
				}
			}
			if err := tc.tr.Close(); err != nil {
				t.Fatalf("Close again: %v", err)
			}
		})
	}
	waitClosed(t, raw)
	_ = raw.Close()
	waitFor(t, fmt.Sprintf("goroutines back to %d", before), func() bool { return runtime.NumGoroutine() <= before })
	if _, err := net.DialTimeout("tcp", a.Addr(), guard); err == nil {
		t.Fatalf("a closed transport still accepts on %s", a.Addr())
	}
}

func TestCloseWaitsForDeliver(t *testing.T) {
	// Close returns only after every Deliver has returned: a node may tear
	// down its state once Close is done. Deliver is held until the
	// transport has cut the sending connection (Close is under way).
	noLeaks(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var returned atomic.Bool
	tr := start(t, Config{Deliver: func([]byte) {
		close(entered)
		<-release
		returned.Store(true)
	}})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before the transport's Close, should the test fail early
	c := rawDial(t, tr.Addr())
	write(t, c, mustFrame(t, []byte("held")))
	select {
	case <-entered:
	case <-time.After(guard):
		t.Fatalf("no frame delivered within %v", guard)
	}
	closed := make(chan error, 1)
	go func() { closed <- tr.Close() }()
	waitClosed(t, c)
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while Deliver was still running", err)
	default:
	}
	unblock()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(guard):
		t.Fatalf("Close did not return within %v of Deliver's return", guard)
	}
	if !returned.Load() {
		t.Fatalf("Close returned before Deliver did")
	}
}

func TestListenConfigErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Close() })
	deliver := func([]byte) {}
	tests := []struct {
		name      string
		cfg       Config
		badConfig bool   // errors.Is(err, ErrConfig)
		want      string // in the message
	}{
		{"nil Deliver", Config{Listen: "127.0.0.1:0"}, true, "Deliver is nil"},
		{"no Listen address", Config{Deliver: deliver}, true, "no Listen address"},
		{"Listen without a port", Config{Listen: "127.0.0.1", Deliver: deliver}, true, "missing port"},
		{"Listen port out of range", Config{Listen: "127.0.0.1:99999", Deliver: deliver}, false, "invalid port"},
		{"Listen address in use", Config{Listen: busy.Addr().String(), Deliver: deliver}, false, "address already in use"},
		{"peer without a port", Config{Listen: "127.0.0.1:0", Deliver: deliver, Peers: map[int]string{2: "127.0.0.1"}}, true, "peer 2"},
		{"peer with an empty port", Config{Listen: "127.0.0.1:0", Deliver: deliver, Peers: map[int]string{3: "127.0.0.1:"}}, true, "peer 3"},
		{"negative MinBackoff", Config{Listen: "127.0.0.1:0", Deliver: deliver, MinBackoff: -1}, true, "negative backoff"},
		{"MinBackoff above MaxBackoff", Config{Listen: "127.0.0.1:0", Deliver: deliver, MinBackoff: time.Second, MaxBackoff: time.Millisecond}, true, "above MaxBackoff"},
		{"negative WriteTimeout", Config{Listen: "127.0.0.1:0", Deliver: deliver, WriteTimeout: -time.Second}, true, "WriteTimeout"},
		{"negative QueueLen", Config{Listen: "127.0.0.1:0", Deliver: deliver, QueueLen: -1}, true, "QueueLen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Listen(tc.cfg)
			if err == nil {
				_ = tr.Close()
				t.Fatalf("Listen(%+v) succeeded", tc.cfg)
			}
			msg := err.Error()
			if errors.Is(err, ErrConfig) != tc.badConfig {
				t.Errorf("errors.Is(%q, ErrConfig) = %v, want %v", msg, !tc.badConfig, tc.badConfig)
			}
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "transport: ") {
				t.Errorf("error %q: want one line starting \"transport: \" and containing %q", msg, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	// The wait doubles per failure up to MaxBackoff, its upper half is
	// jitter, and the same seed gives the same waits.
	tests := []struct {
		name     string
		failures int
		lo, hi   time.Duration // the wait is within [lo, hi]
	}{
		{"first failure", 0, 5 * time.Millisecond, 10 * time.Millisecond},
		{"second failure", 1, 10 * time.Millisecond, 20 * time.Millisecond},
		{"fourth failure", 3, 40 * time.Millisecond, 80 * time.Millisecond},
		{"at the cap", 10, 500 * time.Millisecond, time.Second},
		{"far past the cap", 1000, 500 * time.Millisecond, time.Second},
	}
	newPeer := func(seed uint64) *peer {
		cfg, err := Config{Listen: "127.0.0.1:0", Deliver: func([]byte) {}}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		return &peer{t: &Transport{cfg: cfg}, rng: rand.New(rand.NewPCG(seed, 2))}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, q := newPeer(tcpSeed), newPeer(tcpSeed)
			for i := range 100 {
				d := p.backoff(tc.failures)
				if d < tc.lo || d > tc.hi {
					t.Fatalf("draw %d: backoff(%d) = %v, want within [%v, %v] (seed %d)", i, tc.failures, d, tc.lo, tc.hi, tcpSeed)
				}
				if e := q.backoff(tc.failures); e != d {
					t.Fatalf("draw %d: same seed %d gave %v and %v", i, tcpSeed, d, e)
				}
			}
		})
	}
}

// BenchmarkSend measures frames per second from one transport to another
// on loopback, 100-byte payloads. At most half a queue is in flight, so
// no frame is dropped and the rate is what the path sustains.
func BenchmarkSend(b *testing.B) {
	const queueLen = 4096
	var got atomic.Int64
	inflight := make(chan struct{}, queueLen/2)
	deliver := func([]byte) {
		got.Add(1)
		<-inflight
	}
	recv, err := Listen(Config{Listen: "127.0.0.1:0", Deliver: deliver, Seed: tcpSeed})
	if err != nil {
		b.Fatal(err)
	}
	defer recv.Close()
	send, err := Listen(Config{Listen: "127.0.0.1:0", Peers: map[int]string{2: recv.Addr()}, Deliver: func([]byte) {}, QueueLen: queueLen, Seed: tcpSeed})
	if err != nil {
		b.Fatal(err)
	}
	defer send.Close()

	payload := make([]byte, 100)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		select {
		case inflight <- struct{}{}:
		default: // the window is full: wait, with a guard (its timer only here)
			select {
			case inflight <- struct{}{}:
			case <-time.After(guard):
				b.Fatalf("no frame delivered for %v: %+v", guard, send.Stats())
			}
		}
		send.Send(2, payload)
	}
	for range queueLen / 2 { // wait for the last frames in flight
		select {
		case inflight <- struct{}{}:
		case <-time.After(guard):
			b.Fatalf("the last frames were not delivered within %v: %+v", guard, send.Stats())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(got.Load())/b.Elapsed().Seconds(), "frames/s")
	if st := send.Stats(); st.DroppedQueueFull+st.DroppedWriteError+st.DroppedDialError != 0 {
		b.Fatalf("dropped frames: %+v", st)
	}
}
