package nemesis

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paxoscheck/paxoscheck/impl/transport"
)

// guard bounds every wait on the network: a test that reaches it has
// failed (it never passes by waiting).
const guard = 10 * time.Second

// item is what the test receiver read on a connection: a payload, or an
// error after which the stream went on (transport.Resumable).
type item struct {
	payload []byte
	err     error
}

// receiver is a tiny node: a listener on 127.0.0.1 that reads frames from
// every connection it accepts into items.
type receiver struct {
	ln       net.Listener
	items    chan item
	accepted chan net.Conn // each accepted connection
	ended    chan error    // each connection's last ReadFrame error
	quit     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
	closed   bool
	once     sync.Once
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{ln: ln, items: make(chan item, 1<<14), accepted: make(chan net.Conn, 64),
		ended: make(chan error, 64), quit: make(chan struct{})}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

func (r *receiver) addr() string { return r.ln.Addr().String() }

func (r *receiver) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.Close()
			return
		}
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		select {
		case r.accepted <- c:
		default:
		}
		r.wg.Add(1)
		go r.read(c)
	}
}

func (r *receiver) read(c net.Conn) {
	defer r.wg.Done()
	br := bufio.NewReader(c)
	for {
		p, err := transport.ReadFrame(br)
		if err != nil && !transport.Resumable(err) {
			select {
			case r.ended <- err:
			default:
			}
			return
		}
		select {
		case r.items <- item{p, err}:
		case <-r.quit:
			return
		}
	}
}

// close closes the listener and every connection and waits for the
// receiver's goroutines; idempotent.
func (r *receiver) close() {
	r.once.Do(func() {
		close(r.quit)
		r.ln.Close()
		r.mu.Lock()
		r.closed = true
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
}

// recv returns the next n items, failing the test if they do not come.
func (r *receiver) recv(t *testing.T, n int) []item {
	t.Helper()
	got := make([]item, 0, n)
	timeout := time.After(guard)
	for len(got) < n {
		select {
		case it := <-r.items:
			got = append(got, it)
		case <-timeout:
			t.Fatalf("received %d items of %d", len(got), n)
		}
	}
	return got
}

// newProxy starts a proxy to target, closed when the test ends.
func newProxy(t *testing.T, target string, seed uint64) *Proxy {
	t.Helper()
	t.Logf("seed %d", seed)
	p, err := New(target, seed, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// dial is the source node's side: a connection to addr, closed when the
// test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// encode returns the frames of payloads, back to back.
func encode(t *testing.T, payloads ...[]byte) []byte {
	t.Helper()
	var b []byte
	for _, p := range payloads {
		var err error
		if b, err = transport.AppendFrame(b, p); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// send writes the frames of payloads on c in one write.
func send(t *testing.T, c net.Conn, payloads ...[]byte) {
	t.Helper()
	if _, err := c.Write(encode(t, payloads...)); err != nil {
		t.Fatal(err)
	}
}

// payloads returns n distinct payloads named prefix, of varied lengths
// (the first empty of body).
func payloads(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "%s %03d %s", prefix, i, strings.Repeat("x", i*37%500))
	}
	return out
}

// eventually waits, polling, until cond holds, and fails the test if it
// does not within the guard.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(guard)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitStats waits until the proxy's stats are want.
func waitStats(t *testing.T, p *Proxy, want Stats) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(guard)
	for p.Stats() != want {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("stats (-want +got):\n%s", cmp.Diff(want, p.Stats()))
		}
	}
}

// waitClosed fails the test unless the peer closes c.
func waitClosed(t *testing.T, c net.Conn) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	var b [64]byte
	for {
		_, err := c.Read(b[:])
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("connection not closed by the proxy: %v", err)
		}
		return // EOF, or a reset: closed
	}
}

func payloadsOf(t *testing.T, got []item) [][]byte {
	t.Helper()
	out := make([][]byte, len(got))
	for i, it := range got {
		if it.err != nil {
			t.Fatalf("item %d: %v, want a frame", i, it.err)
		}
		out[i] = it.payload
	}
	return out
}

