package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// The client API, on every proposer (HTTP/JSON, so that curl works):
//
//	POST /v1/kv      {"client": 1, "seq": 1, "op": "put", "key": "x", "val": "1"}
//	                 -> 200 {"client":1,"seq":1,"op":"put"} once the command is applied
//	                 (Get: "value" and "found"; CAS: "ok"). A client numbers its
//	                 commands 1, 2, ...; a retried (client, seq) is applied at most
//	                 once and gets the first answer again.
//	                 400: not a command; 409: the client has a command waiting
//	                 here; 504: no answer within ?timeout=
//	                 (default 10s): the outcome is unknown, the command may still
//	                 be applied; 503: the node stopped while it waited.
//	GET  /v1/status  the node's role, ballot, applied slots and counters

// DefaultRequestTimeout is how long a request waits for its answer.
const DefaultRequestTimeout = 10 * time.Second

type request struct {
	cmd     mp.Command
	refused chan string   // "" when the node took the command
	reply   chan mp.Reply // buffered 1; closed when the node stops first
}

// Status is what GET /v1/status returns.
type Status struct {
	Node    mp.NodeID `json:"node"`
	Role    string    `json:"role"`
	Phase   string    `json:"phase,omitempty"`
	Ballot  string    `json:"ballot,omitempty"`
	Next    mp.Slot   `json:"next_slot,omitempty"` // the slot the replica applies next
	Applied int       `json:"applied,omitempty"`   // commands that took effect
	Waiting int       `json:"waiting,omitempty"`   // client commands waiting here
	Stats   Stats     `json:"stats"`
}

// publish stores the loop's view for status requests (other goroutines
// never read the node itself).
func (d *Daemon) publish() {
	n := &d.node
	s := &Status{Node: n.ID, Role: n.Role.String()}
	if n.Role == mp.RoleProposer {
		s.Phase, s.Next, s.Applied, s.Waiting = n.Phase.String(), n.Rep.Next, len(n.Rep.Applied), len(n.Waiting)
		if b := n.Ballot(); !b.IsZero() {
			s.Ballot = b.String()
		}
	} else if !n.Mem.MaxBal.IsZero() {
		s.Ballot = n.Mem.MaxBal.String()
	}
	d.status.Store(s)
}

func (d *Daemon) whyRefused(c mp.Command) string {
	switch {
	case !c.Valid() || c.Op == mp.OpNoop:
		return "not a client's command: want op get, put or cas, a key, seq from 1, and only the fields its op reads"
	case d.node.Crashed:
		return "the node is down"
	}
	return fmt.Sprintf("client %d has a command waiting here already: one at a time", c.Client)
}

type httpServer struct {
	srv *http.Server
	ln  net.Listener
	end chan struct{}
}

func startHTTP(addr string, d *Daemon) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("client API: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/kv", d.serveKV)
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		s := *d.status.Load()
		s.Stats = d.Stats()
		writeJSON(w, http.StatusOK, s)
	})
	h := &httpServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln, end: make(chan struct{})}
	go func() {
		defer close(h.end)
		h.srv.Serve(ln)
	}()
	return h, nil
}

func (h *httpServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if h.srv.Shutdown(ctx) != nil {
		h.srv.Close()
	}
	<-h.end
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// kvRequest is a POST /v1/kv body: a command without the no-op.
type kvRequest struct {
	Client mp.ClientID `json:"client"`
	Seq    uint32      `json:"seq"`
	Op     string      `json:"op"`
	Key    string      `json:"key"`
	Val    string      `json:"val,omitempty"`
	Old    string      `json:"old,omitempty"`
}

func (d *Daemon) serveKV(w http.ResponseWriter, r *http.Request) {
	timeout := DefaultRequestTimeout
	if s := r.URL.Query().Get("timeout"); s != "" {
		t, err := time.ParseDuration(s)
		if err != nil || t <= 0 {
			fail(w, http.StatusBadRequest, "timeout %q: want a duration such as 2s", s)
			return
		}
		timeout = t
	}
	var kr kvRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kr); err != nil {
		fail(w, http.StatusBadRequest, "bad request body: %v", err)
		return
	}
	op, err := mp.ParseOp(kr.Op)
	if err != nil || op == mp.OpNoop {
		fail(w, http.StatusBadRequest, "op %q: want get, put or cas", kr.Op)
		return
	}
	req := request{cmd: mp.Command{Op: op, Client: kr.Client, Seq: kr.Seq, Key: kr.Key, Val: kr.Val, Old: kr.Old},
		refused: make(chan string, 1), reply: make(chan mp.Reply, 1)}
	if !req.cmd.Valid() {
		fail(w, http.StatusBadRequest, "%s", d.whyRefusedStatic(req.cmd))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	select {
	case d.requests <- req:
	case <-d.done:
		fail(w, http.StatusServiceUnavailable, "node %d is stopping", d.opt.Node)
		return
	case <-ctx.Done():
		fail(w, http.StatusGatewayTimeout, "node %d did not take the command within %v: it was not applied", d.opt.Node, timeout)
		return
	}
	if why := <-req.refused; why != "" {
		fail(w, http.StatusConflict, "%s", why)
		return
	}
	select {
	case rep, ok := <-req.reply:
		if !ok {
			fail(w, http.StatusServiceUnavailable, "node %d stopped before it answered: the outcome is unknown", d.opt.Node)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case <-ctx.Done():
		why := "no answer within " + timeout.String()
		if errors.Is(ctx.Err(), context.Canceled) {
			why = "the client went away"
		}
		fail(w, http.StatusGatewayTimeout, "%s: the outcome is unknown (the command may still be applied)", why)
	}
}

// whyRefusedStatic explains an invalid command without the node's state.
func (d *Daemon) whyRefusedStatic(c mp.Command) string {
	if c.Seq == 0 {
		return "seq " + strconv.Itoa(int(c.Seq)) + ": a client numbers its commands from 1"
	}
	if c.Key == "" {
		return "a command needs a key"
	}
	return "not a client's command: only the fields its op reads (get: key; put: key, val; cas: key, old, val)"
}
