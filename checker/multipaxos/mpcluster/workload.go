package mpcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/daemon"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// Workload shapes the clients' commands.
type Workload struct {
	// Clients is how many clients run at once; client i sends to
	// proposer i mod the proposers.
	Clients int
	// Keys is how many keys the commands touch.
	Keys int
	// Ops bounds the operations of the run (final reads excepted); the
	// clients pace themselves to spread them over the run.
	Ops int
	// Reads and CAS are the shares of Gets and CASes; the rest are Puts.
	Reads, CAS float64
	// Timeout is how long a client waits for an answer before it gives
	// the command up as unknown (its session ends there: a client has
	// one command outstanding, and the next goes out in a new session).
	Timeout time.Duration
}

func (w *Workload) check() error {
	switch {
	case w.Clients < 1:
		return fmt.Errorf("--clients %d: want at least 1", w.Clients)
	case w.Keys < 1:
		return fmt.Errorf("--keys %d: want at least 1", w.Keys)
	case w.Ops < 1:
		return fmt.Errorf("--ops %d: want at least 1", w.Ops)
	case w.Reads < 0 || w.CAS < 0 || w.Reads+w.CAS > 1:
		return fmt.Errorf("--reads %v and --cas %v: want shares from 0 whose sum is at most 1", w.Reads, w.CAS)
	case w.Timeout <= 0:
		return fmt.Errorf("--op-timeout %v: want a positive duration", w.Timeout)
	}
	return nil
}

// Op is one operation of the client history.
type Op struct {
	Proposer mp.NodeID  `json:"proposer"`
	Cmd      mp.Command `json:"cmd"`
	// Call and Return are CLOCK_MONOTONIC nanoseconds, on the clock the
	// nodes' parts use (Return 0: no answer came).
	Call   int64     `json:"call"`
	Return int64     `json:"return,omitempty"`
	Reply  *mp.Reply `json:"reply,omitempty"`
	// Outcome is "ok", or why no answer came: the outcome is unknown
	// (the command may yet take effect).
	Outcome string `json:"outcome"`
	// Final marks the reads of every key at the end of the run.
	Final bool `json:"final,omitempty"`
}

// history collects the clients' operations.
type history struct {
	mu       sync.Mutex
	ops      []Op
	sessions atomic.Int32 // sessions handed out; ClientID is a byte
}

func (h *history) add(op Op) {
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// session hands out a fresh client id (ok false: all 256 are used).
func (h *history) session() (mp.ClientID, bool) {
	n := h.sessions.Add(1) - 1
	return mp.ClientID(n), n < 256
}

// httpClient opens a connection per request: after a node restarts on
// its port, a kept-alive connection would be dead, and a POST on it
// cannot be retried safely.
var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// benchClient keeps connections alive: a benchmark restarts no node, and
// a connection per command would measure the handshake.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// send posts cmd to the proposer at addr and returns the answer, or why
// none came.
func send(ctx context.Context, hc *http.Client, addr string, cmd mp.Command, timeout time.Duration) (*mp.Reply, string) {
	body, _ := json.Marshal(map[string]any{"client": cmd.Client, "seq": cmd.Seq, "op": cmd.Op.String(), "key": cmd.Key, "val": cmd.Val, "old": cmd.Old})
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("http://%s/v1/kv?timeout=%s", addr, timeout), bytes.NewReader(body))
	if err != nil {
		return nil, err.Error()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "no connection: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.Unmarshal(b, &e)
		return nil, fmt.Sprintf("%d: %s", resp.StatusCode, e.Error)
	}
	var r mp.Reply
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, "a bad answer: " + err.Error()
	}
	if r.Client != cmd.Client || r.Seq != cmd.Seq {
		return nil, fmt.Sprintf("an answer to command %d of client %d, not %d of %d", r.Seq, r.Client, cmd.Seq, cmd.Client)
	}
	return &r, "ok"
}

// client runs one client until ctx ends or the budget of operations is
// spent, pacing itself so that the run's operations spread over d.
func (r *run) client(ctx context.Context, i int, budget *atomic.Int64, d time.Duration) {
	w := &r.opt.Workload
	rng := rand.New(rand.NewPCG(r.opt.Seed, uint64(i)+1))
	p := r.cfg.Proposers[i%len(r.cfg.Proposers)]
	addr := r.clientAddr[p]
	gap := time.Duration(int64(d) * int64(w.Clients) / int64(w.Ops))
	hc := httpClient
	if r.opt.Bench {
		gap, hc = 0, benchClient
	}
	seen := map[string]string{} // what this client last saw of each key, for its CASes
	session, ok := r.hist.session()
	var seq uint32
	for ok {
		if gap > 0 {
			pause := time.Duration(rng.Int64N(int64(2*gap) + 1))
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		} else if ctx.Err() != nil {
			return
		}
		if budget.Add(-1) < 0 {
			return
		}
		seq++
		key := fmt.Sprintf("k%d", rng.IntN(w.Keys))
		cmd := mp.Command{Client: session, Seq: seq, Key: key}
		switch x := rng.Float64(); {
		case x < w.Reads:
			cmd.Op = mp.OpGet
		case x < w.Reads+w.CAS:
			cmd.Op, cmd.Old, cmd.Val = mp.OpCAS, seen[key], fmt.Sprintf("%d.%d", session, seq)
		default:
			cmd.Op, cmd.Val = mp.OpPut, fmt.Sprintf("%d.%d", session, seq)
		}
		op := Op{Proposer: p, Cmd: cmd, Call: daemon.Monotonic()}
		reply, why := send(ctx, hc, addr, cmd, w.Timeout)
		op.Outcome = why
		if reply != nil {
			op.Return, op.Reply = daemon.Monotonic(), reply
			switch {
			case cmd.Op == mp.OpGet && reply.Found:
				seen[key] = reply.Value
			case cmd.Op == mp.OpGet:
				seen[key] = ""
			case cmd.Op == mp.OpPut || cmd.Op == mp.OpCAS && reply.OK:
				seen[key] = cmd.Val
			}
		}
		r.hist.add(op)
		if reply == nil {
			// The command may still be applied; this session's next
			// command could be refused while it waits: a new session.
			session, ok = r.hist.session()
			seq = 0
		}
	}
}

// finalReads reads every key once the cluster is whole again, each from
// a fresh session, trying each proposer in turn until one answers.
func (r *run) finalReads(ctx context.Context) (read int) {
	for k := range r.opt.Workload.Keys {
		key := fmt.Sprintf("k%d", k)
		for try := range 2 * len(r.cfg.Proposers) {
			session, ok := r.hist.session()
			if !ok {
				return read
			}
			p := r.cfg.Proposers[(k+try)%len(r.cfg.Proposers)]
			cmd := mp.Command{Op: mp.OpGet, Client: session, Seq: 1, Key: key}
			op := Op{Proposer: p, Cmd: cmd, Call: daemon.Monotonic(), Final: true}
			reply, why := send(ctx, httpClient, r.clientAddr[p], cmd, 5*time.Second)
			op.Outcome = why
			if reply != nil {
				op.Return, op.Reply = daemon.Monotonic(), reply
			}
			r.hist.add(op)
			if reply != nil {
				read++
				break
			}
		}
	}
	return read
}