func inversions(sent, got [][]byte) int {
	pos := map[string]int{}
	for i, p := range sent {
		pos[string(p)] = i
	}
	n := 0
	for i := 1; i < len(got); i++ {
		if pos[string(got[i])] < pos[string(got[i-1])] {
			n++
		}
	}
	return n
}

// TestFaults sends a burst of frames through a proxy under each setting,
// then heals the proxy and sends a few more: those must come next, in
// order and intact (nothing extra was forwarded, the receiver is still in
// step, and the connection stayed up).
func TestFaults(t *testing.T) {
	const n = 64
	tests := []struct {
		name   string
		faults Faults
		cut    bool
		arrive int // items the receiver gets from the burst
		// settled says the proxy has dealt with the whole burst, for bursts
		// of which nothing arrives.
		settled func(Stats) bool
		check   func(t *testing.T, sent [][]byte, got []item)
		want    Stats // after the burst and the tail of 3 frames
	}{
		{
			name: "no faults forwards every frame in order", arrive: n,
			check: func(t *testing.T, sent [][]byte, got []item) {
				if d := cmp.Diff(sent, payloadsOf(t, got)); d != "" {
					t.Errorf("payloads (-sent +got):\n%s", d)
				}
			},
			want: Stats{Forwarded: n + 3, Dials: 1},
		},
		{
			name: "loss 1 forwards none", faults: Faults{Loss: 1}, arrive: 0,
			settled: func(s Stats) bool { return s.Dropped == n },
			want:    Stats{Forwarded: 3, Dropped: n, Dials: 1},
		},
		{
			name: "loss 1 wins over dup 1", faults: Faults{Loss: 1, Dup: 1}, arrive: 0,
			settled: func(s Stats) bool { return s.Dropped == n },
			want:    Stats{Forwarded: 3, Dropped: n, Dials: 1},
		},
		{
			name: "dup 1 doubles every frame", faults: Faults{Dup: 1}, arrive: 2 * n,
			check: func(t *testing.T, sent [][]byte, got []item) {
				var want [][]byte
				for _, p := range sent {
					want = append(want, p, p)
				}
				if d := cmp.Diff(want, payloadsOf(t, got)); d != "" {
					t.Errorf("payloads (-want +got):\n%s", d)
				}
			},
			want: Stats{Forwarded: 2*n + 3, Duplicated: n, Dials: 1},
		},
		{
			name: "corrupt 1 fails every frame's checksum", faults: Faults{Corrupt: 1}, arrive: n,
			check: func(t *testing.T, sent [][]byte, got []item) {
				for i, it := range got {
					if !errors.Is(it.err, transport.ErrChecksum) && !errors.Is(it.err, transport.ErrVersion) {
						t.Errorf("item %d: payload %q, error %v; want ErrChecksum or ErrVersion", i, it.payload, it.err)
					}
				}
			},
			want: Stats{Forwarded: n + 3, Corrupted: n, Dials: 1},
		},
		{
			name: "max delay reorders yet all arrive", faults: Faults{MaxDelay: 30 * time.Millisecond}, arrive: n,
			check: func(t *testing.T, sent [][]byte, got []item) {
				ps := payloadsOf(t, got)
				if inversions(sent, ps) == 0 {
					t.Errorf("no frame of %d overtook another", n)
				}
				a, b := slices.Clone(sent), slices.Clone(ps)
				slices.SortFunc(a, bytes.Compare)
				slices.SortFunc(b, bytes.Compare)
				if d := cmp.Diff(a, b); d != "" {
					t.Errorf("frames, sorted (-sent +got):\n%s", d)
				}
			},
			// Delayed is checked apart: a delay of exactly 0 is possible.
			want: Stats{Forwarded: n + 3, Dials: 1},
		},
		{
			name: "cut drops every frame, connection stays up", cut: true, arrive: 0,
			settled: func(s Stats) bool { return s.Cut == n },
			want:    Stats{Forwarded: 3, Cut: n, Dials: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t)
			const seed = 7
			p := newProxy(t, r.addr(), seed)
			if err := p.Set(tc.faults); err != nil {
				t.Fatal(err)
			}
			p.Cut(tc.cut)
			c := dial(t, p.Addr())
			sent := payloads("frame", n)
			send(t, c, sent...)
			got := r.recv(t, tc.arrive)
			if tc.settled != nil {
				eventually(t, "the burst to be dealt with", func() bool { return tc.settled(p.Stats()) })
			}
			if err := p.Set(Faults{}); err != nil {
				t.Fatal(err)
			}
			p.Cut(false)
			tail := payloads("tail", 3)
			send(t, c, tail...)
			if d := cmp.Diff(tail, payloadsOf(t, r.recv(t, len(tail)))); d != "" {
				t.Errorf("after healing (-sent +got):\n%s", d)
			}
			if tc.check != nil {
				tc.check(t, sent, got)
			}
			want := tc.want
			if tc.faults.MaxDelay > 0 {
				eventually(t, "the tail to be counted", func() bool { return p.Stats().Forwarded == want.Forwarded })
				st := p.Stats()
				if st.Delayed == 0 || st.Delayed > n {
					t.Errorf("Delayed = %d, want in [1, %d]", st.Delayed, n)
				}
				want.Delayed = st.Delayed
			}
			waitStats(t, p, want)
		})
	}
}

