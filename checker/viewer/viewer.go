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

// Column is one node of the diagram.
type Column struct {
	ID    int    `json:"id"`
	Label string `json:"label"` // "a0", "p3", "l5"
	Role  string `json:"role"`
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
	// Mark is a short label drawn at the node: "crash", "restart",
	// "invoke x", "learned x", "reply y"...
	Mark string `json:"mark,omitempty"`
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
	// porcupine is Porcupine's own visualization, embedded as an iframe.
	porcupine string
}

// Options tune Build.
type Options struct {
	// Title heads the page; the trace's source when empty.
	Title string
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
	// Columns are the nodes, in diagram order.
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
		pg.Steps = append(pg.Steps, p.ViewStep(step))
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
