package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpmodel"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/impl/storage"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// freeAddrs reserves n loopback ports (listen, note, close).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// testConfig is 3 acceptors (0..2) and 2 proposers (3, 4) on loopback.
func testConfig(t *testing.T) *Config {
	a := freeAddrs(t, 7)
	c := &Config{Protocol: "multipaxos", Pipeline: 2,
		Acceptors: []Member{{ID: 0, Peer: a[0]}, {ID: 1, Peer: a[1]}, {ID: 2, Peer: a[2]}},
		Proposers: []Member{{ID: 3, Peer: a[3], Client: a[5]}, {ID: 4, Peer: a[4], Client: a[6]}},
		Backoff:   Backoff{Min: Duration(5 * time.Millisecond), Max: Duration(50 * time.Millisecond)}}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	return c
}

type cluster struct {
	t     *testing.T
	cfg   *Config
	dirs  map[mp.NodeID]string
	nodes map[mp.NodeID]*Daemon
}

// startCluster starts testConfig's nodes, the config first changed by
// each of edit.
func startCluster(t *testing.T, edit ...func(*Config)) *cluster {
	c := &cluster{t: t, cfg: testConfig(t), dirs: map[mp.NodeID]string{}, nodes: map[mp.NodeID]*Daemon{}}
	for _, e := range edit {
		e(c.cfg)
	}
	for _, m := range c.cfg.members() {
		c.dirs[m.ID] = t.TempDir()
		c.start(m.ID)
	}
	t.Cleanup(func() {
		for _, d := range c.nodes {
			d.Stop()
		}
	})
	return c
}

func (c *cluster) start(id mp.NodeID) {
	c.t.Helper()
	d, err := Start(Options{Config: c.cfg, Node: id, Dir: c.dirs[id], Seed: 7})
	if err != nil {
		c.t.Fatal(err)
	}
	c.nodes[id] = d
}

// kill ends node id as kill -9 would: nothing more is written.
func (c *cluster) kill(id mp.NodeID) {
	d := c.nodes[id]
	d.kill = true
	d.Stop()
	delete(c.nodes, id)
}

func (c *cluster) stop(id mp.NodeID) {
	if err := c.nodes[id].Stop(); err != nil {
		c.t.Fatal(err)
	}
	delete(c.nodes, id)
}