// TestNoFaultsByteIdentical reads the target's side raw: with no faults
// the proxy's output is the source's bytes exactly.
func TestNoFaultsByteIdentical(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := newProxy(t, ln.Addr().String(), 1)
	c := dial(t, p.Addr())
	want := encode(t, payloads("frame", 100)...)
	send(t, c, payloads("frame", 100)...)

	type result struct {
		b   []byte
		err error
	}
	res := make(chan result, 1)
	go func() {
		d, err := ln.Accept()
		if err != nil {
			res <- result{err: err}
			return
		}
		defer d.Close()
		if err := d.SetReadDeadline(time.Now().Add(guard)); err != nil {
			res <- result{err: err}
			return
		}
		b := make([]byte, len(want))
		_, err = io.ReadFull(d, b)
		res <- result{b, err}
	}()
	select {
	case r := <-res:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !bytes.Equal(r.b, want) {
			t.Errorf("the target got other bytes than the source sent")
		}
	case <-time.After(guard):
		t.Fatal("nothing reached the target")
	}
}

// TestSameSeedSameFates runs the same frames through two proxies with the
// same seed, and one with another seed, end to end: the same seed keeps
// and duplicates the same frames.
func TestSameSeedSameFates(t *testing.T) {
	const n = 200
	sent := payloads("frame", n)
	run := func(t *testing.T, seed uint64) [][]byte {
		r := newReceiver(t)
		p := newProxy(t, r.addr(), seed)
		if err := p.Set(Faults{Loss: 0.5, Dup: 0.5}); err != nil {
			t.Fatal(err)
		}
		send(t, dial(t, p.Addr()), sent...)
		eventually(t, "every frame's fate", func() bool {
			s := p.Stats()
			return s.Dropped+s.Forwarded-s.Duplicated == n
		})
		got := payloadsOf(t, r.recv(t, int(p.Stats().Forwarded)))
		p.Close()
		return got
	}
	a, b, other := run(t, 42), run(t, 42), run(t, 43)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("seed 42 twice (-first +second):\n%s", d)
	}
	if cmp.Equal(a, other) {
		t.Errorf("seeds 42 and 43 gave the same fates")
	}
	if len(a) == 0 || len(a) == n {
		t.Errorf("seed 42: %d of %d frames arrived, want some lost", len(a), n)
	}
}

// fates draws the fates of count frames of varied lengths under f.
func fates(seed, k uint64, f Faults, count int) []fate {
	src := connRand(seed, k)
	out := make([]fate, count)
	for i := range out {
		out[i] = decide(src, f, 9+i%61)
	}
	return out
}

