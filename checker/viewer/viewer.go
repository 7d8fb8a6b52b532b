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
	"strconv"
	"strings"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
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
	ID    paxos.NodeID `json:"id"`
	Label string       `json:"label"` // "a0", "p3", "l5"
	Role  string       `json:"role"`
}

// Arrow is a message of the diagram: sent at step From (0 when it was
// never seen sent), consumed at step To (0 when still in flight at the
// end), from node Src to node Dst.
type Arrow struct {
	ID      int          `json:"id"`
	Text    string       `json:"text"`
	Src     paxos.NodeID `json:"src"`
	Dst     paxos.NodeID `json:"dst"`
	From    int          `json:"from"`
	To      int          `json:"to"`
	Dropped bool         `json:"dropped,omitempty"`
	DupOf   int          `json:"dupOf,omitempty"`
}

// StepView is one step as the page lists it.
type StepView struct {
	Step   int          `json:"step"`
	Action string       `json:"action"`
	Node   paxos.NodeID `json:"node"`
	Text   string       `json:"text"`
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
	Title   string            `json:"title"`
	Header  paxostrace.Header `json:"header"`
	Columns []Column          `json:"columns"`
	Steps   []StepView        `json:"steps"`
	Arrows  []Arrow           `json:"arrows"`
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

// Build replays t and computes the page. A step that cannot be replayed is
// an error naming it.
func Build(t *paxostrace.Trace, o Options) (*Page, error) {
	s, err := world.SetupFromHeader(&t.Header)
	if err != nil {
		return nil, fmt.Errorf("viewer: trace header: %w", err)
	}
	st, err := world.Init(&s)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	p := &Page{Title: o.Title, Header: t.Header}
	if p.Title == "" {
		p.Title = "paxoscheck trace (" + t.Header.Source + ")"
	}
	for _, id := range s.Config.Nodes() {
		r, _, _ := s.Config.RoleOf(id)
		p.Columns = append(p.Columns, Column{ID: id, Label: label(&s.Config, id), Role: r.String()})
	}
	p.States = append(p.States, nodeStates(&s, &st))
	p.Invariants = append(p.Invariants, checkAll(&s, &st))
	arrows := map[int]int{} // message id -> index in p.Arrows
	for i := range t.Steps {
		step := &t.Steps[i]
		a, err := world.ActionOf(step)
		if err != nil {
			return nil, fmt.Errorf("viewer: %w", err)
		}
		if _, err := st.Apply(&s, a); err != nil {
			return nil, fmt.Errorf("viewer: replaying step %d: %w", step.Step, err)
		}
		p.Steps = append(p.Steps, stepView(&s.Config, step))
		if step.Msg != nil && step.Action != paxostrace.EvDuplicate {
			j, ok := arrows[step.Msg.ID]
			if !ok {
				j = len(p.Arrows)
				p.Arrows = append(p.Arrows, arrow(step.Msg, 0))
				arrows[step.Msg.ID] = j
			}
			p.Arrows[j].To = step.Step
			p.Arrows[j].Dropped = step.Action == paxostrace.EvDrop
		}
		for _, m := range step.Sent {
			arrows[m.ID] = len(p.Arrows)
			p.Arrows = append(p.Arrows, arrow(&m, step.Step))
		}
		p.States = append(p.States, nodeStates(&s, &st))
		p.Invariants = append(p.Invariants, checkAll(&s, &st))
	}
	ops, err := paxosmodel.FromTrace(t)
	if err != nil {
		p.Verdict, p.VerdictDetail = "error", err.Error()
		return p, nil
	}
	for _, op := range ops {
		in, out, sp := op.Input.(paxosmodel.Input), op.Output.(paxosmodel.Output), op.Metadata.(paxosmodel.Span)
		p.History = append(p.History, Op{Client: op.ClientId, Value: string(in.Value), InvokeStep: sp.InvokeStep,
			ReturnStep: sp.ReturnStep, Reply: string(out.Value)})
	}
	res := paxosmodel.Linearizable(ops, o.LinearizeTimeout)
	p.Verdict, p.VerdictDetail = string(res.Verdict), res.Detail
	if !o.NoPorcupine && len(ops) > 0 {
		p.porcupine, err = porcupineHTML(&res)
		if err != nil {
			return nil, err
		}
	}
	return p, nil
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

// WriteHTML writes the page for t to w.
func WriteHTML(w io.Writer, t *paxostrace.Trace, o Options) error {
	p, err := Build(t, o)
	if err != nil {
		return err
	}
	return p.WriteHTML(w)
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

func label(c *paxos.Config, id paxos.NodeID) string {
	r, _, ok := c.RoleOf(id)
	if !ok {
		return "?" + strconv.Itoa(int(id))
	}
	return r.String()[:1] + strconv.Itoa(int(id))
}

func arrow(m *paxostrace.Msg, sentAt int) Arrow {
	return Arrow{ID: m.ID, Text: m.Message.String(), Src: m.From, Dst: m.To, From: sentAt, DupOf: m.DupOf}
}

func stepView(c *paxos.Config, s *paxostrace.Step) StepView {
	v := StepView{Step: s.Step, Action: s.Action, Node: s.Node}
	var b strings.Builder
	b.WriteString(s.Action)
	b.WriteString(" at ")
	b.WriteString(label(c, s.Node))
	if s.Msg != nil {
		fmt.Fprintf(&b, ": #%d %s from %s", s.Msg.ID, s.Msg.Message, label(c, s.Msg.From))
	}
	var marks []string
	switch s.Action {
	case paxostrace.EvCrash:
		marks = append(marks, "crash")
	case paxostrace.EvRestart:
		marks = append(marks, "restart")
	case paxostrace.EvInvoke:
		if s.Client != nil {
			fmt.Fprintf(&b, ": client %d proposes %s", *s.Client, s.Value)
			marks = append(marks, fmt.Sprintf("c%d: propose %s", *s.Client, s.Value))
		}
	case paxostrace.EvDrop:
		marks = append(marks, "drop")
	case paxostrace.EvDuplicate:
		marks = append(marks, "dup")
	}
	if s.Persist != nil {
		fmt.Fprintf(&b, "; persist %s", durable(*s.Persist))
	}
	if len(s.Sent) > 0 {
		b.WriteString("; sent")
		for _, m := range s.Sent {
			fmt.Fprintf(&b, " #%d %s to %s", m.ID, m.Message, label(c, m.To))
		}
	}
	if s.Learned != paxos.None {
		fmt.Fprintf(&b, "; learned %s", s.Learned)
		marks = append(marks, "learned "+string(s.Learned))
	}
	for _, r := range s.Replies {
		fmt.Fprintf(&b, "; reply %s to client %d", r.Value, r.Client)
		marks = append(marks, fmt.Sprintf("c%d ← %s", r.Client, r.Value))
	}
	v.Text = b.String()
	v.Mark = strings.Join(marks, ", ")
	return v
}

func val(v paxos.Value) string {
	if v == paxos.None {
		return "-"
	}
	return string(v)
}

func durable(d paxos.Durable) string {
	return fmt.Sprintf("{maxBal=%s maxVBal=%s maxVal=%s round=%d}", d.MaxBal, d.MaxVBal, val(d.MaxVal), d.Round)
}

// nodeStates renders every node of st, then the network.
func nodeStates(s *world.Setup, st *world.State) []NodeState {
	c := &s.Config
	out := make([]NodeState, 0, len(st.Nodes)+1)
	for i := range st.Nodes {
		n := &st.Nodes[i]
		d := st.Stored[i]
		ns := NodeState{ID: "node-" + strconv.Itoa(int(n.ID)), Title: n.Role.String() + " " + strconv.Itoa(int(n.ID))}
		f := func(name, v string) { ns.Fields = append(ns.Fields, Field{name, v}) }
		status := "up"
		if n.Crashed {
			status = "crashed"
		}
		f("status", status)
		switch n.Role {
		case paxos.RoleAcceptor:
			f("maxBal", n.Mem.MaxBal.String())
			f("maxVBal", n.Mem.MaxVBal.String())
			f("maxVal", val(n.Mem.MaxVal))
			f("stored", fmt.Sprintf("maxBal=%s maxVBal=%s maxVal=%s", d.MaxBal, d.MaxVBal, val(d.MaxVal)))
		case paxos.RoleProposer:
			f("ballot", n.Ballot().String())
			f("phase", n.Phase.String())
			f("value", val(n.Value))
			var prom []string
			for a := range c.Acceptors {
				if n.Promised&(1<<uint(a)) != 0 {
					prom = append(prom, label(c, c.Acceptors[a]))
				}
			}
			f("promised", "{"+strings.Join(prom, ",")+"}")
			f("highest vote", fmt.Sprintf("%s %s", n.HighVBal, val(n.HighVal)))
			f("proposal", val(n.Proposal))
			f("nacked by", n.Seen.String())
			f("decided", val(n.Decided))
			var cl []string
			for k := 0; k < 64; k++ {
				if n.Clients&(1<<uint(k)) != 0 {
					cl = append(cl, "c"+strconv.Itoa(k))
				}
			}
			f("waiting", "{"+strings.Join(cl, ",")+"}")
			f("stored", fmt.Sprintf("round=%d", d.Round))
		case paxos.RoleLearner:
			var votes []string
			for a := range c.Acceptors {
				v := n.Votes[a]
				if !v.Bal.IsZero() {
					votes = append(votes, fmt.Sprintf("%s:%s=%s", label(c, c.Acceptors[a]), v.Bal, val(v.Val)))
				}
			}
			f("votes", "{"+strings.Join(votes, " ")+"}")
			f("learned", val(n.Learned))
		}
		out = append(out, ns)
	}
	net := NodeState{ID: "node-net", Title: "network (in flight)"}
	for _, m := range st.Net {
		net.Fields = append(net.Fields, Field{label(c, m.From) + "→" + label(c, m.To), m.String()})
	}
	if len(net.Fields) == 0 {
		net.Fields = []Field{{"empty", "-"}}
	}
	return append(out, net)
}

// checkAll evaluates every invariant, not only up to the first failure, so
// that the page shows which ones hold too.
func checkAll(s *world.Setup, st *world.State) []InvResult {
	a := invariant.FromWorld(s, st)
	out := make([]InvResult, 0, len(invariant.All))
	for _, inv := range invariant.All {
		r := InvResult{Name: inv.Name, OK: true}
		if err := inv.Check(&a); err != nil {
			r.OK, r.Detail = false, err.Error()
		}
		out = append(out, r)
	}
	return out
}