// client opens a connection per request: a node restarted on the same
// port leaves a kept-alive connection dead, and a POST on it fails.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// do sends a command to proposer p and returns the HTTP status and body.
func (c *cluster) do(p mp.NodeID, body string) (int, string) {
	c.t.Helper()
	m, _ := c.cfg.Member(p)
	resp, err := client.Post("http://"+m.Client+"/v1/kv?timeout=5s", "application/json", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func (c *cluster) ok(p mp.NodeID, body, want string) {
	c.t.Helper()
	code, got := c.do(p, body)
	if code != http.StatusOK || got != want {
		c.t.Fatalf("POST %s to node %d: %d %s, want 200 %s", body, p, code, got, want)
	}
}

// merged stops every node and merges their parts.
func (c *cluster) merged() mptrace.Trace {
	c.t.Helper()
	for id := range c.nodes {
		c.stop(id)
	}
	var parts []mptrace.Part
	for _, m := range c.cfg.members() {
		p, cut, err := mptrace.ReadPartFile(filepath.Join(c.dirs[m.ID], "trace.jsonl"))
		if err != nil || cut {
			c.t.Fatalf("part of node %d: %v (cut %v)", m.ID, err, cut)
		}
		parts = append(parts, p)
	}
	tr, _, err := mptrace.Merge(parts, "test")
	if err != nil {
		c.t.Fatal(err)
	}
	return tr
}

// TestClusterRunsTheCore: five in-process nodes answer puts, gets and a
// CAS; two are killed and restart from their files; the merged trace
// replays on the code with every invariant and is linearizable.
func TestClusterRunsTheCore(t *testing.T) {
	c := startCluster(t)
	c.ok(3, `{"client":1,"seq":1,"op":"put","key":"x","val":"1"}`, `{"client":1,"seq":1,"op":"put","ok":true}`)
	c.ok(4, `{"client":2,"seq":1,"op":"get","key":"x"}`, `{"client":2,"seq":1,"op":"get","value":"1","found":true}`)
	c.kill(0)
	c.kill(3)
	c.start(0)
	c.start(3)
	c.ok(3, `{"client":1,"seq":2,"op":"cas","key":"x","old":"1","val":"2"}`, `{"client":1,"seq":2,"op":"cas","ok":true}`)
	c.ok(4, `{"client":2,"seq":2,"op":"get","key":"x"}`, `{"client":2,"seq":2,"op":"get","value":"2","found":true}`)
	c.stop(1) // a graceful stop records its crash
	c.start(1)
	c.ok(4, `{"client":2,"seq":3,"op":"put","key":"y","val":"3"}`, `{"client":2,"seq":3,"op":"put","ok":true}`)
	tr := c.merged()
	v, err := mpmodel.Check(&tr, replay.Options{Timeout: 10 * time.Second})
	if err != nil || v.Kind != replay.OK {
		t.Fatalf("the merged trace: %v %+v", err, v)
	}
	crashes, restarts := 0, 0
	for _, s := range tr.Steps {
		switch s.Action {
		case mptrace.EvCrash:
			crashes++
		case mptrace.EvRestart:
			restarts++
		}
	}
	if restarts != 3 || crashes < 3 {
		t.Errorf("%d crashes and %d restarts, want 3 restarts after at least 3 crashes", crashes, restarts)
	}
}

// TestClientAPIErrors: what a client gets for requests the node cannot
// take.
func TestClientAPIErrors(t *testing.T) {
	c := startCluster(t)
	for _, x := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"not JSON", `{`, 400, "bad request body"},
		{"unknown field", `{"client":1,"seq":1,"op":"put","key":"x","value":"1"}`, 400, "unknown field"},
		{"no-op", `{"client":1,"seq":1,"op":"noop","key":"x"}`, 400, "want get, put or cas"},
		{"seq 0", `{"client":1,"seq":0,"op":"put","key":"x","val":"1"}`, 400, "from 1"},
		{"no key", `{"client":1,"seq":1,"op":"put","val":"1"}`, 400, "needs a key"},
		{"get with a value", `{"client":1,"seq":1,"op":"get","key":"x","val":"1"}`, 400, "only the fields its op reads"},
	} {
		t.Run(x.name, func(t *testing.T) {
			code, got := c.do(3, x.body)
			if code != x.code || !strings.Contains(got, x.want) {
				t.Fatalf("%d %s, want %d with %q", code, got, x.code, x.want)
			}
		})
	}
	m, _ := c.cfg.Member(3)
	resp, err := http.Post("http://"+m.Client+"/v1/kv?timeout=soon", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a bad timeout: %d, want 400", resp.StatusCode)
	}
	resp, err = http.Get("http://" + m.Client + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var s Status
	err = json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if err != nil || s.Node != 3 || s.Role != "proposer" {
		t.Errorf("status: %+v %v", s, err)
	}
}

// TestNoQuorumTimesOut: with the acceptors down, a command gets no
// answer, and the client is told the outcome is unknown.
func TestNoQuorumTimesOut(t *testing.T) {
	c := startCluster(t)
	for _, id := range []mp.NodeID{0, 1, 2} {
		c.stop(id)
	}
	m, _ := c.cfg.Member(3)
	resp, err := http.Post("http://"+m.Client+"/v1/kv?timeout=200ms", "application/json",
		strings.NewReader(`{"client":1,"seq":1,"op":"put","key":"x","val":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || !bytes.Contains(b, []byte("unknown")) {
		t.Fatalf("%d %s, want 504 saying the outcome is unknown", resp.StatusCode, b)
	}
	code, got := c.do(3, `{"client":1,"seq":2,"op":"put","key":"x","val":"1"}`)
	if code != http.StatusConflict {
		t.Errorf("a second command while the first waits: %d %s, want 409", code, got)
	}
}

// TestStartRefuses: a node does not start from files it cannot trust.
func TestStartRefuses(t *testing.T) {
	cfg := testConfig(t)
	start := func(dir string) error {
		d, err := Start(Options{Config: cfg, Node: 0, Dir: dir})
		if err == nil {
			d.Stop()
		}
		return err
	}
	t.Run("a corrupt state file", func(t *testing.T) {
		dir := t.TempDir()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "state"), []byte("PXDS\x02garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := start(dir); err == nil || !strings.Contains(err.Error(), "refuses to start") || !strings.Contains(err.Error(), storage.ErrCorrupt.Error()) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a state without its trace", func(t *testing.T) {
		dir := t.TempDir()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		fs, _ := storage.OpenLog(filepath.Join(dir, "state"), durableCodec)
		if err := fs.Save(mp.Durable{MaxBal: mp.Ballot{Round: 1}}); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, "trace.jsonl"))
		if err := start(dir); err == nil || !strings.Contains(err.Error(), "has no trace") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a part of another cluster", func(t *testing.T) {
		dir := t.TempDir()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		other := *cfg
		other.Pipeline = 9
		if d, err := Start(Options{Config: &other, Node: 0, Dir: dir}); err == nil || !strings.Contains(err.Error(), "another cluster") {
			if d != nil {
				d.Stop()
			}
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a trace cut short is mended", func(t *testing.T) {
		dir := t.TempDir()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		f, _ := os.OpenFile(filepath.Join(dir, "trace.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
		f.WriteString(`{"step":2,"act`)
		f.Close()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		if _, cut, err := mptrace.ReadPartFile(filepath.Join(dir, "trace.jsonl")); err != nil || cut {
			t.Fatalf("after the restart: cut %v, %v", cut, err)
		}
	})
	t.Run("steps killed before their write are cut", func(t *testing.T) {
		dir := t.TempDir()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "trace.jsonl")
		before, _, err := mptrace.ReadPartFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// A promise whose line was written, and the node killed before
		// its state reached the store: the store still holds none.
		n := len(before.Steps)
		last := before.Steps[n-1]
		f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		fmt.Fprintf(f, `{"step":%d,"action":"Phase1b","node":0,"msg":{"id":%d,"type":"1a","from":3,"to":0,"bal":"1.0","slot":1},"sent":[{"id":%d,"type":"1b","from":0,"to":3,"bal":"1.0","slot":1}],"persist":{"maxBal":"1.0"},"persist_delta":true,"group_end":true,"lamport":%d,"time":%d}`+"\n",
			n+1, 3<<45|1<<12, (last.Lamport+1)<<12, last.Lamport+1, last.Time)
		f.Close()
		if err := start(dir); err != nil {
			t.Fatal(err)
		}
		after, _, err := mptrace.ReadPartFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The start helper stops the node again: a Crash follows.
		if len(after.Steps) != n+2 || after.Steps[n].Action != mptrace.EvRestart || after.Steps[n].Lamport <= last.Lamport+1 {
			t.Fatalf("after the restart: %+v; want the %d steps before, then a Restart whose clock is past the cut step's, then a Crash", after.Steps, n)
		}
	})
	t.Run("a port in use", func(t *testing.T) {
		m, _ := cfg.Member(0)
		ln, err := net.Listen("tcp", m.Peer)
		if err != nil {
			t.Skip(err)
		}
		defer ln.Close()
		if err := start(t.TempDir()); err == nil {
			t.Fatal("started on a port in use")
		}
	})
}

// TestLossyDisk: on a disk whose unsynced writes a kill -9 loses, nodes
// that sync restart from their files, and nodes that do not (no_fsync)
// refuse to restart, naming the writes their stores lost: at least the
// quorum of acceptors that voted for an answered put.
func TestLossyDisk(t *testing.T) {
	for _, nofsync := range []bool{false, true} {
		t.Run(fmt.Sprintf("no_fsync %v", nofsync), func(t *testing.T) {
			c := startCluster(t, func(cfg *Config) { cfg.LossyDisk, cfg.NoFsync = true, nofsync })
			c.ok(3, `{"client":1,"seq":1,"op":"put","key":"x","val":"1"}`, `{"client":1,"seq":1,"op":"put","ok":true}`)
			refused := 0
			for id := mp.NodeID(0); id < 3; id++ {
				c.kill(id)
				d, err := Start(Options{Config: c.cfg, Node: id, Dir: c.dirs[id], Seed: 7})
				switch {
				case err == nil:
					c.nodes[id] = d
				case strings.Contains(err.Error(), "lost writes it had made durable"):
					refused++
				default:
					t.Fatalf("node %d: %v", id, err)
				}
			}
			if !nofsync {
				if refused > 0 {
					t.Fatalf("%d nodes that sync refused to restart", refused)
				}
				c.ok(4, `{"client":2,"seq":1,"op":"get","key":"x"}`, `{"client":2,"seq":1,"op":"get","value":"1","found":true}`)
				return
			}
			if refused < 2 {
				t.Fatalf("%d of the acceptors refused to restart, want at least the 2 that voted", refused)
			}
		})
	}
}

// TestConfigErrors: each bad config is one error naming the problem.
func TestConfigErrors(t *testing.T) {
	good := `{"protocol":"multipaxos","acceptors":[{"id":0,"peer":"127.0.0.1:1"}],"proposers":[{"id":1,"peer":"127.0.0.1:2","client":"127.0.0.1:3"}]}`
	if _, err := ParseConfig([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, edit, want string }{
		{"not JSON", `{`, "unexpected EOF"},
		{"unknown field", strings.Replace(good, `"protocol"`, `"pipline":2,"protocol"`, 1), "unknown field"},
		{"another protocol", strings.Replace(good, `"multipaxos"`, `"raft"`, 1), `paxosd runs "multipaxos"`},
		{"no acceptor", strings.Replace(good, `[{"id":0,"peer":"127.0.0.1:1"}]`, `[]`, 1), "need at least one acceptor"},
		{"an id twice", strings.Replace(good, `"id":1`, `"id":0`, 1), "used twice"},
		{"an address twice", strings.Replace(good, `127.0.0.1:2`, `127.0.0.1:1`, 1), "node 0's as well"},
		{"a bad address", strings.Replace(good, `127.0.0.1:2`, `nowhere`, 1), "missing port"},
		{"a proposer without a client address", strings.Replace(good, `,"client":"127.0.0.1:3"`, ``, 1), "only a proposer, has a client address"},
		{"an unknown bug", strings.Replace(good, `"protocol"`, `"bugs":["nope"],"protocol"`, 1), "nope"},
		{"a bad backoff", strings.Replace(good, `"protocol"`, `"backoff":{"min":"2s","max":"1s"},"protocol"`, 1), "min <= max"},
		{"a bad duration", strings.Replace(good, `"protocol"`, `"backoff":{"min":5},"protocol"`, 1), "a duration is a string"},
		{"a route to nobody", strings.Replace(good, `"protocol"`, `"routes":{"0":{"7":"127.0.0.1:9"}},"protocol"`, 1), "node 7 is not in the config"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.edit))
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, c.want)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("a missing file: %v", err)
	}
}