// TestDecideDeterministic checks the decision function itself: the same
// seed, connection and frames give the same fates; another seed or
// connection does not.
func TestDecideDeterministic(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
	}{
		{"none", Faults{}},
		{"loss", Faults{Loss: 0.3}},
		{"dup", Faults{Dup: 0.4}},
		{"corrupt", Faults{Corrupt: 0.2}},
		{"delay", Faults{MaxDelay: time.Second}},
		{"all", Faults{Loss: 0.3, Dup: 0.4, Corrupt: 0.2, MaxDelay: time.Second}},
	}
	const seed, count = 99, 1000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := fates(seed, 0, tc.faults, count)
			if d := cmp.Diff(a, fates(seed, 0, tc.faults, count), cmp.AllowUnexported(fate{}, copyFate{})); d != "" {
				t.Fatalf("seed %d: fates differ (-first +second):\n%s", seed, d)
			}
			if tc.faults == (Faults{}) {
				return
			}
			for _, o := range []struct {
				name    string
				seed, k uint64
			}{{"other seed", seed + 1, 0}, {"other connection", seed, 1}} {
				if slices.Equal(a, fates(o.seed, o.k, tc.faults, count)) {
					t.Errorf("%s (seed %d, connection %d) gave the same fates as seed %d", o.name, o.seed, o.k, seed)
				}
			}
		})
	}
}

