package viewer

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/traces"
)

//go:embed viewer.js
var script string

//go:embed viewer.css
var style string

//go:embed page.html.tmpl
var pageText string

var pageTmpl = template.Must(template.New("page").Parse(pageText))

// Field is one named part of a node's state, rendered as a string.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NodeState is one node (or the network) at one step.
type NodeState struct {
	// ID is the element id the page shows it in: "node-<NodeID>", or
	// "node-net" for the network.
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
}

// Text is the node's state as the page shows it in element ID: one
// "name: value" line per field. The browser test compares the two.
func (n *NodeState) Text() string {
	var b strings.Builder
	for _, f := range n.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	return b.String()
}

// InvResult is one invariant's value at one step.
type InvResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Column is one lane of the diagram: a node, or a client (Client set).
// Client lanes come first, as in the text diagram of `paxoscheck show`.
type Column struct {
	// ID is the node's id, or for a client lane the client's id (the two
	// are separate spaces: arrows name nodes, ClientMsg names clients).
	ID    int    `json:"id"`
	Label string `json:"label"` // "C0", "A0", "P3", "L5"
	Role  string `json:"role"`  // "client", "acceptor", "proposer"...
	// Client marks a client lane.
	Client bool `json:"client,omitempty"`
}

// ClientMsg is a request of a client to the step's node, or (Reply) the
// node's answer to it: an arrow between the client's lane and the node.
type ClientMsg struct {
	Client int    `json:"client"`
	Reply  bool   `json:"reply,omitempty"`
	Text   string `json:"text"` // "propose x", "reply x", "c0.1:put(k0=1)"
}

// Arrow is a message of the diagram: sent at step From (0 when it was
// never seen sent), consumed at step To (0 when still in flight at the
// end), from node Src to node Dst.
type Arrow struct {
	ID      int    `json:"id"`
	Text    string `json:"text"`
	Src     int    `json:"src"`
	Dst     int    `json:"dst"`
	From    int    `json:"from"`
	To      int    `json:"to"`
	Dropped bool   `json:"dropped,omitempty"`
	DupOf   int    `json:"dupOf,omitempty"`
}

// StepView is one step as the page lists it.
type StepView struct {
	Step   int    `json:"step"`
	Action string `json:"action"`
	Node   int    `json:"node"`
	Text   string `json:"text"`
	// Mark is what the step's action name does not say, drawn after it
	// at the node: "learned x", "s1=c0.1:put(k0=1)".
	Mark string `json:"mark,omitempty"`
	// Client are the step's exchanges with clients, drawn to and from
	// the client lanes: the Invoke's request, the replies.
	Client []ClientMsg `json:"client,omitempty"`
	// Msg is the id of the message the step consumed (delivered, dropped,
	// duplicated, or being handled when a crash struck), 0 for none. Build
	// sets it from the replay, not the protocol.
	Msg int `json:"msg,omitempty"`
}

// Op is one client operation of the history table.
type Op struct {
	Client     int    `json:"client"`
	Value      string `json:"value"`
	InvokeStep int    `json:"invokeStep"`
	ReturnStep int    `json:"returnStep"` // 0: never answered
	Reply      string `json:"reply"`
}

// Page is everything the page shows, computed in Go.
type Page struct {
	Title string `json:"title"`
	// Header is the trace's header, as the protocol's layer writes it.
	Header  any        `json:"header"`
	Columns []Column   `json:"columns"`
	Steps   []StepView `json:"steps"`
	Arrows  []Arrow    `json:"arrows"`
	// States[i] is every node's state after step i (States[0]: initial).
	States        [][]NodeState `json:"states"`
	Invariants    [][]InvResult `json:"invariants"`
	History       []Op          `json:"history"`
	Verdict       string        `json:"verdict"`
	VerdictDetail string        `json:"verdictDetail,omitempty"`
	// Violation is the line the header's claimed violation gets in every
	// report (traces.Violation.Line); "" when it claims none.
	Violation string `json:"violation,omitempty"`
	// porcupine is Porcupine's own visualization, embedded as an iframe.
	porcupine string
}

// Options tune Build.
type Options struct {
	// Title heads the page; the trace's source when empty.
	Title string
	// Violation is what the trace's header claims (nil: nothing), shown
	// in the words of every other report (BuildPage sets it).
	Violation *traces.Violation
	// NoPorcupine leaves out Porcupine's visualization (the history table
	// and verdict stay).
	NoPorcupine bool
	// LinearizeTimeout bounds the Porcupine check (linearize.DefaultTimeout
	// when zero); a timeout shows as the verdict "unknown".
	LinearizeTimeout time.Duration
}

// Protocol is what the viewer needs of a protocol beyond replay's reading
// of its traces: its columns, and how a step, a state and a message read
// on the page (its labels). For single-decree Paxos it is
// checker/paxos/paxosmodel's Model.
type Protocol[I, K ~uint8, N any, M graph.Message[M], D, E, S any] interface {
	replay.Protocol[I, K, N, M, D, E, S]
	// Columns are the lanes in diagram order: the clients (Client set),
	// then the nodes.
	Columns() []Column
	// ViewStep is step s as the page lists it.
	ViewStep(s *S) StepView
	// ViewState renders every node of st, then the network.
	ViewState(st *graph.State[I, N, M, D]) []NodeState
	// ViewMsg is message r as an arrow (its id, text, source and
	// addressee, the original it copies).
	ViewMsg(r replay.Ref[M]) Arrow
	// ViewOps reads the client history ops for the table.
	ViewOps(ops []porcupine.Operation) []Op
}