// TestDecideIndependent checks that turning faults on does not move the
// decisions of another: each frame takes the same draws whatever is on.
func TestDecideIndependent(t *testing.T) {
	all := Faults{Loss: 0.3, Dup: 0.4, Corrupt: 0.2, MaxDelay: time.Second}
	tests := []struct {
		name  string
		alone Faults
		part  func(fate) any
	}{
		{"loss", Faults{Loss: all.Loss}, func(f fate) any { return f.drop }},
		{"dup", Faults{Dup: all.Dup}, func(f fate) any { return f.copies }},
		{"corrupt", Faults{Corrupt: all.Corrupt}, func(f fate) any {
			return [2][3]int{{b2i(f.copy[0].corrupt), f.copy[0].at, int(f.copy[0].mask)}, {b2i(f.copy[1].corrupt), f.copy[1].at, int(f.copy[1].mask)}}
		}},
		{"delay", Faults{MaxDelay: all.MaxDelay}, func(f fate) any { return [2]time.Duration{f.copy[0].delay, f.copy[1].delay} }},
	}
	const seed, count = 5, 1000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := fates(seed, 0, tc.alone, count), fates(seed, 0, all, count)
			for i := range a {
				if x, y := tc.part(a[i]), tc.part(b[i]); x != y {
					t.Fatalf("seed %d frame %d: %v alone, %v with every fault on", seed, i, x, y)
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDecideBounds checks each decision's range and rate over many frames.
func TestDecideBounds(t *testing.T) {
	const seed, count = 3, 20000
	rate := func(fs []fate, pred func(fate) bool) float64 {
		n := 0
		for _, f := range fs {
			if pred(f) {
				n++
			}
		}
		return float64(n) / float64(len(fs))
	}
	tests := []struct {
		name   string
		faults Faults
		pred   func(fate) bool
		want   float64
	}{
		{"loss 0 never drops", Faults{Dup: 1, Corrupt: 1}, func(f fate) bool { return f.drop }, 0},
		{"loss 1 always drops", Faults{Loss: 1}, func(f fate) bool { return f.drop }, 1},
		{"loss 0.3", Faults{Loss: 0.3}, func(f fate) bool { return f.drop }, 0.3},
		{"dup 0 never", Faults{Loss: 1}, func(f fate) bool { return f.copies != 1 }, 0},
		{"dup 1 always", Faults{Dup: 1}, func(f fate) bool { return f.copies == 2 }, 1},
		{"corrupt 0 never", Faults{Loss: 1, Dup: 1}, func(f fate) bool { return f.copy[0].corrupt || f.copy[1].corrupt }, 0},
		{"corrupt 1 always", Faults{Corrupt: 1}, func(f fate) bool { return f.copy[0].corrupt && f.copy[1].corrupt }, 1},
		{"corrupt 0.2", Faults{Corrupt: 0.2}, func(f fate) bool { return f.copy[0].corrupt }, 0.2},
		{"max delay 0 holds nothing", Faults{Loss: 0.5}, func(f fate) bool { return f.copy[0].delay != 0 || f.copy[1].delay != 0 }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rate(fates(seed, 0, tc.faults, count), tc.pred); math.Abs(got-tc.want) > 0.02 {
				t.Errorf("seed %d: rate %.3f, want %.3f", seed, got, tc.want)
			}
		})
	}
	t.Run("corruption stays after the length field", func(t *testing.T) {
		src := connRand(seed, 0)
		for i := range count {
			n := 9 + i%61
			for _, c := range decide(src, Faults{Corrupt: 1}, n).copy {
				if c.at < lengthLen || c.at >= n || c.mask == 0 {
					t.Fatalf("seed %d frame %d of %d bytes: flip %#x at %d", seed, i, n, c.mask, c.at)
				}
			}
		}
	})
	t.Run("delays in [0, MaxDelay]", func(t *testing.T) {
		const maxDelay = 10
		seen := map[time.Duration]bool{}
		for _, f := range fates(seed, 0, Faults{MaxDelay: maxDelay}, count) {
			for _, c := range f.copy {
				if c.delay < 0 || c.delay > maxDelay {
					t.Fatalf("seed %d: delay %v out of [0, %v]", seed, c.delay, time.Duration(maxDelay))
				}
				seen[c.delay] = true
			}
		}
		if len(seen) != maxDelay+1 {
			t.Errorf("seed %d: %d distinct delays, want %d", seed, len(seen), maxDelay+1)
		}
	})
}

// TestDecidePinned pins the first decisions of one seed, so that a change
// to the decision function (which would make a recorded seed mean other
// fates) is seen.
func TestDecidePinned(t *testing.T) {
	const seed = 1
	var b strings.Builder
	for _, f := range fates(seed, 0, Faults{Loss: 0.5, Dup: 0.5}, 32) {
		switch {
		case f.drop:
			b.WriteByte('x')
		case f.copies == 2:
			b.WriteByte('2')
		default:
			b.WriteByte('1')
		}
	}
	const want = "122xxxx11x2xxxxx2xxx22x2xx222x11"
	if got := b.String(); got != want {
		t.Errorf("seed %d: fates %s, pinned %s", seed, got, want)
	}
}

// TestCorruptionAlwaysCaught backs the package doc's claim: every flip of
// one byte after the length field, with every mask, fails the receiver's
// checksum; none reads as a valid frame.
func TestCorruptionAlwaysCaught(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0}},
		{"short", []byte("2a ballot 3.1 value x")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := encode(t, tc.payload)
			for at := lengthLen; at < len(frame); at++ {
				for mask := 1; mask < 256; mask++ {
					b := bytes.Clone(frame)
					b[at] ^= byte(mask)
					_, err := transport.ReadFrame(bufio.NewReader(bytes.NewReader(b)))
					if !errors.Is(err, transport.ErrChecksum) {
						t.Fatalf("flip %#x at %d: %v, want ErrChecksum", mask, at, err)
					}
				}
			}
		})
	}
}