// Build replays steps on p and computes the page; header is the trace's
// header (shown as is), source what wrote it. A step that cannot be
// replayed is an error naming it.
func Build[I, K ~uint8, N any, M graph.Message[M], D, E, S any](p Protocol[I, K, N, M, D, E, S], header any, source string, steps []S, h replay.History, o Options) (*Page, error) {
	st, err := graph.Init[I, K, N, M, D, E](p)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	pg := &Page{Title: o.Title, Header: header, Columns: p.Columns()}
	if o.Violation != nil {
		pg.Violation = o.Violation.Line()
	}
	nodes, clients := map[int]bool{}, map[int]bool{}
	for _, c := range pg.Columns {
		if c.Client {
			clients[c.ID] = true
		} else {
			nodes[c.ID] = true
		}
	}
	if pg.Title == "" {
		pg.Title = "paxoscheck trace (" + source + ")"
	}
	checkAll := func() []InvResult {
		var out []InvResult
		p.EachInvariant(&st, func(name string, err error) {
			r := InvResult{Name: name, OK: true}
			if err != nil {
				r.OK, r.Detail = false, err.Error()
			}
			out = append(out, r)
		})
		return out
	}
	pg.States = append(pg.States, p.ViewState(&st))
	pg.Invariants = append(pg.Invariants, checkAll())
	arrows := map[int]int{} // message id -> index in pg.Arrows
	for i := range steps {
		step := &steps[i]
		in := p.ReadStep(step)
		if in.Err != nil {
			return nil, fmt.Errorf("viewer: %w", in.Err)
		}
		if _, err := graph.Apply[I, K, N, M, D, E](p, &st, in.Action); err != nil {
			return nil, fmt.Errorf("viewer: replaying step %d: %w", in.Number, err)
		}
		sv := p.ViewStep(step)
		if !nodes[sv.Node] {
			return nil, fmt.Errorf("viewer: step %d: node %d has no column", in.Number, sv.Node)
		}
		for _, c := range sv.Client {
			if !clients[c.Client] {
				return nil, fmt.Errorf("viewer: step %d: client %d has no lane", in.Number, c.Client)
			}
		}
		if in.Msg != nil {
			sv.Msg = in.Msg.ID
		}
		pg.Steps = append(pg.Steps, sv)
		if in.Msg != nil && in.Action.Kind != graph.ActDuplicate {
			j, ok := arrows[in.Msg.ID]
			if !ok {
				j = len(pg.Arrows)
				pg.Arrows = append(pg.Arrows, p.ViewMsg(*in.Msg))
				arrows[in.Msg.ID] = j
			}
			pg.Arrows[j].To = in.Number
			pg.Arrows[j].Dropped = in.Action.Kind == graph.ActDrop
		}
		for _, m := range in.Sent {
			arrows[m.ID] = len(pg.Arrows)
			a := p.ViewMsg(m)
			if !nodes[a.Src] || !nodes[a.Dst] {
				return nil, fmt.Errorf("viewer: step %d: message #%d from node %d to %d: no column", in.Number, a.ID, a.Src, a.Dst)
			}
			a.From = in.Number
			pg.Arrows = append(pg.Arrows, a)
		}
		pg.States = append(pg.States, p.ViewState(&st))
		pg.Invariants = append(pg.Invariants, checkAll())
	}
	ops, err := h.Ops()
	if err != nil {
		pg.Verdict, pg.VerdictDetail = "error", err.Error()
		return pg, nil
	}
	pg.History = p.ViewOps(ops)
	res := h.Check(ops, o.LinearizeTimeout)
	pg.Verdict, pg.VerdictDetail = string(res.Verdict), res.Detail
	if !o.NoPorcupine && len(ops) > 0 {
		pg.porcupine, err = porcupineHTML(&res)
		if err != nil {
			return nil, err
		}
	}
	return pg, nil
}

// porcupineHTML returns Porcupine's visualization of res. linearize offers
// it only as a file, so it goes through a temporary directory.
func porcupineHTML(res *linearize.Result) (string, error) {
	dir, err := os.MkdirTemp("", "paxoscheck-viewer-")
	if err != nil {
		return "", fmt.Errorf("viewer: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "porcupine.html")
	if err := res.WriteHTML(path); err != nil {
		return "", fmt.Errorf("viewer: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("viewer: %w", err)
	}
	return string(b), nil
}

// WriteHTML writes p as one self-contained HTML file.
func (p *Page) WriteHTML(w io.Writer) error {
	data, err := json.Marshal(p) // escapes <, > and &: safe inside <script>
	if err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	var buf bytes.Buffer
	err = pageTmpl.Execute(&buf, map[string]any{
		"Title":     p.Title,
		"Data":      template.JS(data),
		"Script":    template.JS(script),
		"Style":     template.CSS(style),
		"Porcupine": p.porcupine,
	})
	if err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