// TestBadFrameIn sends a frame that does not parse between two good ones:
// a frame the stream survives is dropped and counted; one it does not
// closes both sides, after what was already read went out.
func TestBadFrameIn(t *testing.T) {
	good := encode(t, []byte("good one"))
	badSum := encode(t, []byte("bad sum"))
	badSum[len(badSum)-1] ^= 0xff
	badVersion := encode(t, []byte("bad version"))
	badVersion[4] = transport.Version + 1
	n := len(badVersion) - 4
	binary.LittleEndian.PutUint32(badVersion[n:], crc32.Checksum(badVersion[:n], crc32.MakeTable(crc32.Castagnoli)))
	tooLarge := binary.LittleEndian.AppendUint32(nil, transport.MaxPayload+1)
	tooLarge = append(tooLarge, transport.Version)

	tests := []struct {
		name    string
		bad     []byte
		resumes bool
	}{
		{"bad checksum", badSum, true},
		{"bad version", badVersion, true},
		{"length over MaxPayload", tooLarge, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t)
			p := newProxy(t, r.addr(), 1)
			c := dial(t, p.Addr())
			stream := append(append(append(bytes.Clone(good), tc.bad...), encode(t, []byte("good two"))...), good...)
			if _, err := c.Write(stream); err != nil {
				t.Fatal(err)
			}
			if !tc.resumes {
				if d := cmp.Diff([][]byte{[]byte("good one")}, payloadsOf(t, r.recv(t, 1))); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
				waitClosed(t, c)
				select {
				case <-r.ended:
				case <-time.After(guard):
					t.Fatal("the target's connection was not closed")
				}
				waitStats(t, p, Stats{Forwarded: 1, BadFrames: 1, Dials: 1})
				return
			}
			want := [][]byte{[]byte("good one"), []byte("good two"), []byte("good one")}
			if d := cmp.Diff(want, payloadsOf(t, r.recv(t, 3))); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			waitStats(t, p, Stats{Forwarded: 3, BadFrames: 1, Dials: 1})
		})
	}
}

// TestTargetDown: a proxy whose target does not listen closes the
// connection it accepted, and counts the failed dial.
func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	ln.Close()
	p := newProxy(t, target, 1)
	waitClosed(t, dial(t, p.Addr()))
	waitStats(t, p, Stats{Dials: 1, DialFailures: 1})
}

// TestTargetCloses: when the target closes, the proxy closes the source's
// connection, so that the source redials.
func TestTargetCloses(t *testing.T) {
	r := newReceiver(t)
	p := newProxy(t, r.addr(), 1)
	c := dial(t, p.Addr())
	send(t, c, []byte("hello"))
	r.recv(t, 1)
	select {
	case d := <-r.accepted:
		d.Close()
	case <-time.After(guard):
		t.Fatal("the proxy did not connect")
	}
	waitClosed(t, c)
}

// TestSourceCloseDrains: when the source closes, the frames the proxy holds
// still go out, then the target's connection is closed.
func TestSourceCloseDrains(t *testing.T) {
	const n = 50
	r := newReceiver(t)
	p := newProxy(t, r.addr(), 11)
	if err := p.Set(Faults{MaxDelay: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	sent := payloads("frame", n)
	send(t, c, sent...)
	c.Close()
	got := payloadsOf(t, r.recv(t, n))
	slices.SortFunc(got, bytes.Compare)
	slices.SortFunc(sent, bytes.Compare)
	if d := cmp.Diff(sent, got); d != "" {
		t.Errorf("frames, sorted (-sent +got):\n%s", d)
	}
	select {
	case err := <-r.ended:
		if !errors.Is(err, io.EOF) {
			t.Errorf("target connection ended with %v, want EOF at a frame boundary", err)
		}
	case <-time.After(guard):
		t.Fatal("the target's connection was not closed")
	}
}

// TestCloseWhileDraining: Close does not wait out the delays of frames
// held for a source that has already closed.
func TestCloseWhileDraining(t *testing.T) {
	r := newReceiver(t)
	p := newProxy(t, r.addr(), 1)
	if err := p.Set(Faults{MaxDelay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	send(t, c, payloads("held", 10)...)
	eventually(t, "frames to be held", func() bool { return p.Stats().Delayed == 10 })
	c.Close()
	eventually(t, "the proxy to see the source's end", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for l := range p.links {
			l.mu.Lock()
			eof := l.eof
			l.mu.Unlock()
			if !eof {
				return false
			}
		}
		return true
	})
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(guard):
		t.Fatal("Close waits for held frames")
	}
}

// TestSet checks that Set takes valid faults and refuses the others,
// keeping the previous setting.
func TestSet(t *testing.T) {
	prev := Faults{Loss: 0.1}
	tests := []struct {
		name string
		f    Faults
		ok   bool
	}{
		{"zero", Faults{}, true},
		{"every probability 1", Faults{Loss: 1, Dup: 1, Corrupt: 1, MaxDelay: time.Hour}, true},
		{"loss below 0", Faults{Loss: -0.1}, false},
		{"loss above 1", Faults{Loss: 1.1}, false},
		{"loss NaN", Faults{Loss: math.NaN()}, false},
		{"dup above 1", Faults{Dup: 2}, false},
		{"dup infinite", Faults{Dup: math.Inf(1)}, false},
		{"corrupt below 0", Faults{Corrupt: -1}, false},
		{"negative delay", Faults{MaxDelay: -time.Nanosecond}, false},
	}
	r := newReceiver(t)
	p := newProxy(t, r.addr(), 1)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.Set(prev); err != nil {
				t.Fatal(err)
			}
			err := p.Set(tc.f)
			if tc.ok {
				if err != nil {
					t.Fatalf("Set(%+v) = %v", tc.f, err)
				}
				if p.Faults() != tc.f {
					t.Errorf("Faults() = %+v, want %+v", p.Faults(), tc.f)
				}
				return
			}
			if !errors.Is(err, ErrBadFaults) {
				t.Fatalf("Set(%+v) = %v, want ErrBadFaults", tc.f, err)
			}
			if p.Faults() != prev {
				t.Errorf("after a refused Set, Faults() = %+v, want %+v", p.Faults(), prev)
			}
		})
	}
}

// TestNewBadTarget: a target that is no host:port is refused at once.
func TestNewBadTarget(t *testing.T) {
	if _, err := New("no port", 1, nil); err == nil {
		t.Fatal("New accepted a target without a port")
	}
}

// TestCloseNoLeak closes a busy proxy, holding frames far in the future:
// Close returns, closes the source's connection, is idempotent, and every
// goroutine is gone.
func TestCloseNoLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	r := newReceiver(t)
	p, err := New(r.addr(), 1, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Set(Faults{Dup: 0.5}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	send(t, c, payloads("frame", 10)...)
	eventually(t, "the first frames", func() bool { return p.Stats().Forwarded >= 10 })
	if err := p.Set(Faults{MaxDelay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	send(t, c, payloads("held", 10)...)
	eventually(t, "frames to be held", func() bool { return p.Stats().Delayed == 10 })

	errs := make(chan error, 2)
	go func() { errs <- p.Close() }()
	go func() { errs <- p.Close() }()
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("Close: %v", err)
			}
		case <-time.After(guard):
			t.Fatal("Close did not return")
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("third Close: %v", err)
	}
	waitClosed(t, c)
	c.Close()
	r.close()
	eventually(t, fmt.Sprintf("goroutines back to %d", base), func() bool { return runtime.NumGoroutine() <= base })
}

// TestWatch: the watcher sees the payload of every frame kept, in order,
// and none of a frame dropped or cut; a nil watcher stops it.
func TestWatch(t *testing.T) {
	r := newReceiver(t)
	p := newProxy(t, r.addr(), 7)
	var mu sync.Mutex
	var seen [][]byte
	p.Watch(func(b []byte) {
		mu.Lock()
		seen = append(seen, bytes.Clone(b))
		mu.Unlock()
	})
	c := dial(t, p.Addr())
	kept := payloads("kept", 20)
	send(t, c, kept...)
	r.recv(t, len(kept))
	p.Cut(true)
	send(t, c, payloads("cut", 5)...)
	waitStats(t, p, Stats{Forwarded: 20, Cut: 5, Dials: 1})
	p.Cut(false)
	if err := p.Set(Faults{Loss: 1}); err != nil {
		t.Fatal(err)
	}
	send(t, c, payloads("lost", 5)...)
	waitStats(t, p, Stats{Forwarded: 20, Cut: 5, Dropped: 5, Dials: 1})
	if err := p.Set(Faults{}); err != nil {
		t.Fatal(err)
	}
	p.Watch(nil)
	send(t, c, payloads("unwatched", 3)...)
	r.recv(t, 3)
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(kept, seen); diff != "" {
		t.Errorf("watched payloads (-kept +seen):\n%s", diff)
	}
}
